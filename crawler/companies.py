"""Which watched companies a text mentions.

A ticker is found by its cashtag ($NVDA), an exchange prefix ((NASDAQ: NVDA)), the bare ticker in
capitals (NVDA, unless the ticker is also a word), or a name from the watchlist, matched in
exact case on word boundaries so that "intelligence" is not Intel and "AMDs" is not AMD.
Names that are also ordinary words ("Meta", "Arm", "Oracle", "Amazon") count only with a
company cue beside them: "Meta Platforms", "Meta said", "chip designer Arm", "Arm's chips" (and
not "Meta-analysis", "at arm's length", "the Amazon rainforest", "the Oracle of Omaha").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_WATCHLIST: dict[str, list[str]] = {
    "NVDA": ["Nvidia", "NVIDIA", "Nvidia Corp", "Nvidia Corporation"],
    "AMD": ["AMD", "Advanced Micro Devices"],
    "AVGO": ["Broadcom"],
    "TSM": ["TSMC", "Taiwan Semiconductor", "Taiwan Semiconductor Manufacturing"],
    "INTC": ["Intel", "Intel Corp", "Intel Corporation"],
    "ARM": ["Arm", "ARM", "Arm Holdings"],
    "MSFT": ["Microsoft", "Azure"],
    "GOOGL": ["Alphabet", "Google", "Google Cloud", "DeepMind", "GOOG"],
    "AMZN": ["Amazon", "Amazon.com", "Amazon Web Services", "AWS"],
    "META": ["Meta", "Meta Platforms", "Facebook parent"],
    "ORCL": ["Oracle", "Oracle Corp", "Oracle Cloud"],
    "SMCI": ["Super Micro Computer", "Supermicro", "Super Micro"],
    "DELL": ["Dell", "Dell Technologies"],
    "HPE": ["Hewlett Packard Enterprise", "HPE"],
    "MU": ["Micron", "Micron Technology"],
    "CRWV": ["CoreWeave"],
    "ASML": ["ASML"],
    "ANET": ["Arista", "Arista Networks"],
    "VRT": ["Vertiv"],
    "MRVL": ["Marvell", "Marvell Technology"],
    "QCOM": ["Qualcomm"],
    "CSCO": ["Cisco", "Cisco Systems"],
    "AMAT": ["Applied Materials"],
    "LRCX": ["Lam Research"],
    "KLAC": ["KLA Corp", "KLA Corporation"],
    "SNPS": ["Synopsys"],
    "CDNS": ["Cadence Design Systems"],
    "PLTR": ["Palantir"],
}

# Names that are also English words: they need a company cue next to them.
AMBIGUOUS_NAMES = frozenset({"Meta", "Arm", "ARM", "Oracle", "Amazon", "Alphabet"})

# Tickers that are also words in capitals ("META TAGS", "ARM YOURSELF"): no bare-ticker match.
_WORD_TICKERS = frozenset({"META", "ARM", "MU", "DELL", "ON", "NOW", "A", "IT", "ALL", "KEY"})

_CUE_WORDS = (
    r"Platforms|Holdings|Inc|Corp|Corporation|plc|Ltd|Group|Technologies|Networks|Cloud|Web\s+Services|AI"
    r"|shares?|stock|said|says|reported|announced|unveiled|launched|plans|expects|reports|posted|forecast|beat"
    r"|CEO|CFO|chief|executives?|spokes(?:man|woman|person)|chips?|processors?|designs?|architecture|cores?|GPUs?"
    r"|earnings|revenue|sales|profit|results|guidance|quarter|quarterly|capex|spending|data\s+cent(?:er|re)s?"
    r"|servers?|models?|business|investors?|licen[cs]es?|royalt(?:y|ies)"
)
# A cue right after the name: "Meta Platforms", "Arm's chips", "Meta's Llama", "Arm-based".
_CUE_AFTER = re.compile(rf"(?:['’]s)?\s+(?:{_CUE_WORDS})\b|['’]s\s+[A-Z]|-(?:based|designed|powered|owned)\b")
# A cue right before it: "chip designer Arm", "shares of Oracle".
_CUE_BEFORE = re.compile(
    r"\b(?:chipmaker|chip\s+designer|chip\s+company|company|firm|rival|giant|owner|parent|supplier|customer|hyperscalers?"
    r"|shares\s+(?:of|in)|stake\s+in|investors\s+in|including|such\s+as|versus|vs\.?)\s+$"
)


# What a company's own name may add to the name a watchlist knows it by, as an operator says it:
# "Micron Technologies", "Oracle Corporation", "Dell Technologies, Inc.".
_NAME_TAIL = (
    r"(?:,?\s+(?:Technologies|Technology|Systems|Networks|Holdings|Platforms|Group|Company|Companies"
    r"|Corporation|Corp\.?|Incorporated|Inc\.?|Limited|Ltd\.?|plc|N\.V\.|S\.A\.|AG|SE))*\.?"
)


def ticker_for_company(company: str, watchlist: Mapping[str, list[str]] = DEFAULT_WATCHLIST) -> str | None:
    """The watchlist ticker of the company a call names itself as ("LAM Research" -> LRCX), when
    exactly one watched company goes by that name; case is ignored, as operators and speech-to-text
    spell names every way."""
    wanted = " ".join(company.split())
    found = {
        ticker
        for ticker, names in watchlist.items()
        if any(re.fullmatch(re.escape(name) + _NAME_TAIL, wanted, flags=re.IGNORECASE) for name in names)
    }
    return found.pop() if len(found) == 1 else None


def find_tickers(text: str, watchlist: Mapping[str, list[str]] = DEFAULT_WATCHLIST) -> list[str]:
    """The tickers of `watchlist` that `text` mentions, sorted and unique."""
    found = set()
    for ticker, names in watchlist.items():
        if _mentions_ticker(text, ticker) or any(_mentions_name(text, name) for name in names):
            found.add(ticker)
    return sorted(found)


def _mentions_ticker(text: str, ticker: str) -> bool:
    symbol = re.escape(ticker)
    if re.search(rf"\${symbol}\b|\((?:NASDAQ|Nasdaq|NYSE|NYSE American|Euronext|TWSE|LSE)\s*:\s*{symbol}\)", text):
        return True
    return ticker not in _WORD_TICKERS and re.search(rf"(?<![\w$-]){symbol}(?![\w-])", text) is not None


def _mentions_name(text: str, name: str) -> bool:
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?!\w)", text):
        if name not in AMBIGUOUS_NAMES:
            return True
        before, after = text[max(0, match.start() - 40) : match.start()], text[match.end() : match.end() + 40]
        if _CUE_AFTER.match(after) or _CUE_BEFORE.search(before):
            return True
    return False
