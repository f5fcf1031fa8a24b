"""Benchmark of a large ``s3://`` read in one process and split across worker processes:
``least-priv generate --source s3://...`` on the 200,000-event corpus served by moto's S3.

Run: ``.venv/bin/python bench/s3_processes.py`` (about a minute; builds the corpus the first
time, as ``bench/run.py`` does).

moto's server runs as a process of its own (``moto_server``) on a free loopback port; the
corpus's 754 log files are uploaded to a bucket, then least-priv reads them with
``LEAST_PRIV_WORKERS=1`` and with one worker per core, three times each. Both runs' policies
must be byte-identical. The server answers every request in Python on the same cores, so
it bounds both runs: the script also times fetching every object alone (8 threads, no
parsing) and the CPU that costs this process, botocore's part of each request.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tools

import corpus

BUCKET = "bench-trail-bucket"
PRINCIPAL = "arn:aws:iam::111122223333:role/ci/github-actions-deploy"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def _fetch_all(s3: object) -> tuple[float, float, int]:
    """Wall and CPU seconds to GET every object with 8 threads, and the object count."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)  # type: ignore[attr-defined]
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    began, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read(), keys))  # type: ignore[attr-defined]
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return time.perf_counter() - began, cpu, len(keys)


def main() -> int:
    manifest = corpus.build(corpus.Spec(200_000))
    logs = Path(manifest["logs"])
    port = _free_port()
    env = {
        **os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    }  # fmt: skip
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="least-priv-s3-"))
    try:
        _wait(port)
        s3 = boto3.client(
            "s3", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id="bench", aws_secret_access_key="bench",
        )  # fmt: skip
        s3.create_bucket(Bucket=BUCKET)
        for path in sorted(logs.rglob("*.json.gz")):
            s3.put_object(
                Bucket=BUCKET, Key=path.relative_to(logs).as_posix(), Body=path.read_bytes()
            )
        fetch_wall, fetch_cpu, objects = _fetch_all(s3)
        command = [
            str(BIN / "least-priv"), "generate", "--principal-arn", PRINCIPAL,
            "--source", f"s3://{BUCKET}", "--start-time", manifest["window"][0],
            "--end-time", manifest["window"][1],
        ]  # fmt: skip
        cores = len(os.sched_getaffinity(0))
        rows = []
        for label, workers in (("1 process", "1"), (f"{cores} processes", "")):
            runs = []
            for n in range(3):
                (out / f"{workers or 'all'}-{n}").mkdir()
                policy = out / f"{workers or 'all'}-{n}" / "policy.json"
                measured = tools.measure(
                    [[*command, "--output", str(policy)]],
                    env={**env, "LEAST_PRIV_WORKERS": workers},
                    sample=True,  # its figures as before: time and memory in one run
                )
                if not measured.ok:
                    raise SystemExit(f"least-priv failed ({label})")
                runs.append(measured)
            rows.append(
                (label, statistics.median(m.seconds for m in runs), max(m.peak_mb for m in runs))
            )
        # Every run's policy files (a large policy is split: policy.json, policy.2.json ...).
        policies = {
            tuple(p.read_bytes() for p in sorted(run.glob("*.json"))) for run in out.iterdir()
        }
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(out, ignore_errors=True)
    events = manifest["events"]
    print(
        f"s3://{BUCKET}: {objects} objects, {manifest['compressed_bytes'] / 1e6:.1f} MB, {events:,} events"
    )
    print(
        f"fetching every object alone (8 threads): {fetch_wall:.2f} s, {fetch_cpu:.2f} s of this process's CPU ({1000 * fetch_cpu / objects:.1f} ms a request)\n"
    )
    print(
        "| least-priv | wall s (median of 3) | events/s | peak MB |\n| --- | ---: | ---: | ---: |"
    )
    for label, seconds, peak in rows:
        print(f"| {label} | {seconds:.2f} | {events / seconds:,.0f} | {peak:.0f} |")
    same = len(policies) == 1
    print(f"\n{'OK' if same else 'MISMATCH'}: the policies of every run are byte-identical")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
