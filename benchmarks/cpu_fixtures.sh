#!/usr/bin/env bash
# CPU benchmark of every fixture (docs/benchmarks.md): cold compile time,
# package size, load time, first run and median per-call latency of the
# package through aotc's runtime, against the reference evaluator's per-call
# time on the same inputs (case 0).
#
#   benchmarks/cpu_fixtures.sh [BUILD_DIR] [FIXTURES]      (default build, ../shared/fixtures)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
fixtures=${2:-../shared/fixtures}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export AOTC_CACHE_DIR="$work/cache"
echo "| fixture (case 0) | compile s | package MB | load ms | first run ms | median ms | evaluator ms | evaluator / aotc |"
echo "|---|---|---|---|---|---|---|---|"
for dir in "$fixtures"/*/; do
  m=$(basename "$dir")
  [ -f "$dir/model.pt2" ] || continue
  rm -rf "$AOTC_CACHE_DIR"
  start=$(date +%s.%N)
  "$build/tools/aotc" compile "$dir/model.pt2" -o "$work/$m.pt2" > /dev/null
  compile_s=$(echo "$(date +%s.%N) - $start" | bc)
  ins=()
  for i in "$dir"/case_0/input_*.npy; do ins+=("$i"); done
  bench=$("$build/tools/aotc" bench "$work/$m.pt2" $(printf -- '--input %s ' "${ins[@]}") --json --iters 50 --warmup 5)
  ev=$("$build/tools/aotc_eval_bench" "$dir/model.pt2" "${ins[@]}" --iters 3)
  python3 - "$m" "$compile_s" "$(stat -c %s "$work/$m.pt2")" "$bench" "$ev" <<'PY'
import json, sys
m, c, size, b, e = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(f"| {m} | {c:.2f} | {size / 1e6:.2f} | {b['load_ms']:.1f} | {b['first_run_ms']:.3f} | {b['median_ms']:.4f} "
      f"| {e['median_ms']:.2f} | {e['median_ms'] / b['median_ms']:.0f}x |")
PY
done
