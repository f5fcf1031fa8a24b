#!/usr/bin/env bash
# Static checks of the action's packaging; any finding fails:
#   hadolint          Dockerfile, every severity down to style
#   zizmor            example workflows and action.yml, offline, pedantic persona
#   check-jsonschema  action.yml and the workflows against SchemaStore's schemas (vendored,
#                     offline): catches a wrong key, branding icon or input type
# Each tool is taken from .venv/bin when there, else from PATH (the dev extra has them all).
set -euo pipefail
cd "$(dirname "$0")/.."

tool() {
    if [[ -x ".venv/bin/$1" ]]; then
        printf '%s\n' ".venv/bin/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        echo "error: $1 is not in .venv/bin nor on PATH; install the dev extra: pip install -e '.[dev]'" >&2
        return 1
    fi
}

hadolint=$(tool hadolint)
zizmor=$(tool zizmor)
check_jsonschema=$(tool check-jsonschema)

shopt -s nullglob
workflows=(examples/workflows/*.yml examples/workflows/*.yaml)
if [[ ${#workflows[@]} -eq 0 ]]; then
    echo "error: no workflows in examples/workflows" >&2
    exit 1
fi

echo "== hadolint Dockerfile"
"$hadolint" --failure-threshold style Dockerfile
echo "no findings"

echo "== zizmor ${workflows[*]} action.yml"
"$zizmor" --offline --persona=pedantic --no-progress --color=never "${workflows[@]}" action.yml

echo "== check-jsonschema"
"$check_jsonschema" --builtin-schema vendor.github-actions action.yml
"$check_jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"
