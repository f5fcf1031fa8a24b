"""The floor of the reading benchmark: what merely decompressing and parsing the log files
costs, in one process (``bench/run.py`` pins it to one core).

``.venv/bin/python bench/floor.py DIR [--parse json|orjson|none]`` gunzips every file under
DIR, parses it (``json.loads``, ``orjson.loads``, or not at all: decompression only) and
counts its records; it prints one JSON line: files, records, bytes in and out, seconds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def parser(name: str) -> Callable[[bytes], Any] | None:
    if name == "none":
        return None
    if name == "orjson":
        import orjson

        return orjson.loads
    return json.loads


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    cli.add_argument("folder")
    cli.add_argument("--parse", choices=("json", "orjson", "none"), default="json")
    args = cli.parse_args(argv)
    loads = parser(args.parse)
    began = time.perf_counter()
    files = records = packed = raw = 0
    for path in sorted(p for p in Path(args.folder).rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = gzip.decompress(data)
        files, packed, raw = files + 1, packed + len(data), raw + len(text)
        if loads is not None:
            records += len(loads(text)["Records"])
    seconds = time.perf_counter() - began
    result = {"files": files, "records": records, "compressed": packed, "uncompressed": raw}
    sys.stdout.write(json.dumps({**result, "seconds": round(seconds, 3)}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
