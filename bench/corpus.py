"""A seeded synthetic CloudTrail trail for the reading benchmark (``bench/run.py``).

Log files in CloudTrail's layout, ``logs/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
<account>_CloudTrail_<region>_<yyyymmddTHHMMZ>_<16 chars>.json.gz``, one file per region every
5 minutes (CloudTrail's delivery interval), each ``{"Records":[...]}`` of 50-500 events in
compact JSON, gzip level 6. A share of the events (default 1/3) are the CI role's
(``shapes.PRINCIPAL``), in one of two spreads:

- ``bursty`` (default): a CI role works in jobs, so its events come in runs of consecutive
  files of a region (a job ~30 minutes: 6 files), in about ``burst_files`` (35%) of the
  files, which are larger (the job adds calls); the other files have none of its events.
- ``uniform``: every file holds some, about ``principal_share`` of its events.

Same parameters -> byte-identical files (per-file RNG from the seed, gzip ``mtime=0``, no
file name in the header). A corpus is built once into ``.cache/bench/<name>/`` with a
``manifest.json`` (parameters, counts, bytes, window) and reused while the parameters and
this generator's source are unchanged.

Build one by hand: ``.venv/bin/python bench/corpus.py --events 200000 [--spread uniform]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import string
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import operations
import shapes

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
DELIVERY = timedelta(minutes=5)
MIXED = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Spec:
    """The parameters of one corpus (all of them go into the manifest)."""

    events: int
    spread: str = "bursty"  # or "uniform"
    principal_share: float = 1 / 3
    burst_files: float = 0.35  # bursty: share of files that hold the principal's events
    burst_length: float = 6.0  # bursty: mean files per burst (a ~30-minute job)
    seed: int = 20261125
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1", "us-west-2")
    start: str = "2026-11-01T00:00:00Z"
    layout: str = "compact"  # as CloudTrail writes; "spaced": json.dumps's ", " and ": "

    @property
    def name(self) -> str:
        return f"{self.spread}-{self.events}" + (
            "" if self.layout == "compact" else f"-{self.layout}"
        )


@dataclass(frozen=True)
class FilePlan:
    index: int
    region: str
    delivered: datetime
    events: int
    principal: int
    session: int  # the job (index of its first file) whose session the principal uses
    job_start: bool  # the job's first file: it holds the AssumeRoleWithWebIdentity
    job_opened: datetime  # when the job's session was created


def _sizes(rng: random.Random, spec: Spec, region: str, burst: bool) -> int:
    if spec.spread == "uniform":
        return rng.randint(50, 500)
    if burst:
        return rng.randint(250, 500)
    return rng.randint(80, 400) if region == "us-east-1" else rng.randint(50, 300)


def plan(spec: Spec) -> list[FilePlan]:
    """Every file of the corpus: region, delivery time, events and the principal's share."""
    if spec.spread not in ("bursty", "uniform"):
        raise ValueError(f"spread {spec.spread!r}: give bursty or uniform")
    rng = random.Random(f"{spec.seed}:plan")
    stay = 1 - 1 / spec.burst_length
    enter = spec.burst_files * (1 - stay) / (1 - spec.burst_files)
    state = dict.fromkeys(spec.regions, -1)  # region -> current job's first file, -1 none
    state[spec.regions[0]] = 0  # the trail opens on a job, so even a tiny corpus has one
    rows: list[tuple[str, datetime, int, int, bool]] = []
    moment, total = datetime.fromisoformat(spec.start), 0
    while total < spec.events:
        moment += DELIVERY
        for region in spec.regions:
            if total >= spec.events:
                break
            job, start = state[region], False
            if spec.spread == "uniform":
                job, start = (len(rows), True) if job < 0 or rng.random() > stay else (job, False)
            elif job >= 0 and rows and rng.random() > stay:
                job = -1
            elif (job < 0 and rng.random() < enter) or (job == 0 and not rows):
                job, start = len(rows), True
            state[region] = job
            size = min(_sizes(rng, spec, region, job >= 0), spec.events - total)
            rows.append((region, moment, size, job, start))
            total += size
    shares = _allocate(spec, [(size, job >= 0) for _, _, size, job, _ in rows])
    return [
        FilePlan(i, region, moment, size, shares[i], job, start, rows[max(job, 0)][1] - DELIVERY)
        for i, (region, moment, size, job, start) in enumerate(rows)
    ]


def _allocate(spec: Spec, files: list[tuple[int, bool]]) -> list[int]:
    """The principal's events per file: ``principal_share`` of all, spread over the job
    files in proportion to their size (largest remainder), each keeping some other events."""
    want = round(sum(size for size, _ in files) * spec.principal_share)
    caps = [(size - max(1, size // 10)) if job else 0 for size, job in files]
    shares = [0] * len(files)
    while want > 0:
        open_ = [i for i, cap in enumerate(caps) if shares[i] < cap]
        if not open_:
            break  # the job files are full: the corpus has a smaller share (the manifest says)
        room = sum(files[i][0] for i in open_)
        exact = {i: want * files[i][0] / room for i in open_}
        given = 0
        for i in open_:
            add = min(int(exact[i]), caps[i] - shares[i])
            shares[i] += add
            given += add
        order = sorted(open_, key=lambda i: (-(exact[i] - int(exact[i])), i))
        for i in order[: want - given]:
            if shares[i] < caps[i]:
                shares[i] += 1
                given += 1
        if given == 0:
            break
        want -= given
    return shares


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def file_records(spec: Spec, pools: operations.Pools, row: FilePlan) -> list[dict[str, Any]]:
    """The records of one file, in time order; the principal's at random positions."""
    rng = random.Random(f"{spec.seed}:file:{row.index}")
    offsets = sorted(rng.randrange(1, int(DELIVERY.total_seconds())) for _ in range(row.events))
    times = [_iso(row.delivered - timedelta(seconds=s)) for s in offsets]
    actors, weights = shapes.background_actors(rng, pools, _iso(row.delivered - 2 * DELIVERY))
    first = 1 if row.job_start and row.principal < row.events else 0  # the job's sign-in
    mine = set(rng.sample(range(first, row.events), row.principal))
    session = None
    if row.session >= 0:
        job = random.Random(f"{spec.seed}:job:{row.session}")
        ip = job.choice(pools.runner_ips)
        session = shapes.github_session(job, "ci/github-actions-deploy", _iso(row.job_opened), ip)
    records = []
    for n, when in enumerate(times):
        ctx = operations.Ctx(rng, pools, row.region)
        if n in mine and session is not None:
            records.append(shapes.build_record(ctx, session, when))
        elif n == 0 and row.job_start and session is not None:
            records.append(shapes.web_identity_record(rng, row.region, when, session))
        else:
            actor = rng.choices(actors, weights)[0]
            records.append(shapes.build_record(ctx, actor, when))
    return records


def file_path(spec: Spec, row: FilePlan) -> str:
    rng = random.Random(f"{spec.seed}:name:{row.index}")
    stamp = row.delivered.strftime("%Y%m%dT%H%MZ")
    name = (
        f"{operations.ACCOUNT}_CloudTrail_{row.region}_{stamp}_{''.join(rng.choices(MIXED, k=16))}"
    )
    folder = f"AWSLogs/{operations.ACCOUNT}/CloudTrail/{row.region}/{row.delivered:%Y/%m/%d}"
    return f"{folder}/{name}.json.gz"


_POOLS: dict[int, operations.Pools] = {}


def _write_files(job: tuple[Spec, str, list[FilePlan]]) -> tuple[int, int, int]:
    spec, root, rows = job
    pools = _POOLS.setdefault(spec.seed, operations.Pools.draw(spec.seed))
    raw = packed = events = 0
    for row in rows:
        records = file_records(spec, pools, row)
        separators = (",", ":") if spec.layout == "compact" else (", ", ": ")
        data = json.dumps({"Records": records}, separators=separators).encode()
        body = gzip.compress(data, compresslevel=6, mtime=0)
        path = Path(root) / file_path(spec, row)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        raw, packed, events = raw + len(data), packed + len(body), events + len(records)
    return raw, packed, events


def generator_digest() -> str:
    """Changes whenever the generator's code does, so stale corpora are rebuilt."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("corpus.py", "operations.py", "shapes.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _params(spec: Spec) -> dict[str, Any]:
    return {**asdict(spec), "regions": list(spec.regions), "generator": generator_digest()}


def build(spec: Spec, cache: Path = CACHE, workers: int | None = None) -> dict[str, Any]:
    """Build ``spec`` into ``cache/<name>/logs`` unless an identical build is there; return
    its manifest (with ``logs`` the folder to read)."""
    folder = cache / spec.name
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("params") == _params(spec):
            return {**manifest, "logs": str(folder / "logs")}
    shutil.rmtree(folder, ignore_errors=True)
    began = time.perf_counter()
    rows = plan(spec)
    chunks = [(spec, str(folder / "logs"), rows[i : i + 16]) for i in range(0, len(rows), 16)]
    workers = workers or len(os.sched_getaffinity(0))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        sums = pool.map(_write_files, chunks, chunksize=1)
    raw, packed, events = (sum(s[i] for s in sums) for i in range(3))
    last = max(row.delivered for row in rows)
    manifest = {
        "params": _params(spec),
        "files": len(rows),
        "events": events,
        "principal_events": sum(row.principal for row in rows),
        "files_with_principal": sum(1 for row in rows if row.principal),
        "compressed_bytes": packed,
        "uncompressed_bytes": raw,
        "window": [spec.start, _iso(last.replace(minute=0) + timedelta(hours=2))],
        "build_seconds": round(time.perf_counter() - began, 1),
    }
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return {**manifest, "logs": str(folder / "logs")}


def _export(
    manifest: dict[str, Any],
    kind: str,
    chunks: Iterator[bytes],
    counts: dict[str, Any],
    cache: Path,
    key: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One gzipped ``{"Records":[...]}`` file of a built corpus's records (``chunks``: runs
    of records, comma-separated within), into ``cache/<name>-<kind>/logs/export.json.gz``
    unless built from the same corpus with the same ``counts`` named in ``key`` already; its
    manifest, as ``build``'s, with ``counts`` (which ``chunks`` may add to as it goes). Written chunk by
    chunk: the benchmark's own process, whose children's peak memory it measures, stays
    small."""
    folder = cache / f"{Path(manifest['logs']).parent.name}-{kind}"
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        found = json.loads(manifest_path.read_text())
        wanted = {"params": manifest["params"], **{name: counts[name] for name in key}}
        if all(found.get(name) == value for name, value in wanted.items()):
            return {**found, "logs": str(folder / "logs")}
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "logs").mkdir(parents=True)
    target = folder / "logs" / "export.json.gz"
    raw = len(_HEAD) + len(_TAIL)
    with gzip.GzipFile(target, "wb", compresslevel=6, mtime=0) as out:
        out.write(_HEAD)
        for index, chunk in enumerate(chunks):
            raw += out.write(b"," + chunk if index else chunk)
        out.write(_TAIL)
    one = {
        **{k: v for k, v in manifest.items() if k != "logs"},
        **counts,
        "files": 1,
        "compressed_bytes": target.stat().st_size,
        "uncompressed_bytes": raw,
    }
    manifest_path.write_text(json.dumps(one, indent=2) + "\n")
    return {**one, "logs": str(folder / "logs")}


_HEAD, _TAIL = b'{"Records":[', b"]}"


def _log_files(manifest: dict[str, Any]) -> list[Path]:
    return sorted(Path(manifest["logs"]).rglob("*.json.gz"))


def one_log(manifest: dict[str, Any], cache: Path = CACHE) -> dict[str, Any]:
    """The records of a built corpus (``manifest``) in one gzipped ``{"Records":[...]}`` log,
    as an export or a merge of a trail writes them (in path order), into
    ``cache/<name>-one-log/logs/export.json.gz`` (``_export``)."""

    def chunks() -> Iterator[bytes]:
        for path in _log_files(manifest):
            data = gzip.decompress(path.read_bytes())
            assert data.startswith(_HEAD), path
            assert data.endswith(_TAIL), path
            yield data[len(_HEAD) : -len(_TAIL)]

    return _export(manifest, "one-log", chunks(), {}, cache)


def renamed(manifest: dict[str, Any], cache: Path = CACHE) -> dict[str, Any]:
    """A built corpus's log files under names CloudTrail does not give (``part-00001.json.gz``
    ..., in path order, in one folder, as a copy of a trail or a generator may name them):
    symbolic links in ``cache/<name>-renamed/logs``, made afresh each time. Nothing in such
    a name says that CloudTrail wrote the file, so each file's layout is checked, and the
    principal's name is looked for in any case throughout."""
    folder = cache / f"{Path(manifest['logs']).parent.name}-renamed" / "logs"
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    for index, path in enumerate(_log_files(manifest), 1):
        (folder / f"part-{index:05d}.json.gz").symlink_to(path.resolve())
    return {**manifest, "logs": str(folder)}


def sorted_export(manifest: dict[str, Any], events: int, cache: Path = CACHE) -> dict[str, Any]:
    """The records of a built corpus's first files (``manifest``, in path order) up to about
    ``events``, in one gzipped ``{"Records":[...]}`` export written compact with sorted keys
    (as ``jq -c -S`` or ``json.dumps(sort_keys=True)`` write it: records then start with
    different keys), into ``cache/<name>-sorted-export/logs/export.json.gz`` (``_export``);
    events and the principal's events counted from the records written."""
    principal = manifest.get("principal", shapes.PRINCIPAL)
    counts = {"wanted": events, "events": 0, "principal_events": 0}

    def chunks() -> Iterator[bytes]:
        for path in _log_files(manifest):
            if counts["events"] >= events:
                return
            for record in json.loads(gzip.decompress(path.read_bytes()))["Records"]:
                yield json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
                counts["events"] += 1
                context = record["userIdentity"].get("sessionContext", {})
                counts["principal_events"] += (
                    context.get("sessionIssuer", {}).get("arn") == principal
                )

    return _export(manifest, "sorted-export", chunks(), counts, cache, key=("wanted",))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--spread", choices=("bursty", "uniform"), default="bursty")
    parser.add_argument("--principal-share", type=float, default=1 / 3)
    parser.add_argument("--burst-files", type=float, default=0.35)
    parser.add_argument("--seed", type=int, default=Spec.seed)
    parser.add_argument("--layout", choices=("compact", "spaced"), default="compact")
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)
    spec = Spec(
        args.events, args.spread, args.principal_share, args.burst_files, seed=args.seed,
        layout=args.layout,
    )  # fmt: skip
    manifest = build(spec, args.cache)
    print(json.dumps({k: v for k, v in manifest.items() if k != "params"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
