#!/usr/bin/env bash
# The example the README's first command ends with: compile a real exported
# model (the shared MLP fixture, a torch.export.save archive) for the CPU,
# run the package through aotc's runtime, and compare with PyTorch's output.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
fixtures=${AOTC_FIXTURES:-../shared/fixtures}
aotc="$build_dir/tools/aotc"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== aotc check / inspect"
"$aotc" check "$fixtures/mlp/model.pt2"
"$aotc" inspect "$fixtures/mlp/model.pt2"
echo "== aotc compile (cpu)"
"$aotc" compile "$fixtures/mlp/model.pt2" -o "$out/mlp.aotc.pt2" -v
echo "== aotc run"
"$aotc" run "$out/mlp.aotc.pt2" --input "$fixtures/mlp/case_0/input_0.npy" --output-dir "$out"
"$build_dir/tools/aotc_npy_compare" "$out/output_0.npy" "$fixtures/mlp/case_0/output_0.npy" 1e-4
echo "== aotc bench"
"$aotc" bench "$out/mlp.aotc.pt2" --shape x=8x10 --iters 200
