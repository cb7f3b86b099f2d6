"""robots.txt: parsed once per host, answering "may I fetch this?" and "how long must I wait?".

Parsing is pure (`parse_robots`, on Protego, which unlike urllib.robotparser understands `*` and
`$` in paths and fractional Crawl-delays); fetching is the fetcher's job. What an unreadable
robots.txt means follows RFC 9309: a 4xx answer allows everything, a 5xx answer disallows
everything for this run.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego


@dataclass(frozen=True)
class Robots:
    """The rules of one host for one user agent."""

    rules: Protego | None  # None: no rules to read, allow or deny everything
    agent: str = "*"
    allow_all: bool = True

    def allows(self, url: str) -> bool:
        if self.rules is None:
            return self.allow_all
        return self.rules.can_fetch(url, self.agent)

    @property
    def crawl_delay(self) -> float | None:
        return self.rules.crawl_delay(self.agent) if self.rules is not None else None


ALLOW_ALL = Robots(rules=None, allow_all=True)
DENY_ALL = Robots(rules=None, allow_all=False)


def robots_url(url: str) -> str:
    """The robots.txt URL that governs `url`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def parse_robots(text: str, user_agent: str) -> Robots:
    """Parse a robots.txt body for `user_agent`, matched on its product token ("hypewatch")."""
    agent = user_agent.split("/", 1)[0].strip() or "*"
    return Robots(rules=Protego.parse(text), agent=agent)


def robots_for_status(status: int) -> Robots:
    """The rules implied by a robots.txt request that did not return a body to parse."""
    return DENY_ALL if status >= 500 else ALLOW_ALL
