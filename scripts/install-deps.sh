#!/usr/bin/env bash
# Installs bidsim's build and test dependencies on Debian 12. Idempotent: does
# nothing (and needs no network) when every package is already installed.
# Works as root or through sudo. Set BIDSIM_DEPS_EXTRA to add packages.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libgsl-dev libhdf5-dev hdf5-tools libcmocka-dev libfyaml-dev libpcg-cpp-dev
  libopenmpi-dev openmpi-bin
  python3 python3-h5py python3-matplotlib python3-numpy
  python3-xarray python3-pandas python3-yaml python3-pytest
  python3-h5netcdf python3-netcdf4 netcdf-bin
  python3-dev
  clang-14 libclang-rt-14-dev
)
# shellcheck disable=SC2206
PKGS+=(${BIDSIM_DEPS_EXTRA:-})

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
