#!/usr/bin/env bash
# Installs GitHub's published OpenAPI description (npm package @octokit/openapi) into
# .cache/github-openapi for the GitHub stand-in tests, and prints the path of the JSON file
# they read. Idempotent: does nothing when that version is already there. Needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${OCTOKIT_OPENAPI_VERSION:-23.0.2}"
prefix=.cache/github-openapi
package="$prefix/node_modules/@octokit/openapi"
# api.github.com.json (13 MB, ~0.3 s to load) keeps its $refs; the .deref.json variant is 73 MB.
file="$package/generated/api.github.com.json"

if [[ ! -s $file ]] || ! grep -q "\"version\": \"$version\"" "$package/package.json"; then
  if ! command -v npm >/dev/null; then
    echo "error: npm is needed to fetch @octokit/openapi@$version (or set GITHUB_OPENAPI_JSON)" >&2
    exit 1
  fi
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$prefix" \
    "@octokit/openapi@$version" >&2
  # The package holds ~390 MB of variants (GHES, GHEC, dereferenced); the tests read one file.
  find "$package/generated" -name '*.json' ! -name api.github.com.json -delete
fi
echo "$PWD/$file"
