"""The Markdown summary (job summary and pull-request body). Event text is escaped."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from least_priv.render.text import clip, md

_MAX_ROWS = 100
_MAX_CELL = 300  # characters of one cell: a 20 MB event name stays in the JSON report


def _by_service(actions: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for action in actions:
        out[action.split(":", 1)[0]].append(action.split(":", 1)[-1])
    return dict(sorted(out.items()))


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(md(clip(str(c), _MAX_CELL)) for c in row) + " |"
        for row in rows[:_MAX_ROWS]
    ]
    if len(rows) > _MAX_ROWS:
        lines.append(f"\n{len(rows) - _MAX_ROWS} more rows in the JSON report.")
    return [*lines, ""]


def _changes(report: dict[str, Any]) -> list[str]:
    added, removed = _by_service(report["actions_added"]), _by_service(report["actions_removed"])
    services = sorted(set(added) | set(removed))
    if not services:
        return ["No change in allowed actions.", ""]
    rows: list[list[object]] = [
        [s, ", ".join(added.get(s, [])) or "-", ", ".join(removed.get(s, [])) or "-"]
        for s in services
    ]
    return [
        f"### Actions: {len(report['actions_added'])} added, {len(report['actions_removed'])} removed",
        "",
        *_table(["service", "added", "removed"], rows),
    ]


def render_summary(report: dict[str, Any]) -> str:
    """The summary of one run, from its report."""
    ev, window = report["events"], report["window"]
    lines = [
        f"## least-priv: {md(report['principal'])}",
        "",
        f"- Window: {md(window['start'] or 'open')} to {md(window['end'] or 'open')}"
        f" (events seen {md(ev['first'] or '-')} to {md(ev['last'] or '-')})",
        f"- Sources: {md(', '.join(_source_label(s) for s in report['sources']))}",
        f"- Mode: {md(report['mode'])}; policy: {md(', '.join(report['policy_files']) or '-')}",
        f"- Events: {ev.get('events_read', 0)} read, {ev.get('events_of_principal', 0)} by the principal,"
        f" {ev.get('events_matched', 0)} in the window, {ev.get('events_granted', 0)} granted,"
        f" {ev.get('events_denied', 0)} denied, {sum(u['events'] for u in report['unmapped'])} unmapped",
        "",
        *_changes(report),
    ]
    if report["denied"]:
        lines += [f"### Needed but missing: {len(report['denied'])} denied calls", ""]
        rows = [
            [d["event_time"], d["action"], d["error_code"], d["resource"]] for d in report["denied"]
        ]
        lines += _table(["time", "action", "error", "resource"], rows)
    if report["unmapped"]:
        lines += [f"### Unmapped events: {len(report['unmapped'])}", ""]
        rows = [
            [u["event_source"], u["event_name"], u["events"], u["reason"]]
            for u in report["unmapped"]
        ]
        lines += _table(["event source", "event name", "events", "why"], rows)
    if report["findings"]:
        lines += [f"### Findings: {len(report['findings'])}", ""]
        rows = [[f["severity"], f["code"], f["message"]] for f in report["findings"]]
        lines += _table(["severity", "code", "message"], rows)
    skipped = [f for s in report["sources"] for f in s.get("files_skipped", [])]
    if skipped:
        lines += [f"### Files skipped: {len(skipped)}", ""]
        lines += _table(["file", "why"], [[f["file"], f["reason"]] for f in skipped])
    return "\n".join(lines).rstrip() + "\n"


def _source_label(stats: dict[str, Any]) -> str:
    """``s3://bucket (40 files)``, ``logs/ (40 files; 200 delivered outside the window, not
    read)``, ``access-analyzer (job ID SUCCEEDED)``."""
    if stats.get("job_id"):
        return f"{stats['source']} (job {stats['job_id']} {stats.get('status', '')})".replace(
            " )", ")"
        )
    if "files_read" in stats and stats.get("files_read"):
        outside = stats.get("files_outside_window")
        unread = f"; {outside} delivered outside the window, not read" if outside else ""
        return f"{stats['source']} ({stats['files_read']} files{unread})"
    return str(stats["source"])
