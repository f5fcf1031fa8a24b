"""Making untrusted text (event names, error messages, file names) safe to show."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MD_SAFE = re.compile(r"[A-Za-z0-9 .,:;/@=+()'\-]")


def one_line(text: str) -> str:
    """Text on one line: a log line can then never start a workflow command (``::error::``)."""
    return _CONTROL.sub(" ", text).strip()


def md(text: object) -> str:
    """Text for Markdown/HTML: every character that could format or inject becomes an entity."""
    return "".join(ch if _MD_SAFE.fullmatch(ch) else f"&#{ord(ch)};" for ch in one_line(str(text)))
