#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, with the folder that
# scripts/gpu/prepare.sh made (default .carry/gpu). Stages, each logged under
# $OUT, with a one-line result per stage in $OUT/summary.txt:
#   fixtures  re-export the shared fixtures here (export_fixtures.py) and
#             compare their checksums with the carried ones
#   cudnn     where a model library finds cuDNN by itself (AOTC_VERBOSE=1, with
#             AOTC_CUDNN_MIN_FLOPS=0: float32 convolutions use it on request); if
#             it does not, AOTC_CUDNN is set to PyTorch's copy for what follows
#   run       every carried sm_90 package (compiled on the GPU-less machine)
#             through `aotc run` on every stored case, against the references;
#             the convolution models also with AOTC_CUDNN=0 (aotc's kernels only)
#             and AOTC_CUDNN_MIN_FLOPS=0 (cuDNN for every convolution)
#   e2e       the GPU end-to-end tests (compile here, run, evaluator ranges),
#             then again with AOTC_CUDNN_MIN_FLOPS=0
#   torch     tests/torch/check_torch_loader.py (aoti_load_package, no LD_PRELOAD)
#   cpp       examples/aoti_loader built with PyTorch's CMake package, run on
#             aotc's CPU and CUDA packages
#   tune      `aotc compile --autotune` of every fixture here (one tuning cache,
#             $OUT/tuning-h200.json), the tuned packages through `aotc run` on
#             every stored case, the same with --tune-for graph, and `aotc
#             bench` of both against the carried heuristic-only package
#   lt        every GEMM through cuBLASLt (a copy of the tune stage's cache
#             that picks it everywhere): aotc run on every stored case, with
#             cuBLASLt and with AOTC_CUBLASLT=0, and `aotc bench` against the
#             heuristic; the GPU end-to-end tests and check_torch_loader.py
#             (inside PyTorch) with it; then --allow-tf32
#             packages of mlp and gpt_block against the references, and tuned
#   conv      the convolution kernels at ResNet-18 batch 2 and 32: aotc's
#             columns of compare_aoti.py (--skip-aoti: latency and error
#             against eager PyTorch, both batches), then `aotc compile
#             --autotune` of the batch-32 program into the tune stage's cache
#             (every tile size and cuDNN measured per convolution)
#   tune32    ResNet-18 at batch 32 (the program the bench or conv stage
#             exported): `aotc compile --autotune`, then `aotc bench` of the
#             heuristic's and the tuned package, eager and with graphs
#   load      where load + first call time goes (benchmarks/load_profile.py,
#             AOTC_VERBOSE=1) for ResNet-18 at batch 32 through PyTorch's
#             loader, with and without cuDNN, and cold through `aotc bench`;
#             the AOTInductor package too when the bench stage made one
#   rtload    `aotc bench` (own runtime) on every carried package
#   prof      where the time goes in one model (PROF_MODEL, default gpt_block)
#             at PROF_SHAPES: aotc bench with and without graphs, AOTC_PDL=0
#             and 1, and each kernel's GPU time under ncu (PROF_NCU=0: not)
#   bench     benchmarks/compare_aoti.py
#
#   scripts/gpu/session.sh [STAGES...]     (default: all, in that order)
set -uo pipefail
C=${CARRY:-.carry/gpu}
C=$(cd "$C" && pwd)
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$C/lib:${LD_LIBRARY_PATH:-}"
export PATH="$C/bin:$PATH"
export AOTC_CACHE_DIR=/tmp/aotc-cache
W=/tmp/aotc-gpu
mkdir -p "$W"
FX=/tmp/fixtures/shared
stages=${*:-fixtures cudnn run e2e torch cpp tune lt rtload bench}
summary() { echo "$*" | tee -a "$OUT/summary.txt"; }
for z in "$C"/pkg/*.pt2.gz; do [ -f "$z" ] && gunzip -f "$z"; done
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
tolerance() { [ "$1" = silu_mlp_bf16 ] && echo 2e-2 || echo 1e-4; }
# run_case PKG CASE_DIR LOG LABEL [VAR=VALUE...]: `aotc run` of PKG on the
# case's inputs (with those variables set), every output against the case's
# references at the fixture's tolerance, a line each in LOG; 0 when all match.
run_case() {
  local pkg=$1 case=$2 log=$3 label=$4; shift 4
  local ins=() ok=0 r line
  for i in "$case"/input_*.npy; do ins+=(--input "$i"); done
  rm -rf "$W/run-out"; mkdir -p "$W/run-out"
  if env "$@" aotc run "$pkg" "${ins[@]}" --output-dir "$W/run-out" >> "$log" 2>&1; then
    for r in "$case"/output_*.npy; do
      line=$(aotc_npy_compare "$W/run-out/$(basename "$r")" "$r" "$(tolerance "${label%%/*}")" 2>&1) || ok=1
      echo "$label $(basename "$case") $(basename "$r"): $line" >> "$log"
    done
  else
    ok=1; echo "$label $(basename "$case"): aotc run failed" >> "$log"
  fi
  return $ok
}
# median_us PKG ARGS...: median microseconds per call of `aotc bench PKG ARGS...`.
median_us() {
  aotc bench "$@" --json --iters 300 2>&1 | tail -1 |
    python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["median_ms"]*1000))' 2>/dev/null
}
summary "== $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1); $(python3 -c 'import torch;print("torch",torch.__version__)' 2>/dev/null)"

for stage in $stages; do
case $stage in
fixtures)
  (cd "$W" && OUT="$W/export-out" timeout 300 python3 "$C/export_fixtures.py") > "$OUT/fixtures.log" 2>&1
  same=0; differ=""
  for d in "$C"/cases/*/; do
    n=$(basename "$d")
    if (cd "$FX/$n" 2>/dev/null && sha256sum --quiet -c "$d/SHA256SUMS") >> "$OUT/fixtures.log" 2>&1; then
      same=$((same + 1)); else differ="$differ $n"; fi
  done
  summary "fixtures: re-exported here; $same identical to ../shared/fixtures (model.json and case files); differ:${differ:- none} [$(elapsed) s]"
  ;;
cudnn)
  pkg="$C/pkg/small_cnn.cuda.pt2"
  ins=(); for i in "$C"/cases/small_cnn/case_0/input_*.npy; do ins+=(--input "$i"); done
  found=$(env -u AOTC_CUDNN AOTC_VERBOSE=1 AOTC_CUDNN_MIN_FLOPS=0 aotc run "$pkg" "${ins[@]}" --output-dir "$W/cudnn-out" 2>&1 | grep "aotc: cuDNN" | head -1)
  summary "cudnn: on its own: ${found:-no report} [$(elapsed) s]"
  if ! echo "$found" | grep -q "(cuDNN 9"; then
    export AOTC_CUDNN=$(python3 -c 'import nvidia.cudnn as c; print(list(c.__path__)[0] + "/lib")' 2>/dev/null)
    summary "    AOTC_CUDNN=$AOTC_CUDNN for the stages after this one"
  fi
  ;;
run)
  pass=0; fail=0
  for pkg in "$C"/pkg/*.cuda.pt2; do
    n=$(basename "$pkg" .cuda.pt2)
    modes=(default); case $n in small_cnn|resnet18) modes=(default own cudnn);; esac
    for mode in "${modes[@]}"; do
    for case in "$C"/cases/$n/case_*; do
      cudnn_env=(); [ $mode = own ] && cudnn_env=(AOTC_CUDNN=0); [ $mode = cudnn ] && cudnn_env=(AOTC_CUDNN_MIN_FLOPS=0)
      if run_case "$pkg" "$case" "$OUT/run.log" "$n/$mode" "${cudnn_env[@]}"; then
        pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    done
  done
  summary "run: sm_90 packages compiled without a GPU, aotc run on every stored case: $pass passed, $fail failed [$(elapsed) s]"
  grep -E "relative|FAIL|failed" "$OUT/run.log" | sed 's/^/    /' | head -20 >> "$OUT/summary.txt"
  ;;
e2e)
  AOTC_FIXTURES_DIR=$FX timeout 400 aotc_e2e_gpu_tests --durations yes > "$OUT/e2e.log" 2>&1
  rc=$?
  summary "e2e: aotc_e2e_gpu_tests exit $rc; $(grep -E 'test cases|assertions' "$OUT/e2e.log" | tail -1) [$(elapsed) s]"
  grep -E "^gpu " "$OUT/e2e.log" | sed 's/^/    /' >> "$OUT/summary.txt"
  # Again with every convolution through cuDNN (the default sends small ones to aotc's kernels).
  AOTC_CUDNN_MIN_FLOPS=0 AOTC_FIXTURES_DIR=$FX timeout 400 aotc_e2e_gpu_tests --durations yes > "$OUT/e2e-cudnn.log" 2>&1
  rc=$?
  summary "e2e (AOTC_CUDNN_MIN_FLOPS=0): exit $rc; $(grep -E 'test cases|assertions' "$OUT/e2e-cudnn.log" | tail -1) [$(elapsed) s]"
  ;;
torch)
  timeout 400 python3 tests/torch/check_torch_loader.py --aotc "$C/bin/aotc" --fixtures "$FX" --work "$W/torch" > "$OUT/torch.log" 2>&1
  rc=$?
  summary "torch: check_torch_loader.py exit $rc (no LD_PRELOAD); $(grep -c '^PASS' "$OUT/torch.log") PASS, $(grep -c '^FAIL' "$OUT/torch.log") FAIL [$(elapsed) s]"
  grep -E "^FAIL|raised|Segmentation|Abort" "$OUT/torch.log" | sed 's/^/    /' | head -20 >> "$OUT/summary.txt"
  ;;
cpp)
  {
    prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
    timeout 300 cmake -S examples/aoti_loader -B "$W/build-aoti" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
      && timeout 300 cmake --build "$W/build-aoti" -j 16
  } > "$OUT/cpp.log" 2>&1
  if [ -x "$W/build-aoti/aoti_run" ]; then
    res=""
    for t in cpu cuda; do
      for n in mlp gpt_block; do
        pkg="$W/cpp-$n.$t.pt2"
        extra=(); [ $t = cuda ] && extra=(--arch sm_90)
        aotc compile "$FX/$n/model.pt2" -o "$pkg" --target $t "${extra[@]}" >> "$OUT/cpp.log" 2>&1
        for case in "$FX/$n"/case_*; do
          if "$W/build-aoti/aoti_run" "$pkg" --device $t --input "$case/input_0.npy" --expect "$case/output_0.npy" >> "$OUT/cpp.log" 2>&1; then
            res="$res $n/$t/$(basename $case):ok"; else res="$res $n/$t/$(basename $case):FAIL"; fi
        done
      done
    done
    summary "cpp: AOTIModelPackageLoader in C++ on aotc packages:$res [$(elapsed) s]"
  else
    summary "cpp: examples/aoti_loader did not build (see cpp.log) [$(elapsed) s]"
    tail -5 "$OUT/cpp.log" | sed 's/^/    /' >> "$OUT/summary.txt"
  fi
  ;;
tune)
  cache="$OUT/tuning-h200.json"; pass=0; fail=0
  for pkg in "$C"/pkg/*.cuda.pt2; do
    n=$(basename "$pkg" .cuda.pt2)
    tuned="$W/tuned-$n.pt2"
    t0=$(date +%s)
    if ! aotc compile "$FX/$n/model.pt2" -o "$tuned" --target cuda --arch sm_90 --autotune --tuning-cache "$cache" \
        > "$OUT/tune-$n.log" 2>&1; then
      summary "tune: $n: aotc compile --autotune failed"; tail -5 "$OUT/tune-$n.log" | sed 's/^/    /' >> "$OUT/summary.txt"; continue
    fi
    summary "tune: $n: $(grep 'autotune: .* measured' "$OUT/tune-$n.log" | sed 's/^aotc: autotune: //') (wall $(( $(date +%s) - t0 )) s)"
    grep -E '^aotc:   ' "$OUT/tune-$n.log" | sed 's/^aotc:/   /' >> "$OUT/summary.txt"
    # The same cache, picks for CUDA graph replay (--tune-for graph, no new measurement).
    tuned_graph="$W/tuned-graph-$n.pt2"
    aotc compile "$FX/$n/model.pt2" -o "$tuned_graph" --target cuda --arch sm_90 --tuning-cache "$cache" \
      --tune-for graph >> "$OUT/tune-$n.log" 2>&1 || summary "tune: $n: compile --tune-for graph failed"
    # Against the references exported with the program it compiled ($FX).
    for pkg_t in "$tuned" "$tuned_graph"; do
    for case in "$FX"/$n/case_*; do
      if run_case "$pkg_t" "$case" "$OUT/tune-run.log" "$n/$(basename "$pkg_t" .pt2)"; then
        pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    done
    ins=(); for i in "$C"/cases/$n/case_0/input_*.npy; do ins+=(--input "$i"); done
    for g in --no-cuda-graph --cuda-graph; do
      h=$(median_us "$pkg" "${ins[@]}" $g)
      t=$(median_us "$tuned" "${ins[@]}" $g)
      tg=$(median_us "$tuned_graph" "${ins[@]}" $g)
      summary "    bench $n case_0 ${g:-eager}: heuristic $h us, tuned $t us, tuned for graphs $tg us"
    done
  done
  summary "    re-exported resnet18 case_0 reference against the shared one: $(aotc_npy_compare "$FX/resnet18/case_0/output_0.npy" "$C/cases/resnet18/case_0/output_0.npy" 1e-4 2>&1)"
  summary "tune: tuned packages through aotc run on every stored case: $pass passed, $fail failed; cache $(grep -c '"key"' "$cache" 2>/dev/null) entries [$(elapsed) s]"
  grep -E "relative|FAIL|failed" "$OUT/tune-run.log" | sed 's/^/    /' | head -30 >> "$OUT/summary.txt"
  ;;
lt)
  # cuBLASLt for every GEMM: a copy of the tune stage's cache in which every
  # GEMM entry with a cuBLASLt time picks it; each fixture compiled with it,
  # run on every stored case with cuBLASLt and with AOTC_CUBLASLT=0 (aotc's
  # kernels, the fallback), and benchmarked against the heuristic's package.
  cache="$OUT/tuning-h200.json"; forced="$W/forced-cublaslt.json"
  [ -f "$cache" ] || cp benchmarks/tuning/h200.json "$cache"  # without the tune stage: the committed cache
  python3 - "$cache" "$forced" > "$OUT/lt.log" 2>&1 <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); n = 0
for e in c["entries"]:
    if e["key"].startswith("gemm") and "cublaslt" in e.get("times_us", {}):
        e["choice"] = "cublaslt"; n += 1
json.dump(c, open(sys.argv[2], "w"), indent=1)
print("forced entries:", n)
PY
  summary "lt: $(tail -1 "$OUT/lt.log") [$(elapsed) s]"
  pass=0; fail=0
  for pkg in "$C"/pkg/*.cuda.pt2; do
    n=$(basename "$pkg" .cuda.pt2)
    lt="$W/lt-$n.pt2"
    aotc compile "$FX/$n/model.pt2" -o "$lt" --target cuda --arch sm_90 --tuning-cache "$forced" >> "$OUT/lt.log" 2>&1 \
      || { summary "lt: $n: compile failed"; continue; }
    nlt=$(aotc inspect "$lt" 2>/dev/null | grep -c "cublaslt |")
    for mode in lt own; do
    for case in "$FX"/$n/case_*; do
      lt_env=(AOTC_VERBOSE=1); [ $mode = own ] && lt_env=(AOTC_CUBLASLT=0)
      if run_case "$lt" "$case" "$OUT/lt-run.log" "$n/$mode" "${lt_env[@]}"; then
        pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    done
    ins=(); for i in "$C"/cases/$n/case_0/input_*.npy; do ins+=(--input "$i"); done
    for g in --no-cuda-graph --cuda-graph; do
      h=$(median_us "$pkg" "${ins[@]}" $g)
      t=$(median_us "$lt" "${ins[@]}" $g)
      summary "    bench $n case_0 ${g:-eager}: heuristic $h us, every GEMM through cuBLASLt ($nlt nodes) $t us"
    done
  done
  summary "    $(grep -m1 'aotc: cuBLASLt' "$OUT/lt-run.log")"
  summary "lt: every GEMM through cuBLASLt, aotc run on every stored case (with it, and AOTC_CUBLASLT=0): $pass passed, $fail failed [$(elapsed) s]"
  grep -E "relative|FAIL|failed" "$OUT/lt-run.log" | sed 's/^/    /' | head -20 >> "$OUT/summary.txt"
  # The GPU end-to-end tests (every fixture across its dynamic ranges against
  # the evaluator) with every GEMM through cuBLASLt.
  AOTC_E2E_TUNING_CACHE=$forced AOTC_FIXTURES_DIR=$FX timeout 400 aotc_e2e_gpu_tests --durations yes > "$OUT/e2e-lt.log" 2>&1
  rc=$?
  summary "lt: aotc_e2e_gpu_tests with every GEMM through cuBLASLt: exit $rc; $(grep -E 'test cases|assertions' "$OUT/e2e-lt.log" | tail -1) [$(elapsed) s]"
  grep -E "^gpu " "$OUT/e2e-lt.log" | sed 's/^/    /' >> "$OUT/summary.txt"
  # Inside PyTorch (aoti_load_package), where cuBLASLt is PyTorch's own copy.
  mkdir -p "$W/lt-pkgs"
  for p in "$W"/lt-*.pt2; do n=$(basename "$p" .pt2); cp "$p" "$W/lt-pkgs/${n#lt-}.cuda.pt2"; done
  AOTC_VERBOSE=1 timeout 300 python3 tests/torch/check_torch_loader.py --aotc "$C/bin/aotc" --fixtures "$FX" \
    --packages "$W/lt-pkgs" --targets cuda --work "$W/torch-lt" > "$OUT/torch-lt.log" 2>&1
  rc=$?
  summary "lt: check_torch_loader.py on the cuBLASLt packages: exit $rc; $(grep -c '^PASS' "$OUT/torch-lt.log") PASS, $(grep -c '^FAIL' "$OUT/torch-lt.log") FAIL; $(grep -m1 'aotc: cuBLASLt' "$OUT/torch-lt.log") [$(elapsed) s]"
  grep -E "^FAIL|raised|Segmentation|Abort" "$OUT/torch-lt.log" | sed 's/^/    /' | head -20 >> "$OUT/summary.txt"
  # TF32 (--allow-tf32; the heuristic calls cuBLASLt from 1e6 FLOPs): against
  # the references at 1e-3, then tuned against the heuristic.
  for n in mlp gpt_block; do
    aotc compile "$FX/$n/model.pt2" -o "$W/tf32-$n.pt2" --target cuda --arch sm_90 --allow-tf32 >> "$OUT/lt.log" 2>&1
    res=""
    for case in "$FX"/$n/case_*; do
      ins=(); for i in "$case"/input_*.npy; do ins+=(--input "$i"); done
      rm -rf "$W/run-out"; mkdir -p "$W/run-out"
      aotc run "$W/tf32-$n.pt2" "${ins[@]}" --output-dir "$W/run-out" >> "$OUT/lt-run.log" 2>&1
      res="$res $(basename "$case"): $(aotc_npy_compare "$W/run-out/output_0.npy" "$case/output_0.npy" 1e-3 2>&1);"
    done
    summary "    tf32 $n (heuristic):$res"
  done
  for n in mlp gpt_block; do
    aotc compile "$FX/$n/model.pt2" -o "$W/tf32-$n.pt2" --target cuda --arch sm_90 --allow-tf32 >> "$OUT/lt.log" 2>&1
    aotc compile "$FX/$n/model.pt2" -o "$W/tf32-tuned-$n.pt2" --target cuda --arch sm_90 --allow-tf32 --autotune \
      --tuning-cache "$cache" > "$OUT/tune-tf32-$n.log" 2>&1 || summary "lt: $n tf32 autotune failed"
    grep -E '^aotc:   ' "$OUT/tune-tf32-$n.log" | sed 's/^aotc:/   /' >> "$OUT/summary.txt"
    ins=(); for i in "$C"/cases/$n/case_0/input_*.npy; do ins+=(--input "$i"); done
    for g in --no-cuda-graph --cuda-graph; do
      h=$(median_us "$W/tf32-$n.pt2" "${ins[@]}" $g)
      t=$(median_us "$W/tf32-tuned-$n.pt2" "${ins[@]}" $g)
      summary "    bench $n tf32 case_0 ${g:-eager}: heuristic $h us, tuned $t us"
    done
  done
  ;;
conv)
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libstdc++.so.6 timeout 300 python3 benchmarks/compare_aoti.py --skip-aoti \
    --models resnet18,small_cnn --aotc "$C/bin/aotc" --fixtures "$FX" --work "$W/conv" --json "$OUT/conv-bench.json" \
    > "$OUT/conv-bench.log" 2>&1
  summary "conv: compare_aoti.py --skip-aoti resnet18,small_cnn: exit $? [$(elapsed) s]"
  sed -n '/^GPU:/,$p' "$OUT/conv-bench.log" >> "$OUT/summary.txt"
  b32="$W/conv/resnet18_b32.export.pt2"
  if [ -f "$b32" ]; then
    aotc compile "$b32" -o "$W/tuned-resnet18-b32.pt2" --target cuda --arch sm_90 --autotune \
      --tuning-cache "$OUT/tuning-h200.json" > "$OUT/tune-resnet18-b32.log" 2>&1
    summary "conv: resnet18 batch 32: $(grep 'autotune: .* measured' "$OUT/tune-resnet18-b32.log" | sed 's/^aotc: autotune: //') [$(elapsed) s]"
    grep -E '^aotc:   ' "$OUT/tune-resnet18-b32.log" | sed 's/^aotc:/   /' >> "$OUT/summary.txt"
  fi
  ;;
tune32)
  src=""; for d in bench conv; do [ -f "$W/$d/resnet18_b32.export.pt2" ] && src="$W/$d" && break; done
  if [ -z "$src" ]; then summary "tune32: no batch-32 export (run the bench or conv stage first)"; continue; fi
  aotc compile "$src/resnet18_b32.export.pt2" -o "$W/tuned32.pt2" --target cuda --arch sm_90 --autotune \
    --tuning-cache "$OUT/tuning-b32.json" > "$OUT/tune32.log" 2>&1
  summary "tune32: $(grep 'autotune: .* measured' "$OUT/tune32.log" | sed 's/^aotc: autotune: //') [$(elapsed) s]"
  for g in --no-cuda-graph --cuda-graph; do
    h=$(median_us "$src/resnet18_b32.aotc.pt2" --shape 32x3x224x224 $g); t=$(median_us "$W/tuned32.pt2" --shape 32x3x224x224 $g)
    summary "    bench resnet18 batch 32 ${g:-eager}: heuristic $h us, tuned $t us"
  done
  ;;
load)
  b32="$W/conv/resnet18_b32.aotc.pt2"
  if [ ! -f "$b32" ]; then
    timeout 300 python3 benchmarks/compare_aoti.py --skip-aoti --models resnet18 --aotc "$C/bin/aotc" --fixtures "$FX" \
      --work "$W/conv" --iters 20 > "$OUT/load-prepare.log" 2>&1
  fi
  {
    for cudnn in default 0; do
      echo "== through PyTorch's loader, AOTC_CUDNN=$cudnn"
      env $([ $cudnn = 0 ] && echo AOTC_CUDNN=0) AOTC_VERBOSE=1 python3 benchmarks/load_profile.py "$b32" \
        --shape 32,3,224,224 --loads 3 2>&1
      echo "== aotc bench (a fresh process), AOTC_CUDNN=$cudnn"
      env $([ $cudnn = 0 ] && echo AOTC_CUDNN=0) AOTC_VERBOSE=1 aotc bench "$b32" --shape 32x3x224x224 --json --iters 20 2>&1
    done
    aoti="$W/bench/resnet18_b32.aoti.pt2"
    if [ -f "$aoti" ]; then
      echo "== AOTInductor through PyTorch's loader"
      LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libstdc++.so.6 python3 benchmarks/load_profile.py "$aoti" \
        --shape 32,3,224,224 --loads 3 2>&1
    fi
  } > "$OUT/load.log" 2>&1
  summary "load: resnet18 batch 32 [$(elapsed) s]"
  grep -vE "^aotc: cuDNN plan" "$OUT/load.log" | sed 's/^/    /' >> "$OUT/summary.txt"
  ;;
rtload)
  # aotc's runtime on each carried package: load and first run with the CUDA
  # context created beforehand, per-call latency with and without graphs.
  for pkg in "$C"/pkg/*.cuda.pt2; do
    n=$(basename "$pkg" .cuda.pt2)
    ins=(); for i in "$C"/cases/$n/case_0/input_*.npy; do ins+=(--input "$i"); done
    for g in --no-cuda-graph --cuda-graph; do
      echo "$n $g $(aotc bench "$pkg" "${ins[@]}" --json --iters 300 $g 2>&1 | tail -1)" >> "$OUT/rtload.log"
      case $n in small_cnn|resnet18)
        echo "$n $g AOTC_CUDNN=0 $(AOTC_CUDNN=0 aotc bench "$pkg" "${ins[@]}" --json --iters 300 $g 2>&1 | tail -1)" >> "$OUT/rtload.log"
        echo "$n $g AOTC_CUDNN_MIN_FLOPS=0 $(AOTC_CUDNN_MIN_FLOPS=0 aotc bench "$pkg" "${ins[@]}" --json --iters 300 $g 2>&1 | tail -1)" >> "$OUT/rtload.log";;
      esac
    done
  done
  summary "rtload: aotc bench on every carried package [$(elapsed) s]"
  sed 's/^/    /' "$OUT/rtload.log" >> "$OUT/summary.txt"
  ;;
prof)
  # Where the time goes in ${PROF_MODEL:-gpt_block} at each of PROF_SHAPES
  # (input shapes, space separated; default its three sequence lengths):
  # `aotc bench` with and without CUDA graphs and with AOTC_PDL=0 and on,
  # then every kernel's GPU time under ncu (clocks not locked).
  n=${PROF_MODEL:-gpt_block}; pkg="$C/pkg/$n.cuda.pt2"
  shapes=${PROF_SHAPES:-1x16x256 1x77x256 1x512x256}
  for sh in $shapes; do
    line="$n $sh:"
    for pdl in 0 1; do
      for g in --no-cuda-graph --cuda-graph; do
        line="$line pdl=$pdl$([ $g = --cuda-graph ] && echo ,graph || echo ,eager) $(AOTC_PDL=$pdl median_us "$pkg" --shape "$sh" $g) us;"
      done
    done
    summary "prof: $line"
    for pdl in 0 1; do
      [ "${PROF_NCU:-1}" = 1 ] || continue
      AOTC_PDL=$pdl timeout 120 /usr/local/cuda/bin/ncu --clock-control none --metrics gpu__time_duration.sum \
        aotc bench "$pkg" --shape "$sh" --iters 1 --warmup 2 --no-cuda-graph > "$OUT/ncu-$n-$sh-pdl$pdl.log" 2>&1
      python3 - "$OUT/ncu-$n-$sh-pdl$pdl.log" <<'PY' >> "$OUT/summary.txt"
import re, sys
rows, name = [], None
for line in open(sys.argv[1]):
    m = re.match(r"\s+(\w+)\s*\(\d+, \d+, \d+\)x\(\d+, \d+, \d+\)", line)
    if m: name = m.group(1)
    m = re.search(r"gpu__time_duration.sum\s+(\S+)\s+([\d.,]+)", line)
    if m and name:
        v = float(m.group(2).replace(",", "")); v = v / 1000 if m.group(1).startswith("n") else v * 1000 if m.group(1).startswith("m") else v
        rows.append((name, v)); name = None
last = rows[-len(set(n for n, _ in rows)):] if rows else []  # the last call (kernel names are per node)
print("    ncu %s: %s; sum %.1f us" % (sys.argv[1].split("/")[-1], ", ".join("%s %.1f" % r for r in last), sum(v for _, v in last)))
PY
    done
  done
  ;;
bench)
  aoti_run=""; [ -x "$W/build-aoti/aoti_run" ] && aoti_run="--aoti-run $W/build-aoti/aoti_run"
  bt=$(( ${DEADLINE:-575} - $(elapsed) )); [ $bt -lt 30 ] && bt=30
  LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libstdc++.so.6 timeout $bt python3 benchmarks/compare_aoti.py \
    --aotc "$C/bin/aotc" --fixtures "$FX" --work "$W/bench" --json "$OUT/bench.json" $aoti_run ${BENCH_ARGS:-} > "$OUT/bench.log" 2>&1
  summary "bench: exit $? [$(elapsed) s]"
  sed -n '/^GPU:/,$p' "$OUT/bench.log" >> "$OUT/summary.txt"
  ;;
esac
done
summary "done in $(elapsed) s"
