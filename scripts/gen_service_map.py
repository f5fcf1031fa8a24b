"""Regenerate ``src/least_priv/iam/service_map.json`` from botocore's service models.

CloudTrail names a call by ``eventSource`` (``<endpoint prefix>.amazonaws.com``) and
``eventName`` (the API operation). IAM names the permission ``<service prefix>:<action>``.
The two prefixes usually agree; where they do not, botocore's metadata (endpoint prefix,
signing name, service name, service id) gives the candidates, and the IAM reference decides
at run time which candidate really exists. API Gateway authorises by HTTP verb, so its
operations' HTTP methods are recorded too.

Run: ``python scripts/gen_service_map.py`` after upgrading botocore, and commit the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session

OUT = Path(__file__).resolve().parents[1] / "src" / "least_priv" / "iam" / "service_map.json"
HTTP_METHOD_SERVICES = ("apigateway", "apigatewayv2")


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def main() -> None:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    candidates: dict[str, list[str]] = {}
    http_methods: dict[str, str] = {}
    for name in sorted(loader.list_available_services("service-2")):
        model = loader.load_service_model(name, "service-2")
        meta = model["metadata"]
        prefix = meta.get("endpointPrefix", name)
        names = [prefix, meta.get("signingName", prefix), name, _slug(meta.get("serviceId", name))]
        known = candidates.setdefault(prefix, [])
        known.extend(n for n in names if n not in known)
        if name in HTTP_METHOD_SERVICES:
            for op_name, op in model["operations"].items():
                http_methods.setdefault(op_name, op["http"]["method"])
    data = {
        "botocore": botocore.__version__,
        "candidates": dict(sorted(candidates.items())),
        "apigateway_http_methods": dict(sorted(http_methods.items())),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT} ({len(candidates)} endpoint prefixes, {len(http_methods)} API Gateway operations)"
    )


if __name__ == "__main__":
    main()
