#!/usr/bin/env bash
# Installs aotc's build dependencies (Debian 12 packages), builds aotc into
# ./build, and compiles and runs a real example so you see it work.
#
#   ./scripts/setup.sh            # install deps, build, run the example
#   AOTC_SKIP_APT=1 ./scripts/setup.sh   # deps already installed
#   AOTC_BUILD_DIR=out ./scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${AOTC_BUILD_DIR:-build}
packages=(build-essential cmake ninja-build pkg-config nlohmann-json3-dev libzip-dev libcli11-dev libfmt-dev catch2)

if [[ -z "${AOTC_SKIP_APT:-}" ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "aotc setup: installing ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAOTC_WERROR=ON
cmake --build "$build_dir" --parallel "$(nproc)"

./scripts/example.sh "$build_dir"
