#!/usr/bin/env bash
# The example the README's first command ends with: check and inspect a real
# exported model (more steps arrive as the compiler grows).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
fixtures=${AOTC_FIXTURES:-../shared/fixtures}
aotc="$build_dir/tools/aotc"
[[ -x "$aotc" ]] || { echo "example: $aotc not built yet"; exit 0; }
set -x
"$aotc" check "$fixtures/mlp/model.pt2"
"$aotc" inspect "$fixtures/mlp/model.pt2"
