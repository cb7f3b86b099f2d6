"""robots.txt: parsed once per host, answering "may I fetch this?" and "how long must I wait?".

Parsing is pure (`parse_robots`); fetching is the fetcher's job. What an unreadable robots.txt
means follows RFC 9309: a 4xx answer allows everything, a 5xx answer or an unreachable server
disallows everything for this run.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser


@dataclass(frozen=True)
class Robots:
    """The rules of one host for one user agent."""

    parser: RobotFileParser | None  # None: no rules at all (allow or deny everything)
    agent: str = "*"
    allow_all: bool = True
    crawl_delay: float | None = None

    def allows(self, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(self.agent, url)


ALLOW_ALL = Robots(parser=None, allow_all=True)
DENY_ALL = Robots(parser=None, allow_all=False)


def robots_url(url: str) -> str:
    """The robots.txt URL that governs `url`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def parse_robots(text: str, user_agent: str) -> Robots:
    """Parse a robots.txt body for `user_agent` (matched on its product token, e.g. "hypewatch")."""
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    agent = user_agent.split("/", 1)[0].strip() or "*"
    delay = parser.crawl_delay(agent)
    return Robots(parser=parser, agent=agent, crawl_delay=float(delay) if delay is not None else None)


def robots_for_status(status: int) -> Robots:
    """The rules implied by a robots.txt request that did not return a body to parse."""
    return DENY_ALL if status >= 500 else ALLOW_ALL
