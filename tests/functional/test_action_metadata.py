"""The action's packaging: action.yml against the fixed contract, the README's tables, the
Dockerfile, the lock, .dockerignore and the example workflows.

The contract (input and output names, defaults, required flags) is the one in the design's
"Action contract (fixed)"; users' workflows depend on it, so a change here is a breaking change.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))

REQUIRED = object()  # marks a required input, which has no default

CONTRACT_INPUTS: dict[str, object] = {
    "principal-arn": REQUIRED,
    "source": "access-analyzer",
    "trail-arn": "",
    "access-role-arn": "",
    "region": "",
    "lookback-hours": "24",
    "start-time": "",
    "end-time": "",
    "mode": "wildcard",
    "merge": "replace",
    "policy-path": "permission-policy.json",
    "preserve-sids": "",
    "keep-star-resources": "true",
    "ignore-actions": "",
    "github-token": "${{ github.token }}",
    "create-pr": "true",
    "base-branch": "",
    "pr-branch": "",
    "pr-title": "",
    "pr-labels": "",
    "timeout-minutes": "30",
}

CONTRACT_OUTPUTS = {
    "policy",
    "policy-path",
    "changed",
    "actions-added",
    "actions-removed",
    "denied-count",
    "pull-request-number",
    "pull-request-url",
    "pull-request-operation",
}

# https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions#brandingcolor
BRANDING_COLORS = {
    "white",
    "black",
    "yellow",
    "blue",
    "green",
    "orange",
    "red",
    "purple",
    "gray-dark",
}

SHA_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data = load_yaml(ROOT / "action.yml")
    assert isinstance(data, dict)
    return data


def declared_default(spec: dict[str, Any]) -> object:
    if spec.get("required", False):
        return REQUIRED
    return spec.get("default", "")


# --- action.yml ---------------------------------------------------------------------------


def test_action_declares_exactly_the_contract_inputs_with_their_defaults(
    action: dict[str, Any],
) -> None:
    inputs = action["inputs"]
    assert set(inputs) == set(CONTRACT_INPUTS)
    for name, expected in CONTRACT_INPUTS.items():
        assert declared_default(inputs[name]) == expected, name


def test_defaults_are_strings_as_the_runner_passes_them(action: dict[str, Any]) -> None:
    # YAML would make `24` an int and `true` a bool; the runner passes strings either way,
    # and quoting keeps what the README shows identical to what the entrypoint reads.
    for name, spec in action["inputs"].items():
        if "default" in spec:
            assert isinstance(spec["default"], str), name


def test_only_principal_arn_is_required_and_it_has_no_default(action: dict[str, Any]) -> None:
    required = {name for name, spec in action["inputs"].items() if spec.get("required", False)}
    assert required == {"principal-arn"}
    assert "default" not in action["inputs"]["principal-arn"]


def test_action_declares_exactly_the_contract_outputs(action: dict[str, Any]) -> None:
    assert set(action["outputs"]) == CONTRACT_OUTPUTS


def test_every_input_and_output_has_a_one_sentence_description(action: dict[str, Any]) -> None:
    for kind in ("inputs", "outputs"):
        for name, spec in action[kind].items():
            text = spec.get("description", "")
            assert text.strip(), f"{kind}.{name} has no description"
            assert "\n" not in text.strip(), f"{kind}.{name}: keep the description to one line"


def test_action_runs_the_repository_dockerfile_with_no_arguments(action: dict[str, Any]) -> None:
    # The entrypoint reads INPUT_* itself; `args` would duplicate the contract in YAML.
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}


def test_action_has_marketplace_metadata(action: dict[str, Any]) -> None:
    for key in ("name", "description", "author"):
        assert str(action.get(key, "")).strip(), key
    branding = action["branding"]
    assert branding["icon"]
    assert branding["color"] in BRANDING_COLORS


# --- README tables ------------------------------------------------------------------------


def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [cell.strip().replace("\\|", "|") for cell in cells]


def readme_table(heading: str) -> list[dict[str, str]]:
    """Rows of the first Markdown table under `heading`, keyed by lower-cased column title."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    has_heading = heading in lines
    assert has_heading, f"README.md has no {heading!r} section"
    rows: list[list[str]] = []
    for line in lines[lines.index(heading) + 1 :]:
        if line.startswith("#"):
            break
        if line.lstrip().startswith("|"):
            rows.append(split_row(line))
        elif rows:
            break
    assert len(rows) >= 2, f"no table under {heading!r} in README.md"
    header = [cell.lower() for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[2:]]


def code_text(cell: str) -> str:
    match = re.fullmatch(r"`+\s?(.*?)\s?`+", cell.strip())
    return match.group(1) if match else cell.strip()


def readme_default(cell: str) -> object:
    text = cell.strip()
    if text.strip("*_ ").lower() == "required":
        return REQUIRED
    if text in {"", "-", "—", "–"}:
        return ""
    return code_text(text)


def test_readme_inputs_table_lists_every_input_with_its_default(action: dict[str, Any]) -> None:
    rows = readme_table("### Inputs")
    documented = {code_text(row["input"]): readme_default(row["default"]) for row in rows}
    declared = {name: declared_default(spec) for name, spec in action["inputs"].items()}
    assert documented == declared
    assert all(row["description"] for row in rows)


def test_readme_outputs_table_lists_every_output(action: dict[str, Any]) -> None:
    rows = readme_table("### Outputs")
    assert {code_text(row["output"]) for row in rows} == set(action["outputs"])
    assert all(row["description"] for row in rows)


# --- Dockerfile, .dockerignore, lock ------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "Dockerfile ends inside a continued line"
    pairs = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        pairs.append((keyword.upper(), args.strip()))
    return pairs


def copy_sources() -> list[str]:
    sources = []
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY":
            words = [w for w in args.split() if not w.startswith("--")]
            sources += [w.rstrip("/") for w in words[:-1]]
    return sources


def test_dockerfile_has_no_user_instruction() -> None:
    # GitHub runs Docker actions as root with the workspace and GITHUB_OUTPUT mounted from
    # the runner; a non-root USER could not write them.
    assert "USER" not in {keyword for keyword, _ in dockerfile_instructions()}


def test_dockerfile_entrypoint_is_exec_form_python_entrypoint() -> None:
    entrypoints = [args for keyword, args in dockerfile_instructions() if keyword == "ENTRYPOINT"]
    assert entrypoints == ['["python", "/app/entrypoint.py"]']


def test_dockerfile_base_image_is_an_exact_python_311_patch_release() -> None:
    froms = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", froms[0])


def test_dockerfile_installs_the_hash_pinned_lock_before_copying_the_code() -> None:
    steps = dockerfile_instructions()
    lock_install = next(
        i
        for i, (keyword, args) in enumerate(steps)
        if keyword == "RUN" and "--require-hashes" in args and "-r requirements.lock" in args
    )
    assert "--no-deps" in steps[lock_install][1]
    lock_copy = next(
        i for i, (k, a) in enumerate(steps) if k == "COPY" and "requirements.lock" in a
    )
    code_copies = [
        i for i, (k, a) in enumerate(steps) if k == "COPY" and ("src" in a or "entrypoint.py" in a)
    ]
    assert code_copies
    assert lock_copy < lock_install < min(code_copies)
    project_install = [
        args
        for keyword, args in steps
        if keyword == "RUN" and re.search(r"pip install .*\s\.(\s|$)", args)
    ]
    assert project_install
    assert all("--no-deps" in args for args in project_install)


def excluded_by_dockerignore(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase(c, glob) for c in candidates):
            excluded = not negated
    return excluded


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_dockerignore_keeps_every_file_the_image_is_built_from() -> None:
    patterns = dockerignore_patterns()
    needed = list(copy_sources())
    needed += [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "src").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p)
    ]
    assert {"requirements.lock", "pyproject.toml", "README.md", "entrypoint.py", "src"} <= set(
        needed
    )
    kept_out = [path for path in needed if excluded_by_dockerignore(path, patterns)]
    assert kept_out == []


def test_dockerignore_keeps_the_repository_clutter_out_of_the_build_context() -> None:
    patterns = dockerignore_patterns()
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        "tests/conftest.py",
        "examples/README.md",
        "bench/README.md",
        "docs/athena.md",
        ".mypy_cache/x",
        "src/least_priv/__pycache__/x.pyc",
    ):
        assert excluded_by_dockerignore(path, patterns), path


def test_every_copied_file_exists() -> None:
    for source in copy_sources():
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which is missing"


def lock_entries() -> dict[str, tuple[str, int]]:
    """Name -> (version, number of hashes) from requirements.lock."""
    entries: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            name, sep, version = stripped.rstrip("\\ ").partition("==")
            assert sep, f"requirements.lock: {stripped!r} is not pinned with =="
            current = canonicalize_name(name)
            entries[current] = (version.strip(), 0)
        elif stripped.startswith("--hash=sha256:"):
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def test_lock_pins_every_runtime_dependency_with_hashes() -> None:
    entries = lock_entries()
    assert all(hashes for _, hashes in entries.values()), "every pin needs --hash lines"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for text in pyproject["project"]["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{name} is in pyproject.toml but not in requirements.lock"
        version = entries[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (name, version)
    build_requires = pyproject["build-system"]["requires"]
    for text in build_requires:  # built with --no-build-isolation from the lock
        assert canonicalize_name(Requirement(text).name) in entries, text


# --- example workflows --------------------------------------------------------------------


def uses_references(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uses" and isinstance(value, str):
                found.append(value)
            else:
                found += uses_references(value)
    elif isinstance(node, list):
        for item in node:
            found += uses_references(item)
    return found


def run_scripts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            else:
                found += run_scripts(value)
    elif isinstance(node, list):
        for item in node:
            found += run_scripts(item)
    return found


def test_there_are_example_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"least-priv.yml", "deploy-demo-infra.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version(path: Path) -> None:
    refs = uses_references(load_yaml(path))
    assert refs
    for ref in refs:
        if ref.startswith("./"):
            continue
        assert SHA_PINNED.match(ref), f"{path.name}: {ref} is not pinned to a commit SHA"
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*(-\s+)?uses:", line):
            assert re.search(r"#\s*v\d", line), f"{path.name}: {line.strip()} has no # vX.Y.Z"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_grants_nothing_by_default_and_each_job_what_it_needs(path: Path) -> None:
    workflow = load_yaml(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("permissions"), dict), f"{path.name}: job {name}"
    assert workflow["concurrency"]["cancel-in-progress"] is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_expanded_inside_a_script(path: Path) -> None:
    # Values reach scripts through env: a ${{ }} inside run: is code injection.
    for script in run_scripts(load_yaml(path)):
        assert "${{" not in script, f"{path.name}: {script!r}"
