"""A transcript page in HTML: its main text, one line per block, and the names it sets in bold."""

from __future__ import annotations

from typing import Any

from hypewatch.crawler.transcripts.names import is_name

_NOT_TEXT = ["script", "style", "noscript", "nav", "footer", "aside", "form", "svg", "button", "iframe"]
_BLOCKS = frozenset("p h1 h2 h3 h4 h5 h6 li dt dd tr td th blockquote pre section article header div".split())


def html_text(html: str) -> tuple[str, str | None, set[str]]:
    """The page's main text, one line per block element; its title; the names it sets in bold at
    the start of a block (how today's pages mark speakers)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_NOT_TEXT):
        # Outermost first; one inside a removed one is gone already (removing it again would
        # cost its whole subtree once more: minutes on a hostile page nested thousands deep).
        if not tag.decomposed:
            tag.decompose()
    root = _main_element(soup) or soup.body or soup
    h1 = soup.find("h1")
    text = _block_text(root)
    if h1 and h1.get_text(strip=True) and h1 not in root.descendants:
        text = h1.get_text(" ", strip=True) + "\n" + text
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines), title, _bold_names(root)


def _bold_names(root: Any) -> set[str]:
    names = set()
    for tag in root.find_all(["strong", "b"], limit=2000):
        before = tag.previous_sibling
        if before is not None and str(before).strip():
            continue  # bold inside a sentence, not a label
        name = tag.get_text(" ", strip=True).rstrip(":").strip()
        if is_name(name):
            names.add(name)
    return names


def _block_text(root: Any) -> str:
    """`root.get_text()` with a newline around each block element and for each <br>.

    One walk over the tree: bs4's insert_before/insert_after would cost time in proportion to
    the subtree they touch, quadratic on deep nesting.
    """
    from bs4 import CData, NavigableString, Tag

    out: list[str] = []
    stack: list[Any] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if node is None:  # the end of a block
            out.append("\n")
        elif isinstance(node, Tag):
            if node.name == "br":
                out.append("\n")
                continue
            if node.name in _BLOCKS:
                out.append("\n")
                stack.append(None)
            stack.extend(reversed(_children(node)))
        elif type(node) in (NavigableString, CData):  # not comments, doctypes, scripts (as get_text)
            out.append(str(node))
    return "".join(out)


def _children(node: Any) -> list[Any]:
    """A tag's children, with a line break (None) between two inline tags that touch in a box that
    also holds blocks: "<span>Jane Doe</span><span>CFO</span><p>…</p>" is a name line and a title
    line, set apart by the page's style, not "Jane DoeCFO"."""
    from bs4 import Tag

    contents = list(node.contents)
    if not any(isinstance(c, Tag) and c.name in _BLOCKS for c in contents):
        return contents
    out: list[Any] = []
    for child in contents:
        if (
            out
            and isinstance(child, Tag)
            and isinstance(out[-1], Tag)
            and _BLOCKS.isdisjoint((child.name, out[-1].name))
        ):
            out.append(None)
        out.append(child)
    return out


def _main_element(soup: Any) -> Any:
    candidates = soup.select(
        "article, main, [itemprop=articleBody], [class*=transcript], [id*=transcript], "
        "[class*=article-body], [class*=article-content]"
    )
    if not candidates:
        return None
    return max(candidates, key=lambda el: len(el.get_text(" ", strip=True)))
