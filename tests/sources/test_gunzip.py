"""A gzipped file is inflated in one call when it is one gzip member, as CloudTrail writes a
log; any other gzip data gives what the gzip reader gives, or its error."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from least_priv.sources.local import FileFormatError, decompress_log

TEXT = b'{"Records":[' + b",".join(b'{"eventID":"%d"}' % n for n in range(2000)) + b"]}"


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(TEXT, mtime=0),
        gzip.compress(TEXT[:100], mtime=0) + gzip.compress(TEXT[100:], mtime=0),  # two members
        gzip.compress(TEXT, mtime=0) + b"\x00" * 8,  # padded
        gzip.compress(b"", mtime=0),
    ],
    ids=["one-member", "two-members", "padded", "empty"],
)
def test_gzip_data_gives_what_the_gzip_reader_gives(data: bytes) -> None:
    assert decompress_log(data) == gzip.decompress(data)


def test_the_text_is_whole() -> None:
    assert decompress_log(gzip.compress(TEXT, mtime=0)) == TEXT


def test_a_header_naming_the_file_is_read_past(tmp_path: Path) -> None:
    """As the ``gzip`` command writes it (FNAME set: the original name in the header)."""
    target = tmp_path / "log.json.gz"
    with gzip.GzipFile(target, "wb", mtime=0) as out:
        out.write(TEXT)
    data = target.read_bytes()
    assert data[3] & 0x08  # FNAME
    assert decompress_log(data) == TEXT


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(TEXT, mtime=0)[:-20],  # cut short
        gzip.compress(TEXT, mtime=0)[:12] + b"\xff" * 40,  # corrupt
        gzip.compress(TEXT, mtime=0) + b"trailing text",
    ],
    ids=["cut-short", "corrupt", "trailing-text"],
)
def test_broken_gzip_data_is_a_format_error(data: bytes) -> None:
    with pytest.raises((OSError, EOFError, zlib.error)):
        gzip.decompress(data)  # a case the gzip reader turns down
    with pytest.raises(FileFormatError, match="corrupt or truncated gzip"):
        decompress_log(data)


def test_other_bytes_are_left_as_they_are() -> None:
    assert decompress_log(TEXT) is TEXT
