#!/usr/bin/env bash
# Installs every Debian package the project needs; idempotent and quiet when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build ccache lld
  libsystemc-dev verilator llvm-16-dev llvm-16-tools libzstd-dev
  libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  libopenblas-dev libsqlite3-dev nlohmann-json3-dev yosys
  clang-16 libclang-rt-16-dev
  slurm-wlm munge pybind11-dev python3-dev python3-numpy python3-pytest
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
echo "setup: done"
