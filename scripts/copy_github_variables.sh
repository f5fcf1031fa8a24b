#!/usr/bin/env bash
# Copy the Terraform module's github_variables output (LEAST_PRIV_GENERATOR_ROLE_ARN,
# ACCESS_ANALYZER_ROLE_ARN, PIPELINE_ROLE_ARN, CLOUDTRAIL_TRAIL_ARN, AWS_REGION, ...) into a
# GitHub repository's Actions variables with the GitHub CLI.
#
# Usage: scripts/copy_github_variables.sh --repo OWNER/REPO [--dir DIR] [--env NAME]
#                                         [--secrets] [--dry-run]
#   --repo OWNER/REPO  the repository whose workflows read the variables (required)
#   --dir DIR          the Terraform root that calls the module and exports github_variables
#                      (default: the current directory), already applied
#   --env NAME         set them on that GitHub environment instead of the repository
#   --secrets          store them as Actions secrets (gh secret set) instead of variables;
#                      the workflows must then read secrets.NAME instead of vars.NAME
#   --dry-run          print what would be set, change nothing
# Needs terraform (or TERRAFORM=/path/to/terraform), gh (authenticated: gh auth login) and
# python3.
set -euo pipefail

usage() {
    sed -n '6,14p' "$0" | sed 's/^# \{0,1\}//' >&2
}

repo=""
dir="."
environment=""
kind="variable"
dry_run=false
# value_of OPTION ARGS...: the option's value, or a usage error when it has none.
value_of() {
    if [[ $# -lt 2 || $2 == --* ]]; then
        echo "error: $1 needs a value" >&2
        usage
        exit 2
    fi
    printf '%s' "$2"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --repo) repo=$(value_of "$@"); shift 2 ;;
        --dir) dir=$(value_of "$@"); shift 2 ;;
        --env) environment=$(value_of "$@"); shift 2 ;;
        --secrets) kind="secret"; shift ;;
        --dry-run) dry_run=true; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "error: unknown argument: $1" >&2; usage; exit 2 ;;
    esac
done

if [[ ! $repo =~ ^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$ ]]; then
    echo "error: --repo OWNER/REPO is required (the repository whose workflows read the variables)" >&2
    usage
    exit 2
fi
if [[ ! -d $dir ]]; then
    echo "error: --dir $dir is not a directory (give the Terraform root that calls the module)" >&2
    exit 2
fi

terraform=${TERRAFORM:-terraform}
if ! command -v "$terraform" >/dev/null 2>&1; then
    echo "error: terraform is not installed or not on PATH (https://developer.hashicorp.com/terraform/install, or set TERRAFORM=/path/to/terraform)" >&2
    exit 1
fi
if ! command -v gh >/dev/null 2>&1 && [[ $dry_run == false ]]; then
    echo "error: the GitHub CLI (gh) is not installed or not on PATH (https://cli.github.com; then gh auth login)" >&2
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is needed to read terraform's JSON output" >&2
    exit 1
fi

if ! outputs=$("$terraform" "-chdir=$dir" output -json github_variables); then
    echo "error: no github_variables output in $dir: apply the configuration that calls the module there first, and export the module's github_variables output" >&2
    exit 1
fi

# NAME<TAB>VALUE lines, names checked; values are single-line strings.
if ! pairs=$(printf '%s' "$outputs" | python3 -c '
import json
import re
import sys

data = json.load(sys.stdin)
if not isinstance(data, dict) or not data:
    sys.exit("github_variables is empty or not a map")
for name, value in sorted(data.items()):
    if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
        sys.exit(f"not a GitHub variable name: {name}")
    if not isinstance(value, str) or not value or "\n" in value or "\t" in value:
        sys.exit(f"{name}: the value is not a one-line string")
    print(f"{name}\t{value}")
'); then
    echo "error: could not read github_variables from terraform output in $dir" >&2
    exit 1
fi

target="--repo $repo"
scope=()
if [[ -n $environment ]]; then
    scope=(--env "$environment")
    target="$target --env $environment"
fi

count=0
while IFS=$'\t' read -r name value; do
    if [[ $dry_run == true ]]; then
        echo "would run: gh $kind set $name --body '$value' $target"
    else
        gh "$kind" set "$name" --body "$value" --repo "$repo" "${scope[@]}"
        echo "set $kind $name ($target)"
    fi
    count=$((count + 1))
done <<<"$pairs"
echo "$count ${kind}s $([[ $dry_run == true ]] && echo "to set" || echo "set") for $repo"
