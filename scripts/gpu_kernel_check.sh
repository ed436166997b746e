#!/usr/bin/env bash
# Runs aotc's CUDA kernel check (tests/kernels_cuda/kernel_check.cpp) on a GPU
# machine: every kernel template instantiation is NVRTC-compiled for the GPU,
# checked against a float64 CPU reference and timed. Prints a table; writes the
# full log and a CSV under $OUT (or ./gpu_kernel_check_out).
#
#   scripts/gpu_kernel_check.sh [--quick] [--filter SUBSTR] [--no-time]
#
# The binary is the one built here (build/tests/kernels_cuda/) or one carried
# beside this script; it needs only libnvrtc.so.13 and the driver. If no
# binary runs (or AOTC_CHECK_FROM_SOURCE=1), the script builds the check from
# source with g++ (needs the CUDA toolkit headers and cmake, nothing else of
# aotc's dependencies; about a minute).
# Exit code: the check's (0 pass, 1 failure, 77 no GPU).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${OUT:-$PWD/gpu_kernel_check_out}
mkdir -p "$out"
log="$out/kernel_check.log"

# NVRTC: the toolkit's, else the one pip's nvidia-cuda-nvrtc wheel brings.
libdirs=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda/lib)
for d in "${libdirs[@]}"; do [[ -e "$d/libnvrtc.so.13" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; done
if ! ldconfig -p 2>/dev/null | grep -q libnvrtc.so.13 && [[ -z "${LD_LIBRARY_PATH:-}" ]]; then
  wheel=$(find / -name libnvrtc.so.13 -path '*nvidia*' 2>/dev/null | head -1)
  [[ -n "$wheel" ]] && export LD_LIBRARY_PATH="$(dirname "$wheel")"
fi

{
  echo "== $(date -u +%FT%TZ) aotc gpu kernel check on $(hostname)"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv 2>&1 || true
} | tee "$log"

candidates=("$here/aotc_cuda_kernel_check" "$root/build/tests/kernels_cuda/aotc_cuda_kernel_check")
bin=""
# AOTC_CHECK_FROM_SOURCE=1 skips the prebuilt binaries.
[[ -n "${AOTC_CHECK_FROM_SOURCE:-}" ]] && candidates=()
for c in "${candidates[@]}"; do
  [[ -x "$c" ]] || continue
  "$c" --help >/dev/null 2>&1
  code=$?
  # --help is answered with usage (2) before the driver is touched; 127 = missing library.
  if ((code <= 2)); then bin="$c"; break; fi
  echo "$c does not start here (exit $code)" | tee -a "$log"
done

if [[ -z "$bin" ]]; then
  echo "no runnable prebuilt binary; building the check from source" | tee -a "$log"
  src="$root/tests/kernels_cuda"
  gen="$out/build"
  mkdir -p "$gen"
  files=""
  for f in "$root"/codegen/templates/cuda/*.cuh; do files="$files;templates/cuda/$(basename "$f")"; done
  cmake -DOUT_CPP="$gen/CudaTemplates.cpp" -DOUT_H="$gen/CudaTemplates.h" -DNAMESPACE=aotc::cuda_templates \
    -DBASE="$root/codegen" "-DFILES=${files#;}" -P "$root/cmake/AotcEmbedScript.cmake" >>"$log" 2>&1
  cuda_inc=/usr/local/cuda/include
  nvrtc_dir=$(dirname "$(find /usr/local/cuda/ -name 'libnvrtc.so*' 2>/dev/null | head -1)")
  if ! g++ -std=c++20 -O2 -o "$gen/aotc_cuda_kernel_check" "$src"/kernel_check.cpp "$src"/Check*.cpp \
      "$src/KernelSources.cpp" "$src/NvrtcCompile.cpp" "$gen/CudaTemplates.cpp" -I"$src" -I"$gen" -I"$cuda_inc" -L"$nvrtc_dir" \
      -Wl,-rpath,"$nvrtc_dir" -l:libnvrtc.so.13 -ldl -pthread >>"$log" 2>&1; then
    echo "build from source failed; see $log" | tee -a "$log"
    exit 1
  fi
  bin="$gen/aotc_cuda_kernel_check"
fi

echo "binary: $bin" | tee -a "$log"
"$bin" --csv "$out/kernel_check.csv" "$@" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
echo "exit code $rc; log $log, csv $out/kernel_check.csv" | tee -a "$log"
exit "$rc"
