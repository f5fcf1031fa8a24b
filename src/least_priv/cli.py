"""``least-priv``: the command line. One error boundary: ``main(argv) -> int``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from least_priv import __version__
from least_priv.app import quiet_gc, run
from least_priv.config import (
    MERGES,
    MODES,
    Settings,
    principal_of,
    resolve_window,
    split_list,
    timeout_minutes,
    workers_from_env,
)
from least_priv.errors import as_project_error
from least_priv.files import publish
from least_priv.render.text import escape_unencodable_output, one_line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {one_line(message)}; see {self.prog} --help\n")
        raise SystemExit(2)


def _given(text: str) -> str:
    """A flag's value; an empty one is a usage error (``--source ""`` is not the current
    folder, ``--start-time ""`` not "no window")."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a value or leave the flag out")
    return text


def _file(text: str) -> Path:
    return Path(_given(text))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="least-priv", description="Least-privilege IAM policies from CloudTrail evidence."
    )
    parser.add_argument("--version", action="version", version=f"least-priv {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    gen = sub.add_parser(
        "generate", help="generate the policy of a principal from its CloudTrail activity"
    )
    gen.add_argument(
        "--principal-arn", required=True, help="role, user or session ARN, or * for everyone"
    )
    gen.add_argument(
        "--source",
        type=_given,
        action="append",
        required=True,
        metavar="SRC",
        help="CloudTrail files or folder, s3://BUCKET[/PREFIX], s3, access-analyzer, "
        "lookup-events or athena://WORKGROUP/DATABASE.TABLE (repeatable)",
    )
    gen.add_argument("--trail-arn", default="", help="the trail (access-analyzer, s3)")
    gen.add_argument(
        "--access-role-arn", default="", help="the role Access Analyzer reads the trail with"
    )
    gen.add_argument("--region", default="", help="AWS region(s), comma-separated")
    gen.add_argument(
        "--timeout-minutes",
        default=None,
        metavar="N",
        help="how long to wait for Access Analyzer or Athena (default 30)",
    )
    window = gen.add_mutually_exclusive_group()
    window.add_argument("--lookback-hours", type=_given, metavar="N")
    window.add_argument("--start-time", type=_given, metavar="ISO8601")
    gen.add_argument("--end-time", type=_given, metavar="ISO8601")
    gen.add_argument("--mode", choices=MODES, default="wildcard")
    gen.add_argument("--merge", choices=MERGES, default="replace")
    gen.add_argument(
        "--policy-path", type=_file, metavar="FILE", help="existing policy to merge into"
    )
    gen.add_argument("--preserve-sids", default="", metavar="SID[,SID...]")
    star = gen.add_mutually_exclusive_group()
    star.add_argument("--keep-star-resources", dest="keep_star", action="store_true", default=True)
    star.add_argument("--no-keep-star-resources", dest="keep_star", action="store_false")
    gen.add_argument("--ignore-action", action="append", default=[], metavar="PATTERN")
    gen.add_argument(
        "--output",
        metavar="FILE|-",
        help="where to write the policy (default: --policy-path, else stdout)",
    )
    gen.add_argument("--report", type=_file, metavar="FILE")
    gen.add_argument("--summary", type=_file, metavar="FILE")
    return parser


def settings_from_args(args: argparse.Namespace, now: datetime) -> Settings:
    return Settings(
        principal=principal_of(args.principal_arn),
        sources=tuple(args.source),
        window=resolve_window(args.lookback_hours, args.start_time, args.end_time, now),
        mode=args.mode,
        merge=args.merge,
        policy_path=args.policy_path,
        preserve_sids=split_list(args.preserve_sids),
        keep_star_resources=args.keep_star,
        ignore_actions=tuple(p for text in args.ignore_action for p in split_list(text)),
        output=args.output,
        report=args.report,
        summary=args.summary,
        trail_arn=args.trail_arn,
        access_role_arn=args.access_role_arn,
        region=args.region,
        timeout_minutes=timeout_minutes(args.timeout_minutes),
        plain=os.environ.get("LEAST_PRIV_PLAIN", "") not in ("", "0"),
        workers=workers_from_env(os.environ.get("LEAST_PRIV_WORKERS", "")),
    )


def _progress(message: str) -> None:
    sys.stderr.write(f"least-priv: {one_line(message)}\n")


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {one_line(message)}\n")


def main(argv: Sequence[str] | None = None) -> int:
    escape_unencodable_output()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors (2) and --help/--version (0)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        settings = settings_from_args(args, datetime.now(UTC))
        quiet_gc()
        outcome = run(settings, _warn, progress=_progress)
        publish(settings, outcome, sys.stdout.write)
    except Exception as exc:
        error = as_project_error(exc)
        if error is None:
            raise
        sys.stderr.write(f"error: {one_line(str(error))}\n")
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted; nothing was written\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
