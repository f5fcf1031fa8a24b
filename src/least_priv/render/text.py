"""Making untrusted text (event names, error messages, file names) safe to show."""

from __future__ import annotations

import io
import re
import sys

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MD_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:;/@=+()'\-]")


def one_line(text: str) -> str:
    """Text on one line: a log line can then never start a workflow command (``::error::``);
    what UTF-8 cannot hold is escaped (``encodable``)."""
    return encodable(_CONTROL.sub(" ", text).strip())


def md(text: object) -> str:
    """Text for Markdown/HTML: every character that could format or inject becomes an entity."""
    return _MD_UNSAFE.sub(lambda m: f"&#{ord(m.group())};", one_line(str(text)))


def encodable(text: str) -> str:
    """``text`` with what UTF-8 cannot hold (lone surrogates, from ``\\udXXX`` escapes in
    broken JSON or bytes of a file name that are no UTF-8) as backslash escapes; JSON text stays
    valid JSON."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def escape_unencodable_output() -> None:
    """Standard output and error escape what UTF-8 cannot hold instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters: longer text (a broken or hostile event) is cut, marked
    with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
