#!/usr/bin/env bash
# Builds the folder that travels to the GPU machine (see docs/gpu-validation.md):
# stripped aotc binaries and support libraries, the shared libraries the GPU
# machine lacks (libzip, fmt), every fixture compiled here for sm_90 with the
# fixtures' reference cases, and checksums of the fixtures so that the GPU
# machine can confirm its own re-export matches them.
#
#   scripts/gpu/prepare.sh [BUILD_DIR] [CARRY_DIR]     (default build, .carry/gpu)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
carry=${2:-.carry/gpu}
fixtures=${AOTC_FIXTURES:-../shared/fixtures}
grep -qx '/.carry/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo '/.carry/' >> .git/info/exclude; }
rm -rf "$carry"
mkdir -p "$carry"/{bin,lib/aotc,pkg,cases}
for b in tools/aotc tools/aotc_npy_compare tests/e2e/aotc_e2e_gpu_tests; do
  strip -o "$carry/bin/$(basename $b)" "$build/$b"
done
strip -o "$carry/lib/libaotc_runtime.so.0" "$build/runtime/libaotc_runtime.so.0"
cp -L /lib/x86_64-linux-gnu/libzip.so.4 /lib/x86_64-linux-gnu/libfmt.so.9 "$carry/lib/"
strip --strip-debug -o "$carry/lib/aotc/libaotc_model_rt.a" "$build/runtime/libaotc_model_rt.a"
strip --strip-debug -o "$carry/lib/aotc/libaotc_cpu_kernels.a" "$build/runtime/model/cpu/libaotc_cpu_kernels.a"
cp runtime/model/aotc_model.map "$carry/lib/aotc/"
cp "$fixtures/export_fixtures.py" "$carry/"
export AOTC_CACHE_DIR="$carry/.cache-unused"
for f in "$fixtures"/*/; do
  name=$(basename "$f")
  [ -f "$f/model.pt2" ] || continue
  mkdir -p "$carry/cases/$name"
  cp -r "$f"/case_* "$f/info.json" "$carry/cases/$name/"
  (cd "$f" && sha256sum model.json case_*/*.npy) > "$carry/cases/$name/SHA256SUMS"
  if [ "$name" != resnet18 ] || [ "${AOTC_CARRY_RESNET:-1}" = 1 ]; then
    "$carry/bin/aotc" compile "$f/model.pt2" -o "$carry/pkg/$name.cuda.pt2" --target cuda --arch sm_90 2>&1 | tail -1
  fi
done
rm -rf "$AOTC_CACHE_DIR"
# The carry is limited to 64 MiB: large packages travel gzipped (session.sh unpacks).
for p in "$carry"/pkg/*.pt2; do
  [ "$(stat -c %s "$p")" -gt 20000000 ] && gzip -6 "$p"
done
du -sh "$carry" "$carry"/*
