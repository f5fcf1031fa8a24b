"""The Actions runner's side of a step, through github-action-utils: inputs, outputs, the job
summary, annotations and masking. Nothing untrusted reaches the log unescaped.

Docker actions get inputs as ``INPUT_<NAME>`` with hyphens kept (``INPUT_PRINCIPAL-ARN``);
some wrappers pass the underscore form, so both are read.
https://docs.github.com/actions/reference/workflows-and-actions/metadata-syntax#inputs
"""

from __future__ import annotations

import os

import github_action_utils as gha

from least_priv.render.text import one_line

SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub keeps of one step's summary
_SUMMARY_CUT = "\n\n_The summary is cut here to stay under GitHub's 1 MiB limit._\n"


def read_input(name: str) -> str:
    """The input's value (``""`` when not given), hyphen or underscore form."""
    for key in (name, name.replace("-", "_")):
        value = gha.get_user_input(key)
        if value is not None:
            return value.strip()
    return ""


def mask(secret: str) -> None:
    if secret:
        gha.add_mask(secret)


def set_outputs(outputs: dict[str, str]) -> None:
    """Every output through ``GITHUB_OUTPUT`` (multiline-safe delimiters)."""
    if not os.environ.get("GITHUB_OUTPUT"):
        return
    for name, value in outputs.items():
        gha.set_output(name, value)


def fit_summary(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    data = markdown.encode("utf-8")
    if len(data) < limit:
        return markdown
    room = limit - len(_SUMMARY_CUT.encode("utf-8")) - 1
    text = data[:room].decode("utf-8", errors="ignore")
    return text[: text.rfind("\n")] + _SUMMARY_CUT


def write_summary(markdown: str) -> None:
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(fit_summary(markdown))


def warning(message: str) -> None:
    gha.warning(one_line(message), title="least-priv")


def error(message: str) -> None:
    gha.error(one_line(message), title="least-priv")


def log(message: str) -> None:
    """A plain log line; one line, so it can never start a workflow command."""
    gha.echo(f"least-priv: {one_line(message)}")
