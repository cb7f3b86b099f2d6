"""Which text encoding a page or feed is in, whether it is text at all, and its visible characters.

Pure functions over bytes, shared by the fetcher (pages) and the feed parser (feeds that do not
say what they are).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_MAGIC = (b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\x1f\x8b", b"GIF8", b"\xff\xd8\xff", b"\x7fELF", b"RIFF", b"OggS")
#: How much more "chaos" windows-1252 may show than the detector's favourite and still be chosen.
_CP1252_TOLERANCE = 0.1


def looks_binary(body: bytes) -> bool:
    """Whether `body` is an image, archive or other binary file, whatever its label says.

    Text in any encoding short of UTF-16 (told by its BOM) has no NUL bytes and hardly any other
    control characters; images, archives and PDFs have plenty. A file signature settles it too.
    """
    head = body[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if head.startswith(_MAGIC) or b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
    return controls > len(head) / 100


def bom_encoding(body: bytes) -> str | None:
    """The codec a byte-order mark at the start of `body` names, if there is one."""
    return next((codec for bom, codec in _BOMS if body.startswith(bom)), None)


def declared_encoding(body: bytes) -> str | None:
    """The charset a page or feed declares in its own <meta> tag or XML declaration, if any."""
    match = _DECLARED_CHARSET.search(body[:8192])
    return _codec(match.group(1) or match.group(2)) if match else None


def _codec(name: str | bytes | None) -> str | None:
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        codec = codecs.lookup(name or "").name
    except LookupError:
        return None
    # Pages that say latin-1 are nearly always windows-1252, as browsers assume.
    return "cp1252" if codec == "iso8859-1" else codec


def _decodes(body: bytes, codec: str) -> bool:
    try:
        body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(body: bytes, content_type: str | None = None) -> str:
    """The codec that decodes `body`: byte-order mark, valid UTF-8, the HTTP header's charset,
    the page's own <meta>/XML declaration, then statistical detection.

    Valid UTF-8 goes first because servers often mislabel it and because bytes in a legacy
    encoding are almost never valid UTF-8 by accident; a declared charset must decode the bytes
    to be believed.
    """
    bom = bom_encoding(body)
    if bom:
        return bom
    if _decodes(body, "utf-8"):
        return "utf-8"
    header = _CHARSET_PARAM.search(content_type or "")
    for codec in (_codec(header.group(1)) if header else None, declared_encoding(body)):
        if codec is not None and _decodes(body, codec):
            return codec
    return _guess_encoding(body[:200_000])


def _guess_encoding(sample: bytes) -> str:
    # On a short text detection wavers between the single-byte Latin codes (French read as
    # Baltic cp1257); windows-1252, the web's commonest legacy encoding and browsers' default,
    # wins unless it reads clearly worse.
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        return "cp1252"
    western = next((m for m in matches if "cp1252" in m.could_be_from_charset), None)
    if western is not None and western.chaos <= best.chaos + _CP1252_TOLERANCE:
        return "cp1252"
    return _codec(best.encoding) or "cp1252"


# Characters that show nothing: a soft hyphen (a hyphenation hint), zero-width spaces, a word joiner,
# a byte-order mark mid-text. Kept, "arti\u00adficial intelligence" would name no AI to the matcher.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def visible(text: str) -> str:
    """Text without the characters that show nothing."""
    return text.translate(_INVISIBLE)
