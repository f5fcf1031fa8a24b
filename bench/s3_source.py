"""Benchmark of the s3:// source: what it lists and fetches for a one-day window of a ten-day
trail bucket, and how fast it reads with 1 and with 8 workers.

Run: ``.venv/bin/python bench/s3_source.py`` (about half a minute; needs moto[server]).

It starts moto's S3 on a free loopback port, fills a bucket with a seeded synthetic trail
(2 accounts x 3 regions x 10 days x 20 gzipped log files a day), reads the window through
``S3Source`` and counts the requests botocore sends. moto runs in this process, so it shares
the interpreter with the reader; the runs with a simulated round trip (a sleep before each
request is sent, as a network would add) show what the thread pool buys against real S3.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import platform
import random
import socket
import string
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from least_priv.core.select import Window
from least_priv.sources.aws import client_config
from least_priv.sources.s3 import DELIVERY_MARGIN, S3Source

SEED = 20261125
BUCKET = "bench-trail-logs"
PREFIX = "org-trail"
ACCOUNTS = ("111122223333", "444455556666")
REGIONS = ("eu-west-1", "us-east-1", "us-west-2")
FIRST_DAY = datetime(2026, 11, 10, tzinfo=UTC)
DAYS = 10
FILES_PER_DAY = 20
EVENTS_PER_FILE = 25
WINDOW = Window(datetime(2026, 11, 14, 12, tzinfo=UTC), datetime(2026, 11, 15, 12, tzinfo=UTC))
RUNS = ((1, 0), (8, 0), (1, 20), (8, 20))  # (workers, simulated round trip in ms)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_file(rng: random.Random, account: str, region: str, delivered: datetime) -> bytes:
    records = []
    for n in range(EVENTS_PER_FILE):
        moment = delivered - timedelta(seconds=rng.randrange(60, 600))
        records.append(
            {
                "eventVersion": "1.09",
                "userIdentity": {"type": "AssumedRole", "accountId": account},
                "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": "ec2.amazonaws.com",
                "eventName": rng.choice(("DescribeVpcs", "DescribeSubnets", "CreateTags")),
                "awsRegion": region,
                "eventID": f"{account}-{region}-{delivered:%Y%m%dT%H%M}-{n}",
                "eventType": "AwsApiCall",
                "recipientAccountId": account,
            }
        )
    return gzip.compress(json.dumps({"Records": records}).encode())


def synthetic_trail(rng: random.Random) -> Iterator[tuple[str, datetime, bytes]]:
    """(key, delivery time, body) of every log file of the bucket."""
    alnum = string.ascii_letters + string.digits
    for account in ACCOUNTS:
        for region in REGIONS:
            for day in range(DAYS):
                midnight = FIRST_DAY + timedelta(days=day)
                for minute in sorted(rng.sample(range(24 * 60), FILES_PER_DAY)):
                    delivered = midnight + timedelta(minutes=minute)
                    unique = "".join(rng.choices(alnum, k=16))
                    name = (
                        f"{account}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"
                    )
                    key = f"{PREFIX}/AWSLogs/{account}/CloudTrail/{region}/{delivered:%Y/%m/%d}/{name}"
                    yield key, delivered, log_file(rng, account, region, delivered)


def fill_bucket(client: Any) -> tuple[list[tuple[str, datetime, bytes]], int]:
    """The trail's log files, put in the bucket beside digest decoys; and the object count."""
    trail = list(synthetic_trail(random.Random(SEED)))
    client.create_bucket(Bucket=BUCKET)
    digests = [f"{PREFIX}/AWSLogs/{a}/CloudTrail-Digest/{r}/" for a in ACCOUNTS for r in REGIONS]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: client.put_object(Bucket=BUCKET, Key=k[0], Body=k[2]), trail))
        list(pool.map(lambda d: client.put_object(Bucket=BUCKET, Key=d + "x.json.gz"), digests))
    return trail, len(trail) + len(digests)


def measure(client: Any, workers: int, delay_ms: int) -> dict[str, Any]:
    counts = {"GetObject": 0, "ListObjectsV2": 0}

    def count(event_name: str, **_: Any) -> None:
        counts[event_name.rsplit(".", 1)[-1]] += 1

    def round_trip(**_: Any) -> None:
        time.sleep(delay_ms / 1000)

    client.meta.events.register("before-parameter-build.s3.GetObject", count)
    client.meta.events.register("before-parameter-build.s3.ListObjectsV2", count)
    if delay_ms:
        client.meta.events.register("before-send.s3", round_trip)
    source = S3Source(client, BUCKET, PREFIX, WINDOW, workers=workers)
    began = time.perf_counter()
    ids = [call.event_id for call in source.calls(print)]
    seconds = time.perf_counter() - began
    return {"ids": ids, "seconds": seconds, "stats": source.stats.as_dict(), **counts}


ORG_PREFIX = "org-wide"
ORG_ACCOUNTS = tuple(f"{n:012d}" for n in range(100000000001, 100000000006))
ORG_REGIONS = tuple(f"region-{n}" for n in range(10))


def fill_org(client: Any) -> None:
    """An organization's trail for the same window: 5 accounts x 10 regions x the window's
    2 days, one small log file in each of its 100 day folders."""
    body = gzip.compress(json.dumps({"Records": []}).encode())
    keys = [
        f"{ORG_PREFIX}/AWSLogs/{a}/CloudTrail/{r}/2026/11/{d}/{a}_CloudTrail_{r}_202611{d}T1300Z_x.json.gz"
        for a in ORG_ACCOUNTS
        for r in ORG_REGIONS
        for d in ("14", "15")
    ]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: client.put_object(Bucket=BUCKET, Key=k, Body=body), keys))


def measure_org(client: Any, workers: int, delay_ms: int) -> tuple[float, int]:
    """Seconds to read the organization's window, and its list requests."""
    client.meta.events.register("before-send.s3", lambda **_: time.sleep(delay_ms / 1000))
    source = S3Source(client, BUCKET, ORG_PREFIX, WINDOW, workers=workers)
    began = time.perf_counter()
    for _ in source.calls(print):
        pass
    return time.perf_counter() - began, int(source.stats.as_dict()["list_requests"])


def client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto's throw-away credentials
        config=client_config(),
    )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        trail, objects = fill_bucket(client(endpoint))
        results = [(w, d, measure(client(endpoint), w, d)) for w, d in RUNS]
        fill_org(client(endpoint))
        org = [(w, *measure_org(client(endpoint), w, 50)) for w in (1, 8)]
    finally:
        server.stop()
    assert WINDOW.start is not None
    assert WINDOW.end is not None
    last = WINDOW.end + DELIVERY_MARGIN
    minimum = sum(1 for _, delivered, _ in trail if WINDOW.start <= delivered <= last)
    first = results[0][2]
    assert all(r["ids"] == first["ids"] for _, _, r in results), "runs disagree"
    print(
        f"window {WINDOW.start:%Y-%m-%dT%H:%MZ} .. {WINDOW.end:%Y-%m-%dT%H:%MZ}; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        "| objects in bucket | objects listed | objects fetched | minimum for the window "
        "| list requests | events |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {objects} | {first['stats']['objects_listed']} | {first['GetObject']} "
        f"| {minimum} | {first['ListObjectsV2']} | {len(first['ids'])} |"
    )
    print()
    print("| workers | simulated round trip | wall time | objects/s |")
    print("| ---: | ---: | ---: | ---: |")
    for workers, delay, result in results:
        rate = result["GetObject"] / result["seconds"]
        print(f"| {workers} | {delay} ms | {result['seconds']:.2f} s | {rate:.0f} |")
    print()
    print("| organization trail: 100 day folders, 50 ms round trip | wall time | list requests |")
    print("| ---: | ---: | ---: |")
    for workers, seconds, lists in org:
        print(f"| {workers} workers | {seconds:.2f} s | {lists} |")


if __name__ == "__main__":
    main()
