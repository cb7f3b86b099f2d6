"""Bytes to text, and which format a transcript is in."""

from __future__ import annotations

import re

from hypewatch.crawler.charset import bom_encoding


def decode(data: bytes) -> str:
    bom = bom_encoding(data)
    if bom:
        return data.decode(bom, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Transcript sites of the 2010s saved Windows-1252 quotes and dashes.
        return data.decode("cp1252", errors="replace")


def detect(text: str, filename: str | None) -> str:
    ext = (filename or "").lower().rsplit(".", 1)[-1]
    head = text.lstrip()[:2000]
    if ext == "json" or head[:1] in ("{", "["):
        return "json"
    if ext in ("html", "htm", "xhtml") or re.search(r"<(?:!doctype html|html|body|p|div|article)\b", head, re.I):
        return "html"
    return "text"
