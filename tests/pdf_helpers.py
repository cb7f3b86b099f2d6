"""Real PDF files for tests: text set line by line in Helvetica (WinAnsi: cp1252), as a word processor exports a
transcript (paragraphs wrapped to the page's width, a running header, page numbers)."""

from __future__ import annotations

import textwrap

LINES_PER_PAGE = 40


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


# Typeset ligatures as a typesetter sets them: one glyph, whose text (its ToUnicode entry) is the
# ligature's code point. Codes cp1252 leaves unassigned carry the glyphs.
_LIGATURE_CODES = {"ffi": (0x81, 0xFB03), "fi": (0x8D, 0xFB01), "fl": (0x8F, 0xFB02)}
_TO_UNICODE = (
    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Ligatures def\n"
    b"1 begincodespacerange <00> <FF> endcodespacerange\n"
    + f"{len(_LIGATURE_CODES)} beginbfchar\n".encode()
    + b"".join(f"<{code:02X}> <{point:04X}>\n".encode() for code, point in _LIGATURE_CODES.values())
    + b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
)


def transcript_pdf(paragraphs: list[str], *, header: str = "", width: int = 90, ligatures: bool = False) -> bytes:
    """A PDF of `paragraphs` wrapped at `width` characters, a blank line between them, `header` at
    the top of every page and "Page N of M" at the bottom; with `ligatures`, "fi", "fl" and "ffi"
    each set as one ligature glyph, as LaTeX and page-layout programs set them."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, width) or [""]
        lines.append("")
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    streams = []
    for n, page in enumerate(pages, 1):
        setting = [f"({_escape(header)}) Tj 0 -14 Td ( ) Tj 0 -14 Td"] if header else []
        setting += [f"({_escape(line)}) Tj 0 -14 Td" for line in page]
        setting.append(f"0 -14 Td (Page {n} of {len(pages)}) Tj")
        content = ("BT /F1 10 Tf 50 780 Td " + " ".join(setting) + " ET").encode("cp1252", errors="replace")
        if ligatures:
            for letters, (code, _) in _LIGATURE_CODES.items():  # "ffi" before "fi"
                content = content.replace(letters.encode(), bytes([code]))
        streams.append(content)
    return _pdf(streams, to_unicode=_TO_UNICODE if ligatures else None)


def _pdf(streams: list[bytes], to_unicode: bytes | None = None) -> bytes:
    n_pages = len(streams)
    # objects: 1 catalog, 2 pages, 3 font, then a page and its content stream for each page, then
    # the font's ToUnicode map where there is one
    page_ids = [4 + 2 * i for i in range(n_pages)]
    cmap_id = 4 + 2 * n_pages
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n_pages} >>".encode(),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
        + (f" /ToUnicode {cmap_id} 0 R".encode() if to_unicode else b"")
        + b" >>",
    }
    if to_unicode:
        objects[cmap_id] = f"<< /Length {len(to_unicode)} >>\nstream\n".encode() + to_unicode + b"\nendstream"
    for page_id, stream in zip(page_ids, streams):
        objects[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_id + 1} 0 R >>"
        ).encode()
        objects[page_id + 1] = f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in sorted(objects))
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
