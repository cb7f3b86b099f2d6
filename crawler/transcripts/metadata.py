"""Company, ticker, fiscal period and call date: from a JSON transcript's fields when it has them,
else from the page's header and title, else from the file name (and the period from the opening
turns). Dates inside the speech are not the call's."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from hypewatch.crawler.dates import EARLIEST_PUBLISHED
from hypewatch.crawler.transcripts.model import Layout

_EXCHANGES = r"(?:NASDAQ|NasdaqGS|NasdaqGM|NYSE|NYSEAMERICAN|NYSEArca|AMEX|TSX|TSXV|LSE|OTC|OTCQX|ASX|HKEX|XETRA|BATS)"

_TICKER_PAREN = re.compile(
    r"(?P<company>[^\n()]{2,80}?)\s*\(\s*(?:" + _EXCHANGES + r"\s*:\s*)?(?P<ticker>[A-Z][A-Z0-9]{0,5}(?:[.\-][A-Z])?)"
    r"(?:\s+[A-Z]{2}\s+Equity)?(?:\s+[+\-−]?[\d.]+%)?\s*\)",  # a terminal's "(KSTL US Equity)"
)

_TICKER_EXCHANGE = re.compile(_EXCHANGES + r"\s*:\s*(?P<ticker>[A-Z][A-Z0-9]{0,5}(?:\.[A-Z])?)\b")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_YEAR = r"(?:FY\s?|F|fiscal\s+(?:year\s+)?)?'?(?P<year>(?:19|20)\d\d|\d\d)\b"

_PERIODS = [
    re.compile(r"\bQ(?P<q>[1-4])\s*(?:of\s+)?[-'’_ ]?\s*" + _YEAR, re.I),
    re.compile(r"\b(?P<q>[1-4])Q\s*[-'’]?\s*" + _YEAR, re.I),
    re.compile(r"\b" + _YEAR.replace("(?P<year>", "(?P<year>") + r"[-_ ]?Q(?P<q>[1-4])\b", re.I),
    re.compile(
        r"\b(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter\s+(?:(?:and\s+)?(?:full[- ]year\s+)?"
        r"(?:of\s+)?(?:the\s+)?)?(?:fiscal\s+(?:year\s+)?|FY\s?)?'?(?P<year>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:fiscal\s+(?:year\s+)?|FY\s?)?(?P<year>(?:19|20)\d\d)\s+(?P<ord>first|second|third|fourth)[- ]quarter\b",
        re.I,
    ),
    re.compile(r"\b(?P<h>H[12]|(?:first|second)[- ]half)\s+(?:of\s+)?(?:fiscal\s+)?" + _YEAR, re.I),
    re.compile(r"\b(?:full[- ]year|fiscal[- ]year|annual)\s+(?P<year>(?:19|20)\d\d)\b", re.I),
]

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

_DATES = [
    (re.compile(r"\b(?P<m>" + _MONTHS + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.I), "mdy"),
    (re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m>" + _MONTHS + r")\s+(?P<y>(?:19|20)\d\d)\b", re.I), "dmy"),
    (re.compile(r"\b(?P<d>\d{1,2})-(?P<m>" + _MONTHS.replace("\\.?", "") + r")-(?P<y>\d\d(?:\d\d)?)\b", re.I), "dmy"),
    (re.compile(r"\b(?P<y>(?:19|20)\d\d)[-/_.](?P<m>0?[1-9]|1[0-2])[-/_.](?P<d>[0-3]?\d)\b"), "ymd"),
]

# The call's date as the call says it, where nothing else gives one: "All our statements are made
# as of today, November 20, 2024", "based on information as of April 28, 2021", "this conference
# is being recorded January 31, 2024", "the conference call, which occurred on February 12th,
# 2025". Not any date of the opening: "our 10-K, filed February 16, 2024", "the quarter ended
# January 31st, 2024" are other days.
_SPOKEN_DATE = re.compile(
    r"\b(?:as\s+of\s+today|information\s+as\s+of|today(?:'s\s+date)?\s+is|(?:being\s+)?recorded(?:\s+today)?(?:\s+on)?"
    r"|(?:which|that)\s+(?:occurred|took\s+place|was\s+held)\s+on|(?:is\s+being|was)\s+held\s+on)"
    r"[,:]?\s+(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
    r"(?P<date>(?:" + _MONTHS + r")\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:" + _MONTHS + r")\s+(?:19|20)\d\d)\b",
    re.I,
)
# How far into the call its date is said: after the safe-harbor statement at the latest.
SPOKEN_DATE_REACH = 8000

_TITLE_HINT = re.compile(r"earnings|conference call|transcript|results|quarter|\bQ[1-4]\b|\b[1-4]Q\d", re.I)
_CALL = re.compile(r"\b(?:call|transcript|results|conference)\b", re.I)
_TICKER_LEAD = re.compile(r"^(?P<ticker>[A-Z]{1,5}(?:\.[A-Z]{1,2})?)\s+[-–—]\s+(?P<rest>.+)$")
_TICKER_RIC = re.compile(r"\b(?P<ticker>[A-Z]{1,5})\.(?:OQ|O|N|K|A|P|L|TO|AX|HK|T|PA|DE|AS|SW)\b")


# The operator's welcome names the company: "Welcome to the Q1 FY 2024 Adobe Earnings Conference
# call.", "... on hold for the Dell Technologies Fiscal Year 2025 Second Quarter Results Call."
_WELCOME = re.compile(
    r"\b(?:welcome|welcoming)\b[^.?!]{0,40}?\bto\s+(?P<rest>[^?!\n]{3,200})"
    r"|\b(?:on hold for|for joining)\s+(?P<hold>[^?!\n]{3,200})",
    re.I,
)
# Where the name of the call starts: the company comes before it ("... Earnings Conference Call").
_CALL_WORDS = re.compile(
    r"\b(?:earnings|results|financial|conference|call|webcast|interview|q\s?&\s?a|merger|quarterly|investor|update)\b",
    re.I,
)
_RESULTS_CALL = re.compile(r"\b(?:earnings|results|quarter\w*|fiscal|Q[1-4]|FY\s?'?\d{2,4})\b", re.I)
_CALL_FOR = re.compile(r"\b(?i:call\s+for\s+(?:the\s+)?)(?P<company>[A-Z][^.?!\n]{1,60})")
_LEGAL_SUFFIX = re.compile(r",?\s+(?:Corporation|Corp\.?|Incorporated|Inc\.?|Ltd\.?|Limited|plc|Co\.)$", re.I)
# The period and the article around the company's name: "the Q1 FY 2024 Adobe", "Cisco's Fourth Quarter in Fiscal Year 2024".
_PERIOD_WORD = re.compile(
    r"(?i:the|our|this|today's|a|an|of|in|and|for|full|year|fiscal|fiscal-year|quarter|quarters|half|"
    r"first|second|third|fourth|1st|2nd|3rd|4th|one|two|three|four|final|end|(?:first|second|third|fourth)-quarter|"
    r"year-end|Q[1-4]|[1-4]Q|H[12]|FY|FY\s?'?\d{2,4}|F\d{2}|'?\d{2}|\d{4}|\w+-|" + _MONTHS + r")"
)


def metadata(layout: Layout, meta: dict[str, Any], filename: str | None) -> dict[str, Any]:
    header = [h for h in layout.header if h.strip()]
    title = (
        meta.get("title")
        or meta.get("headline")
        or next((h for h in header if _CALL.search(h) and _period(h)), None)
        or next((h for h in header if _TITLE_HINT.search(h)), None)
    )
    sources = ([str(title)] if title else []) + header
    joined = "\n".join(sources)
    company = _str(meta.get("company") or meta.get("company_name"))
    ticker = _str(meta.get("ticker") or meta.get("symbol"))
    m = _TICKER_PAREN.search(joined)
    if m:
        company = company or _clean_company(m.group("company"))
        ticker = ticker or m.group("ticker")
    for pattern in (_TICKER_EXCHANGE, _TICKER_RIC):
        if not ticker and (m := pattern.search(joined)):
            ticker = m.group("ticker")
    for line in sources:
        if (m := _TICKER_LEAD.match(line)) and _CALL.search(line):
            ticker = ticker or m.group("ticker")
            company = company or _company_from_title(m.group("rest"))
    for line in header:
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if value.strip() and key in ("company", "company name"):
            company = company or value.strip()
        elif value.strip() and key in ("ticker", "symbol"):
            ticker = ticker or value.strip().split()[0]
    for line in sources:
        company = company or _company_from_title(line)
    company = company or _company_after_exchange_line(header)
    file_ticker, file_period, file_date = _from_filename(filename)
    ticker = ticker or file_ticker

    period = _str(meta.get("fiscal_period"))
    if not period and meta.get("quarter") and meta.get("year"):
        period = f"Q{str(meta['quarter']).strip('Qq')} {meta['year']}"
    opening = "\n".join(p for t in layout.turns[:3] for p in t.paragraphs[:3])[:3000]
    company = company or _company_from_welcome(opening)
    period = period or _period(joined) or file_period or _period(opening)
    call_date = _date(_str(meta.get("date") or meta.get("call_date") or meta.get("event_date")) or "")
    call_date = call_date or _date(joined) or file_date or _spoken_date(layout)
    return {
        "company": _display_company(company) if company else None,
        "ticker": ticker.upper() if ticker else None,
        "fiscal_period": period,
        "call_date": call_date,
        "title": str(title) if title else None,
    }


def _spoken_date(layout: Layout) -> date | None:
    """The date the call gives itself in its opening ("as of today, November 20, 2024")."""
    opening = "\n".join(p for t in layout.turns[:6] for p in t.paragraphs[:6])[:SPOKEN_DATE_REACH]
    m = _SPOKEN_DATE.search(opening)
    return _date(m.group("date")) if m else None


def _str(value: Any) -> str | None:
    return str(value).strip() if value not in (None, "") else None


_ABBREVIATIONS = {"inc", "corp", "co", "ltd", "plc", "bros", "intl", "mr", "ms", "dr", "st", "n", "s", "a", "v"}


def _clean_company(text: str) -> str | None:
    # Keep what follows the last sentence break: "Image source: The Motley Fool. Nvidia" -> "Nvidia".
    breaks = [m.end() for m in re.finditer(r"(\w+)[.:|]\s+(?=[A-Z])", text) if m.group(1).lower() not in _ABBREVIATIONS]
    text = text[breaks[-1] :] if breaks else text.strip()
    text = re.sub(r"\s+(?:Cl(?:ass)?\.?\s+[A-C])$", "", text).strip(" ,-")
    return text or None


def _display_company(name: str) -> str:
    """A name set in capitals as the company writes it elsewhere: "ORBITAL STORAGE CORP" is
    "Orbital Storage Corp", so one company's calls share one name; "AT&T INC" keeps "AT&T", a
    one-word name ("NVIDIA", "IBM") stays as it is."""
    words = name.split()
    if not name.isupper() or len(words) < 2:
        return name

    def word(w: str) -> str:
        core = w.rstrip(",.")
        if core.isalpha() and (len(core) >= 4 or core.lower() in _ABBREVIATIONS):
            return core.capitalize() + w[len(core) :]
        return w

    return " ".join(word(w) for w in words)


def _company_from_welcome(opening: str) -> str | None:
    """The company the operator welcomes listeners to the call of, if the welcome names one."""
    for m in _WELCOME.finditer(opening):
        rest = m.group("rest") or m.group("hold")
        if not _RESULTS_CALL.search(rest):
            continue  # "Welcome to the Morgan Stanley Technology Conference": a host, not the company
        words = rest[: m_.start()] if (m_ := _CALL_WORDS.search(rest)) else rest
        name = _strip_period_words(re.split(r"[.,;:](?:\s|$)", words.strip())[0])
        # "... Results Conference Call for Dell Technologies, Inc."
        if not name[:1].isupper() and (after := _CALL_FOR.search(rest)):
            name = _strip_period_words(re.split(r"\.(?:\s|$)", after.group("company"))[0].strip(" ,"))
        # Said one quarter as "Oracle", the next as "Oracle Corporation": the short form, so a
        # company's calls share one name.
        name = _LEGAL_SUFFIX.sub("", name)
        if name and name[0].isupper() and len(name.split()) <= 6:
            return name
    return None


def _strip_period_words(text: str) -> str:
    words = text.split()
    while words and _PERIOD_WORD.fullmatch(words[0]):
        words.pop(0)
    while words and _PERIOD_WORD.fullmatch(words[-1]):
        words.pop()
    name = " ".join(words)
    return re.sub(r"(?:'s|’s|'|’)$", "", name).strip()


def _company_after_exchange_line(header: list[str]) -> str | None:
    """Today's pages open with "NASDAQ:APOG" and then the company's name on a line of its own."""
    for line, nxt in zip(header, header[1:]):
        if _TICKER_EXCHANGE.fullmatch(line.strip()) and len(nxt.split()) <= 6 and not re.search(r"[:.!?]$|\d", nxt):
            return nxt.strip()
    return None


def _company_from_title(title: str) -> str | None:
    m = re.match(r"^(?:Q[1-4]\s+(?:FY\s?)?\d{2,4}\s+)(?P<c>.+?)\s+Earnings", title, re.I)
    m = m or re.match(
        r"^(?P<c>[A-Z][^()\n]*?)\s+(?:\(|Q[1-4]\b|[1-4]Q\d|(?:first|second|third|fourth)\s+quarter|FY\s?\d)",
        title,
        re.I,
    )
    if not m:
        return None
    company = re.sub(r"^(?:edited\s+)?transcript\s+of\s+", "", m.group("c"), flags=re.I).strip(" ,-–—:")
    return company if company and len(company) < 60 else None


def _period(text: str) -> str | None:
    for pattern in _PERIODS:
        m = pattern.search(text)
        if not m:
            continue
        year = _year(m.group("year"))
        groups = m.groupdict()
        if groups.get("q"):
            return f"Q{groups['q']} {year}"
        if groups.get("ord"):
            return f"Q{_ORDINALS[groups['ord'].lower()]} {year}"
        if groups.get("h"):
            half = "1" if groups["h"].lower() in ("h1", "first half", "first-half") else "2"
            return f"H{half} {year}"
        return f"FY {year}"
    return None


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _date(text: str) -> date | None:
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            try:
                month = m.group("m")
                if not month.isdigit():
                    month = datetime.strptime(month[:3].title(), "%b").month
                found = date(_year(m.group("y")), int(month), int(m.group("d")))
            except ValueError:
                continue
            if found >= EARLIEST_PUBLISHED.date():  # older is a placeholder, not the call's date
                return found
    return None


def _from_filename(filename: str | None) -> tuple[str | None, str | None, date | None]:
    """Ticker, period and date from names like "ACN_q1_2022.json" or "nvidia-nvda-q1-2025-earnings-call.txt"."""
    if not filename:
        return None, None, None
    stem = re.split(r"[\\/]", filename)[-1].rsplit(".", 1)[0]
    tokens = re.split(r"[-_\s.]+", stem)
    ticker = period = None
    for i, token in enumerate(tokens):
        q = re.fullmatch(r"[qQ]([1-4])", token)
        if not q:
            continue
        if i + 1 < len(tokens) and re.fullmatch(r"(?:fy)?((?:19|20)\d\d)", tokens[i + 1], re.I):
            year, before = tokens[i + 1][-4:], i - 1
        elif i > 0 and re.fullmatch(r"(?:19|20)\d\d", tokens[i - 1]):
            year, before = tokens[i - 1], i - 2
        else:
            continue
        period = f"Q{q.group(1)} {year}"
        if before >= 0 and re.fullmatch(r"[A-Za-z]{1,5}", tokens[before]):
            ticker = tokens[before].upper()
        break
    return ticker, period, _date(stem)
