"""The one base of hypewatch's named errors.

Every error the library raises on purpose derives from `HypewatchError`, and its message is one
line that says what and where (`config.yaml:12: crawl.timeout_s: ...`). The CLI prints exactly these
as `hypewatch: <message>` with exit code 1; anything else is a bug and shows its traceback with -v.
Classes may also keep a built-in base (ValueError, FileNotFoundError, ...) where callers catch that.
"""

from __future__ import annotations


class HypewatchError(Exception):
    """A handled error of hypewatch: its message is the one line the user sees."""
