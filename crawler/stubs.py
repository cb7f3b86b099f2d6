"""Recognising pages that are not the article: paywalls, cookie walls and teasers.

Such a page must be stored as a stub and never scored. The rule of thumb throughout: a wall is
only a wall when little article text came through. A long article that mentions subscribing in
its footer is an article.
"""

from __future__ import annotations

import json
import re

from lxml import html as lxml_html

#: An article body shorter than this many words is suspect when the page speaks of a wall.
WALL_MAX_WORDS = 350

#: Consent walls leave hardly any text of their own.
CONSENT_MAX_WORDS = 200

#: A "read the full story" page with fewer words than this is a teaser.
TEASER_MAX_WORDS = 150

#: Fewer words than this are no article at all.
MIN_ARTICLE_WORDS = 40

_PAYWALL = re.compile(
    r"subscribe (?:now )?to (?:continue|keep) reading|(?:to|continue) reading,? (?:please )?(?:subscribe|log ?in|sign ?in)"
    r"|subscribe to (?:read|unlock|access)|(?:for|to) (?:paying )?subscribers only|subscriber[- ]only|exclusive(?:ly)? for subscribers"
    r"|already (?:a subscriber|have an account)\??,? (?:log|sign) ?in|this (?:article|story|content) is (?:only available|reserved) (?:to|for)"
    r"|(?:create a free account|register) to (?:continue|read)|you have reached your (?:free )?(?:article )?limit"
    r"|you(?:'ve| have) (?:read|used) (?:all )?(?:your )?\w* free articles|unlock (?:this|full) (?:article|access)",
    re.IGNORECASE,
)
_CONSENT = re.compile(
    r"(?:we|this (?:site|website)) uses? cookies|accept (?:all )?cookies|cookie (?:consent|settings|preferences|policy)"
    r"|manage (?:your )?(?:privacy|consent|cookie) (?:settings|preferences|choices)|before you continue"
    r"|your privacy choices|consent to (?:the use of|our use of)? ?(?:cookies|data processing)|reject all",
    re.IGNORECASE,
)
_TEASER = re.compile(
    r"(?:read|view|see) (?:the )?(?:full|whole|complete|rest of the) (?:story|article|post|report)"
    r"|continue reading|read more (?:at|on)|(?:full|original) (?:story|article) (?:at|on)|click here to read",
    re.IGNORECASE,
)


def detect_stub(page: str | lxml_html.HtmlElement | None, text: str) -> str | None:
    """Why a page is a paywall, consent-wall or teaser stub rather than an article, or None.

    `page` is the page as HTML (parsed or not) or its visible text; `text` is the article text
    extracted from it.
    """
    words = len(re.findall(r"\w+", text))
    if words >= WALL_MAX_WORDS:
        return None
    tree = _as_tree(page)
    visible = _visible_text(tree) if tree is not None else (page or "")
    if _PAYWALL.search(visible) or (tree is not None and _marked_not_free(tree)):
        return f"paywall: only {words} words before a subscription wall"
    if words < CONSENT_MAX_WORDS and (
        _CONSENT.search(text) or (words < MIN_ARTICLE_WORDS and _CONSENT.search(visible))
    ):
        return f"consent wall: {words} words behind a cookie/consent prompt"
    if words < TEASER_MAX_WORDS and _TEASER.search(visible):
        return f"teaser: {words} words and a link to the full story"
    if words < MIN_ARTICLE_WORDS:
        return f"teaser: only {words} words of text"
    return None


def _as_tree(page: str | lxml_html.HtmlElement | None) -> lxml_html.HtmlElement | None:
    if page is None or isinstance(page, lxml_html.HtmlElement):
        return page
    if "<" not in page[:2000]:
        return None  # plain text
    try:
        return lxml_html.document_fromstring(page)
    except Exception:  # lxml raises several kinds on junk; junk is simply not HTML
        return None


def _visible_text(tree: lxml_html.HtmlElement) -> str:
    parts = []
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag not in ("script", "style", "noscript", "template"):
            parts.append(element.text or "")
        if element.tail:
            parts.append(element.tail)
    return " ".join(" ".join(parts).split())


def _marked_not_free(tree: lxml_html.HtmlElement) -> bool:
    """Whether the page's JSON-LD says the article is not free to read (Google's paywall markup)."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        raw = script.text or ""
        if "isAccessibleForFree" not in raw:
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if re.search(r'"isAccessibleForFree"\s*:\s*"?(?:false|False)"?', json.dumps(data)):
            return True
    return False
