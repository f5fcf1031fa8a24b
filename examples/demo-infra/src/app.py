"""Handler of the demo function. It only has to exist: the capture run never invokes it."""

from __future__ import annotations

from typing import Any


def handler(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    # Lambda passes the event and the context positionally, so the names are free.
    return {"statusCode": 200, "body": "demo-infra"}
