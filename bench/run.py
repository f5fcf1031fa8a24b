"""The reading benchmark: least-priv against trailscraper and against the floor (gunzip +
``json.loads``), on seeded synthetic CloudTrail trails; scaling, memory and start-up.

Run: ``.venv/bin/python bench/run.py`` (about 4 minutes; a minute more the first time, to
build the corpora into ``.cache/bench`` and trailscraper's venv), ``--quick`` for a smoke run
under a minute (small corpora, no trailscraper). ``--profile`` adds a cProfile of ``least-priv generate`` on the
main corpus. Prints Markdown tables, the fast path's policy checked against the plain path's
(``LEAST_PRIV_PLAIN=1``), and one PASS/FAIL line per target; writes every figure to
``.cache/bench/results.json``. Exit status 1 when a run fails or the policies differ
(``--strict``: also when a target fails). See bench/README.md, "Reading speed and memory".
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import shapes
import tools

import corpus

ROOT = corpus.ROOT
BIN = Path(sys.executable).parent
LEAST_PRIV = str(BIN / "least-priv")
RUNS = corpus.CACHE / "runs"
TS_VENV = ROOT / ".cache" / "venv-trailscraper"
TS_VERSION = "0.10.0"
TS_PUBLISHED = 15_000  # events/s trailscraper managed on this machine (the figure)
TS_TIMEOUT = 600.0
SHARED = ROOT.parent / "shared" / "cloudtrail-corpus"  # real CloudTrail data, read in place


@dataclass(frozen=True)
class Sizes:
    main: int
    half: int
    double: int
    big: int
    huge: int  # memory and scaling only: where the growth of memory levels off
    repeat: int
    trailscraper: bool


FULL = Sizes(200_000, 100_000, 400_000, 1_000_000, 2_000_000, repeat=3, trailscraper=True)
QUICK = Sizes(20_000, 10_000, 40_000, 100_000, 200_000, repeat=1, trailscraper=False)


@dataclass
class Row:
    """One benchmarked command on one corpus: the median of its runs' wall times and the
    largest of their peaks."""

    run: str
    manifest: dict[str, Any]
    tool: str  # least-priv, trailscraper, floor
    measured: list[tools.Measured]
    note: str = ""
    checked: bool = True  # its output was right

    @property
    def seconds(self) -> float:
        timed = [m.seconds for m in self.measured if not m.sampled]
        return statistics.median(timed or [m.seconds for m in self.measured])

    @property
    def peak_mb(self) -> float:
        return max(m.peak_mb for m in self.measured)

    @property
    def ok(self) -> bool:
        return self.checked and all(m.ok for m in self.measured)

    @property
    def rate(self) -> float:
        return self.manifest["events"] / self.seconds

    def as_dict(self) -> dict[str, Any]:
        runs = [
            {"seconds": round(m.seconds, 3), "max_rss_mb": round(m.max_rss_kb / 1024, 1),
             "tree_pss_mb": round(m.tree_kb / 1024, 1), "returncodes": m.returncodes,
             "parent_pss_mb": round(m.parent_kb / 1024, 1),
             "worker_pss_mb": round(m.worker_kb / 1024, 1), "sampled": m.sampled}
            for m in self.measured
        ]  # fmt: skip
        return {
            "run": self.run,
            "corpus": self.manifest["name"],
            "events": self.manifest["events"],
            "seconds": round(self.seconds, 3),
            "events_per_s": round(self.rate),
            "peak_rss_mb": round(self.peak_mb, 1),
            "ok": self.ok,
            "note": self.note,
            "runs": runs,
        }


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    startup: dict[str, float] = field(default_factory=dict)
    startup_runs: int = 0
    failures: list[str] = field(default_factory=list)

    def find(self, tool: str, corpus_name: str, run: str = "") -> Row | None:
        for row in self.rows:
            if row.tool == tool and row.manifest["name"] == corpus_name and run in row.run:
                return row
        return None


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def build_corpora(sizes: Sizes) -> dict[str, dict[str, Any]]:
    specs = {
        "main": corpus.Spec(sizes.main),
        "uniform": corpus.Spec(sizes.main, spread="uniform"),
        "spaced": corpus.Spec(sizes.main, layout="spaced"),
        "half": corpus.Spec(sizes.half),
        "double": corpus.Spec(sizes.double),
        "big": corpus.Spec(sizes.big),
        "huge": corpus.Spec(sizes.huge),
    }
    built = {}
    for key, spec in specs.items():
        began = time.perf_counter()
        manifest = corpus.build(spec)
        took = time.perf_counter() - began
        log(
            f"corpus {spec.name}: {manifest['files']} files, {manifest['events']} events ({took:.1f} s)"
        )
        built[key] = {**manifest, "name": spec.name}
    return built


def _env(plain: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LEAST_PRIV_PLAIN"}
    if plain:
        env["LEAST_PRIV_PLAIN"] = "1"
    return env


def least_priv_command(
    manifest: dict[str, Any], output: Path, report: Path | None = None
) -> list[str]:
    window = manifest.get("window")
    return [
        LEAST_PRIV, "generate", "--principal-arn", manifest.get("principal", shapes.PRINCIPAL),
        "--source", manifest["logs"], "--output", str(output),
        *(("--start-time", window[0], "--end-time", window[1]) if window else ()),
        *(("--report", str(report)) if report else ()),
    ]  # fmt: skip


def run_least_priv(
    results: Results, manifest: dict[str, Any], label: str, *, pin: bool = False,
    plain: bool = False, repeat: int = 1, report: bool = False,
) -> dict[str, bytes]:  # fmt: skip
    """Measure least-priv on ``manifest``'s corpus; return the policy files it wrote (and
    ``report.json`` with ``report``)."""
    folder = RUNS / re.sub(r"[^\w.-]+", "-", f"{manifest['name']}-{label}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    command = least_priv_command(
        manifest, folder / "policy.json", folder / "report.json" if report else None
    )
    stderr = folder / "stderr.txt"

    def once(sample: bool = False) -> tools.Measured:
        return tools.measure(
            [command], env=_env(plain), stderr=stderr, pin=pin, cwd=ROOT, sample=sample
        )

    log(f"least-priv {label} on {manifest['name']} (x{repeat})")
    measured = [once() for _ in range(repeat)]
    if not (pin or plain):  # workers: their summed memory, in a run of its own
        measured.append(once(sample=True))
    row = Row(f"least-priv, {label}", manifest, "least-priv", measured)
    results.rows.append(row)
    if not row.ok:
        results.failures.append(f"least-priv {label} on {manifest['name']}: see {stderr}")
        sys.stderr.write(stderr.read_text()[-2000:])
    written = {p.name: p.read_bytes() for p in sorted(folder.glob("policy*.json"))}
    if report and (folder / "report.json").is_file():
        written["report.json"] = (folder / "report.json").read_bytes()
    return written


def trailscraper_bin() -> Path | None:
    """trailscraper in its own venv (its pinned dependencies stay out of ours)."""
    exe = TS_VENV / "bin" / "trailscraper"
    if exe.is_file():
        return exe
    log(f"installing trailscraper=={TS_VERSION} into {TS_VENV}")
    base = getattr(sys, "_base_executable", sys.executable)
    try:
        subprocess.run([base, "-m", "venv", str(TS_VENV)], check=True)
        pip = [str(TS_VENV / "bin" / "pip"), "install", "-q", f"trailscraper=={TS_VERSION}"]
        subprocess.run(pip, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        log(f"trailscraper could not be installed ({exc}); using the published figure")
        return None
    return exe if exe.is_file() else None


def run_trailscraper(results: Results, manifest: dict[str, Any], exe: Path | None) -> None:
    if exe is None:
        guess = tools.Measured(manifest["events"] / TS_PUBLISHED, 580 * 1024, 0, (0,))
        note = f"not run: the issue's ~{TS_PUBLISHED:,} events/s and ~580 MB"
        results.rows.append(
            Row("trailscraper (published figure)", manifest, "trailscraper", [guess], note)
        )
        return
    start, end = manifest["window"]
    select = [
        str(exe), "select", "--log-dir", manifest["logs"], "--filter-assumed-role-arn",
        shapes.PRINCIPAL, "--from", start, "--to", end,
    ]  # fmt: skip
    folder = RUNS / f"{manifest['name']}-trailscraper"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"trailscraper select | generate on {manifest['name']}")
    measured = tools.measure(
        [select, [str(exe), "generate"]],
        stdout=folder / "policy.json",
        stderr=folder / "stderr.txt",
        timeout=TS_TIMEOUT,
    )
    ok = measured.ok and b'"Statement"' in (folder / "policy.json").read_bytes()
    note = "" if ok else f"failed or timed out after {TS_TIMEOUT:.0f} s"
    run = "trailscraper select, piped to generate"
    results.rows.append(Row(run, manifest, "trailscraper", [measured], note, ok))


FLOORS = {
    "json": "floor: gunzip + json.loads, 1 core",
    "orjson": "floor: gunzip + orjson.loads, 1 core",
    "none": "gunzip only, 1 core",
}


def run_floor(results: Results, manifest: dict[str, Any], parse: str, repeat: int) -> None:
    if parse == "orjson" and not _importable("orjson"):
        return
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    command = [
        sys.executable,
        str(Path(__file__).with_name("floor.py")),
        manifest["logs"],
        "--parse",
        parse,
    ]
    log(f"floor ({parse}) on {manifest['name']} (x{repeat})")
    measured = [tools.measure([command], stdout=out, pin=True) for _ in range(repeat)]
    counted = json.loads(out.read_text() or "{}")
    out.unlink()
    ok = parse == "none" or counted.get("records") == manifest["events"]
    if not ok:
        results.failures.append(
            f"floor counted {counted.get('records')} records, not {manifest['events']}"
        )
    results.rows.append(Row(FLOORS[parse], manifest, "floor", measured, checked=ok))


def _importable(module: str) -> bool:
    probe = [sys.executable, "-c", f"import {module}"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


def scenario(
    results: Results, manifest: dict[str, Any], sizes: Sizes, exe: Path | None
) -> dict[str, bytes]:
    """Everything on one corpus: least-priv on 2 cores, on 1, plain; trailscraper; floors.
    Returns the policy files of the run on all cores."""
    cores = len(os.sched_getaffinity(0))
    fast = run_least_priv(results, manifest, f"{cores} cores", repeat=sizes.repeat)
    single = run_least_priv(results, manifest, "1 core", pin=True, repeat=sizes.repeat)
    plain = run_least_priv(results, manifest, "plain (LEAST_PRIV_PLAIN=1)", plain=True)
    for label, policy in (("all cores", fast), ("1 core", single)):
        same = bool(policy) and policy == plain
        results.checks.append((f"{manifest['name']}: policy ({label}) == plain path", same))
    if sizes.trailscraper:
        run_trailscraper(results, manifest, exe)
    for parse in ("json", "orjson", "none"):
        run_floor(results, manifest, parse, sizes.repeat)
    return fast


# A role the corpora do not hold: the run reads every record and analyses none.
ABSENT = shapes.PRINCIPAL.rsplit("/", 1)[0] + "/least-priv-bench-absent"


def reading_alone(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes
) -> dict[str, Any]:
    """The main corpus read for a principal it does not hold, on all cores and on one: what
    reading every file costs (gunzip, the byte search, counting the records skipped) before
    any record is the principal's. The rest of a run's time is the principal's records
    (``budget``). Returns its manifest."""
    main = corpora["main"]
    manifest = {**main, "name": f"{main['name']}, a principal it does not hold",
                "principal": ABSENT, "principal_events": 0}  # fmt: skip
    cores = len(os.sched_getaffinity(0))
    for label, pin in ((f"{cores} cores", False), ("1 core", True)):
        found = run_least_priv(results, manifest, label, pin=pin, repeat=sizes.repeat, report=True)
        read = json.loads(found.get("report.json", b"{}") or b"{}").get("events", {})
        results.checks.append(
            (
                f"{manifest['name']} ({label}): every record read, none the principal's",
                read.get("events_read") == main["events"] and not read.get("events_of_principal"),
            )
        )
    return manifest


def budget(results: Results, main: dict[str, Any], alone: dict[str, Any]) -> list[str]:
    """What 20x trailscraper leaves for each of the principal's records on the main corpus,
    against what each costs: the run's time less the reading alone (``reading_alone``)."""
    cores = len(os.sched_getaffinity(0))
    ts = results.find("trailscraper", main["name"])
    one, full = (results.find("least-priv", main["name"], r) for r in ("1 core", f"{cores} cores"))
    one_alone, full_alone = (
        results.find("least-priv", alone["name"], r) for r in ("1 core", f"{cores} cores")
    )
    count = main["principal_events"]
    lines = []
    if one and one_alone and count:
        each = (one.seconds - one_alone.seconds) / count * 1e6
        lines.append(
            f"the principal's {count:,} records cost {each:.1f} us each on one core "
            f"({one.seconds:.2f} s, less {one_alone.seconds:.2f} s reading alone)"
        )
    if ts and ts.ok and full and full_alone and count:
        goal = ts.seconds / 20
        left = (goal - full_alone.seconds) * cores / count * 1e6
        lines.append(
            f"20x trailscraper is {goal:.3f} s on {cores} cores; reading alone takes "
            f"{full_alone.seconds:.2f} s there, which leaves {max(left, 0):.1f} us of CPU "
            f"for each of the principal's records"
        )
    return lines


def layout(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes, policy: dict[str, bytes]
) -> None:
    """The main corpus's records written with spaces (``json.dumps``'s defaults, as many
    generators write), and its files under other names (``corpus.renamed``): least-priv on
    all cores, and the same policy as from the original."""
    cores = len(os.sched_getaffinity(0))
    main = corpora["main"]
    other_names = {**corpus.renamed(main), "name": f"{main['name']} under other file names"}
    for variant in (corpora["spaced"], other_names):
        found = run_least_priv(results, variant, f"{cores} cores", repeat=sizes.repeat)
        results.checks.append(
            (f"{variant['name']}: policy == {main['name']}'s", bool(found) and found == policy)
        )


def one_file(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes, policy: dict[str, bytes]
) -> None:
    """The main corpus's records in one gzipped log (an export, a merged trail): read in
    pieces, so its memory follows the piece, not the file; the policy must equal the plain
    path's and the folder's. One file is read by one process."""
    main = corpora["main"]["name"]
    one = {**corpus.one_log(corpora["main"]), "name": f"{main} in one gzipped log"}
    fast = _one_file_rows(results, one, sizes)
    results.checks.append((f"{one['name']}: policy == {main}'s", bool(fast) and fast == policy))


def _one_file_rows(results: Results, one: dict[str, Any], sizes: Sizes) -> dict[str, bytes]:
    """least-priv on all cores and plain on a corpus of one file, its policy checked
    against the plain path's; the policy."""
    log(f"corpus {one['name']}: 1 file, {one['compressed_bytes']:,} bytes")
    cores = len(os.sched_getaffinity(0))
    fast = run_least_priv(results, one, f"{cores} cores", repeat=sizes.repeat)
    plain = run_least_priv(results, one, "plain (LEAST_PRIV_PLAIN=1)", plain=True)
    results.checks.append((f"{one['name']}: policy == plain path", bool(fast) and fast == plain))
    return fast


def export_with_sorted_keys(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes
) -> None:
    """The main corpus's first records (about a quarter) in one gzipped export written
    compact with sorted keys: no fixed bytes part its records, so it is cut into pieces
    where each reads as the whole document and split by msgspec; the policy must equal the
    plain path's."""
    main = corpora["main"]["name"]
    export = corpus.sorted_export(corpora["main"], max(1, sizes.main // 4))
    export["name"] = f"first {export['events']:,} events of {main}, one export, keys sorted"
    _one_file_rows(results, export, sizes)


def real_corpus(results: Results) -> None:
    """The real CloudTrail corpus beside the project, read in place: least-priv on all
    cores, on one and on the plain path, for the corpus's busiest principal and for
    everyone (``*``); the fast policies must equal the plain ones. Its 131 files hold a few
    thousand events, so its times are mostly start-up: this checks real records, not speed.
    trailscraper reads only gzipped files named as CloudTrail names them; it does not run
    here."""
    if not SHARED.is_dir():
        log(f"{SHARED} is not there: the real corpus is left out")
        return
    from least_priv.sources.local import LocalSource

    source = LocalSource(str(SHARED))
    sessions: dict[str, int] = {}
    for call in source.calls(lambda _: None):
        ident = call.identity
        arn = ident.issuer_arn if ident.type == "AssumedRole" else ident.arn
        if ident.type in ("AssumedRole", "IAMUser") and arn:
            sessions[arn] = sessions.get(arn, 0) + 1
    size = sum(p.stat().st_size for p in SHARED.rglob("*") if p.is_file())
    cores = len(os.sched_getaffinity(0))
    for principal in (max(sessions, key=lambda a: (sessions[a], a)), "*"):
        manifest = {
            "name": f"shared corpus, {principal}", "logs": str(SHARED), "principal": principal,
            "events": source.stats.records, "files": source.stats.files_read,
            "compressed_bytes": size, "uncompressed_bytes": size,
        }  # fmt: skip
        fast = run_least_priv(results, manifest, f"{cores} cores", repeat=3)
        single = run_least_priv(results, manifest, "1 core", pin=True, repeat=3)
        plain = run_least_priv(results, manifest, "plain (LEAST_PRIV_PLAIN=1)", plain=True)
        for label, policy in (("all cores", fast), ("1 core", single)):
            same = bool(policy) and policy == plain
            results.checks.append((f"{manifest['name']}: policy ({label}) == plain path", same))


def growth(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes, exe: Path | None
) -> None:
    """Scaling (half, double) and memory (big, huge) of least-priv; trailscraper on big."""
    cores = len(os.sched_getaffinity(0))
    for key in ("half", "double", "big"):
        # The median of several runs: one run of a few seconds varies by 15% on a shared box,
        # which is more than the linearity bar allows.
        run_least_priv(results, corpora[key], f"{cores} cores", repeat=sizes.repeat)
        run_floor(results, corpora[key], "json", 1)
    # The median of several runs here too: a slow spell of the box can fall within one.
    run_least_priv(results, corpora["huge"], f"{cores} cores", repeat=sizes.repeat)
    # One process (one core, as the S3 source always reads): its memory at the largest size.
    run_least_priv(results, corpora["big"], "1 core", pin=True)
    if sizes.trailscraper:
        run_trailscraper(results, corpora["big"], exe)


def windowed(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes, exe: Path | None
) -> None:
    """The middle fifth of the big corpus's days: both tools leave out the log files
    delivered outside the window by the time in their names (trailscraper: from the start
    to the end plus an hour; least-priv: from the start's minute to the end plus 15
    minutes, as CloudTrail delivers), so the run reads about a fifth of the folder. Its
    *events* and *files* are the files read (from the report); the policy must equal the
    plain path's."""
    big = corpora["big"]
    first, last = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in big["window"])
    fifth = (last - first) / 5
    start = (first + 2 * fifth).replace(minute=0, second=0)
    end = (first + 3 * fifth).replace(minute=0, second=0)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    manifest = {
        **big, "name": f"{big['name']}, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} only",
        "window": [f"{start:{stamp}}", f"{end:{stamp}}"],
    }  # fmt: skip
    from least_priv.sources.local import LocalSource

    cores = len(os.sched_getaffinity(0))
    fast = run_least_priv(results, manifest, f"{cores} cores", repeat=sizes.repeat, report=True)
    read = json.loads(fast.pop("report.json", b"{}") or b"{}")
    manifest["events"] = read.get("events", {}).get("events_read", 0)
    files = [Path(f) for f in LocalSource(big["logs"], window=_window(manifest)).files()]
    manifest["files"] = len(files)
    manifest["compressed_bytes"] = sum(f.stat().st_size for f in files)
    manifest["uncompressed_bytes"] = sum(_gunzipped_size(f) for f in files)
    plain = run_least_priv(results, manifest, "plain (LEAST_PRIV_PLAIN=1)", plain=True)
    results.checks.append(
        (f"{manifest['name']}: policy == plain path", bool(fast) and fast == plain)
    )
    if sizes.trailscraper:
        run_trailscraper(results, manifest, exe)


def _window(manifest: dict[str, Any]) -> Any:
    from least_priv.core.select import Window

    start, end = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in manifest["window"])
    return Window(start, end)


def _gunzipped_size(path: Path) -> int:
    """A gzip file's uncompressed size, from its trailer (ISIZE: exact under 4 GB)."""
    with path.open("rb") as file:
        file.seek(-4, os.SEEK_END)
        return int.from_bytes(file.read(4), "little")


def startup(results: Results, repeat: int) -> None:
    log(f"start-up (x{repeat})")
    results.startup_runs = repeat
    helps = [tools.measure([[LEAST_PRIV, "--help"]]).seconds for _ in range(repeat)]
    results.startup["least-priv --help"] = statistics.median(helps)
    firsts = [first_network_call() for _ in range(repeat)]
    valid = [f for f in firsts if f is not None]
    results.startup["entrypoint to first network call"] = (
        statistics.median(valid) if valid else float("nan")
    )
    if len(valid) < len(firsts):
        results.failures.append("the entrypoint made no network call in 10 s")


def first_network_call() -> float | None:
    """Seconds from spawning ``entrypoint.py`` as a runner would (source s3) to its first
    connection to ``AWS_ENDPOINT_URL``; ``None`` if none came within 10 s."""
    server = tools.FirstConnection()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "permission-policy.json").write_text('{"Version": "2012-10-17", "Statement": []}\n')
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": tmp,
            "GITHUB_WORKSPACE": tmp,
            "GITHUB_OUTPUT": str(work / "output.txt"),
            "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
            "INPUT_PRINCIPAL-ARN": shapes.PRINCIPAL,
            "INPUT_SOURCE": "s3",
            "INPUT_TRAIL-ARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
            "INPUT_START-TIME": "2026-11-20T00:00:00Z",
            "INPUT_END-TIME": "2026-11-21T00:00:00Z",
            "INPUT_CREATE-PR": "false",
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # AWS's doc example
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.port}",
        }
        began = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "entrypoint.py")],
            env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        server.accepted.wait(10)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        server.close()
    return None if server.first is None else server.first - began


def profile(manifest: dict[str, Any]) -> None:
    """Top functions of ``least-priv generate`` on ``manifest``'s corpus, on one core, so
    that all its work happens in the profiled process (a worker process is not profiled)."""
    import pstats

    folder = RUNS / "profile"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    stats = folder / "generate.prof"
    command = least_priv_command(manifest, folder / "policy.json")
    log(f"cProfile of least-priv generate on {manifest['name']}, 1 core")
    profiled = [
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        str(stats),
        "-m",
        "least_priv",
        *command[1:],
    ]
    subprocess.run(
        tools.one_core(profiled),
        check=False, cwd=ROOT, stderr=subprocess.DEVNULL, env=_env(False),
    )  # fmt: skip
    for order in ("cumulative", "tottime"):
        print(f"\n### cProfile: top 15 by {order}\n\n```")
        pstats.Stats(str(stats), stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(15)
        print("```")


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "-"

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": str(len(os.sched_getaffinity(0))),
        "python": platform.python_version(),
        "least-priv": version("least-priv-action"),
        "orjson": version("orjson"),
        "msgspec": version("msgspec"),
        "isal": version("isal"),
        "trailscraper": TS_VERSION,
    }


def print_table(results: Results) -> None:
    print(
        "| run | corpus | events | files | compressed MB | uncompressed MB | wall s | events/s "
        "| MB/s | peak RSS MB | vs trailscraper | vs floor |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in results.rows:
        m = row.manifest
        ts = results.find("trailscraper", m["name"])
        floor = results.find("floor", m["name"], "json.loads")
        vs_ts = f"{row.rate / ts.rate:.1f}x" if ts and ts.ok and row.tool != "trailscraper" else ""
        vs_floor = f"{row.rate / floor.rate:.2f}x" if floor and row is not floor else ""
        flag = "" if row.ok else " (FAILED)"
        note = f" ({row.note})" if row.note else ""
        print(
            f"| {row.run}{flag}{note} | {m['name']} | {m['events']:,} | {m['files']:,} "
            f"| {m['compressed_bytes'] / 1e6:.1f} | {m['uncompressed_bytes'] / 1e6:.1f} "
            f"| {row.seconds:.2f} | {row.rate:,.0f} | {m['uncompressed_bytes'] / 1e6 / row.seconds:.1f} "
            f"| {row.peak_mb:.0f} | {vs_ts} | {vs_floor} |"
        )


def print_memory(results: Results, corpora: dict[str, dict[str, Any]]) -> None:
    """Where least-priv's memory goes as the input grows: the whole tree, the parent and
    the largest worker (PSS, the largest of the runs' samples)."""
    cores = len(os.sched_getaffinity(0))
    print("| corpus | events | peak MB | parent MB | largest worker MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for key in ("half", "main", "double", "big", "huge"):
        row = results.find("least-priv", corpora[key]["name"], f"{cores} cores")
        if row:
            parent = max(m.parent_kb for m in row.measured) / 1024
            worker = max(m.worker_kb for m in row.measured) / 1024
            print(
                f"| {row.manifest['name']} | {row.manifest['events']:,} | {row.peak_mb:.0f} "
                f"| {parent:.0f} | {worker:.0f} |"
            )


def verdicts(results: Results, corpora: dict[str, dict[str, Any]]) -> list[tuple[str, bool | None]]:
    """One line per target; ``None``: could not be measured."""
    cores = len(os.sched_getaffinity(0))
    names = {k: v["name"] for k, v in corpora.items()}
    found: list[tuple[str, bool | None]] = []
    for key in ("main", "uniform"):
        lp = results.find("least-priv", names[key], f"{cores} cores")
        ts = results.find("trailscraper", names[key])
        if lp and ts and ts.ok:
            ratio = lp.rate / ts.rate
            found.append(
                (f"throughput >= 20x trailscraper ({names[key]}): {ratio:.1f}x", ratio >= 20)
            )
        else:
            found.append((f"throughput >= 20x trailscraper ({names[key]}): not measured", None))
        one = results.find("least-priv", names[key], "1 core")
        floor = results.find("floor", names[key], "json.loads")
        if one and floor:
            ratio = one.rate / floor.rate
            text = f"1 core >= floor ({names[key]}): {one.rate:,.0f} vs {floor.rate:,.0f} events/s ({ratio:.2f}x)"
            found.append((text, ratio >= 1))
    rows = {
        k: results.find("least-priv", names[k], f"{cores} cores")
        for k in ("half", "main", "double", "big")
    }
    if all(rows.values()):
        half, main, double, big = (rows[k] for k in ("half", "main", "double", "big"))  # type: ignore[union-attr]
        found.append(
            (
                f"peak RSS <= 100 MB at {big.manifest['events']:,} events: {big.peak_mb:.0f} MB",
                big.peak_mb <= 100,
            )
        )
        one = results.find("least-priv", names["big"], "1 core")
        if one:
            found.append(
                (
                    f"peak RSS <= 100 MB at {big.manifest['events']:,} events, 1 core: {one.peak_mb:.0f} MB",
                    one.peak_mb <= 100,
                )
            )
        flat = big.peak_mb <= max(1.15 * main.peak_mb, main.peak_mb + 10)
        found.append(
            (
                f"RSS flat ({names['main']} -> {names['big']}): {main.peak_mb:.0f} -> {big.peak_mb:.0f} MB",
                flat,
            )
        )
        huge = results.find("least-priv", names["huge"], f"{cores} cores")
        if huge:
            found.append(
                (
                    f"RSS levels off ({names['big']} -> {names['huge']}): {big.peak_mb:.0f} -> {huge.peak_mb:.0f} MB",
                    huge.peak_mb <= max(1.15 * big.peak_mb, big.peak_mb + 10),
                )
            )
        pairs = [(half, main), (main, double), *(((big, huge),) if huge else ())]
        for low, high in pairs:
            ratio = high.seconds / low.seconds
            text = f"time linear ({low.manifest['name']} -> {high.manifest['name']}): {ratio:.2f}x"
            found.append((text, ratio <= 2.1))
    for name, seconds in results.startup.items():
        found.append((f"start-up < 0.5 s ({name}): {seconds:.3f} s", seconds < 0.5))
    return found


def report(
    results: Results, corpora: dict[str, dict[str, Any]], sizes: Sizes, spent: list[str]
) -> list[tuple[str, bool | None]]:
    info = machine()
    print(f"\n## Reading speed and memory ({info['date']})\n")
    print(", ".join(f"{k} {v}" for k, v in info.items() if k != "date"))
    print(
        f"principal {shapes.PRINCIPAL}; median of {sizes.repeat} for least-priv rows of the 200k-scale corpora and the floors\n"
    )
    print_table(results)
    print()
    print_memory(results, corpora)
    print(f"\n| start-up | median of {results.startup_runs} |\n| --- | ---: |")
    for name, seconds in results.startup.items():
        print(f"| {name} | {seconds:.3f} s |")
    print()
    for text, same in results.checks:
        print(f"{'OK' if same else 'MISMATCH'}: {text}")
    found = verdicts(results, corpora)
    print()
    if sizes is QUICK:
        print(
            "(a smoke run: the targets are the full run's; its small corpora are mostly start-up)"
        )
    for text, passed in found:
        print(f"{'PASS' if passed else 'FAIL' if passed is False else 'N/A '}: {text}")
    for text in spent:
        print(f"BUDGET: {text}")
    for failure in results.failures:
        print(f"ERROR: {failure}")
    out = corpus.CACHE / "results.json"
    out.write_text(
        json.dumps(
            {
                "machine": info,
                "corpora": {
                    k: {x: y for x, y in v.items() if x != "params"} for k, v in corpora.items()
                },
                "rows": [r.as_dict() for r in results.rows],
                "startup": results.startup,
                "checks": results.checks,
                "targets": found,
                "budget": spent,
            },
            indent=2,
        )
        + "\n"
    )
    log(f"results in {out}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="small corpora, no trailscraper (< 1 min)"
    )
    parser.add_argument("--no-trailscraper", action="store_true", help="use its published figure")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile least-priv on the main corpus"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails too")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    # Bytecode as an installed package has it: with PYTHONDONTWRITEBYTECODE set, an edited
    # module would otherwise be compiled again in every measured run.
    compileall.compile_dir(ROOT / "src", quiet=1)
    corpora = build_corpora(sizes)
    exe = None if args.quick or args.no_trailscraper else trailscraper_bin()
    results = Results()
    policies = {key: scenario(results, corpora[key], sizes, exe) for key in ("main", "uniform")}
    alone = reading_alone(results, corpora, sizes)
    layout(results, corpora, sizes, policies["main"])
    one_file(results, corpora, sizes, policies["main"])
    export_with_sorted_keys(results, corpora, sizes)
    real_corpus(results)
    growth(results, corpora, sizes, exe)
    windowed(results, corpora, sizes, exe)
    startup(results, 5 if not args.quick else 3)
    found = report(results, corpora, sizes, budget(results, corpora["main"], alone))
    if args.profile:
        profile(corpora["main"])
    log(f"done in {time.perf_counter() - began:.0f} s")
    broken = results.failures or not all(same for _, same in results.checks)
    if broken or (args.strict and any(passed is not True for _, passed in found)):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
