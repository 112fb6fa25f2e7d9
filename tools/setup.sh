#!/usr/bin/env bash
# Installs every Debian 12 package this project needs to build, test and run.
# Idempotent: when everything is present it only checks and exits in about a second.
# Usage: tools/setup.sh            (as root, or with sudo available)
set -euo pipefail

packages=(
  # Build system (Debian's Bazel 4.2.3 and the rule sets WORKSPACE points at).
  bazel-bootstrap bazel-rules-java bazel-platforms bazel-skylib
  build-essential pkg-config clang lld libclang-rt-14-dev
  # C++ formatting, checked by tools/test.sh (tools/check_format.sh, .clang-format).
  clang-format
  # Libraries linked by the tools.
  libtorch-dev libopencv-dev libdcmtk-dev libabsl-dev
  libprotobuf-dev protobuf-compiler libgtest-dev libgmock-dev
  nlohmann-json3-dev libcsv-dev libexpat1-dev libplplot-dev plplot-driver-cairo libdeflate-dev
  # JPEG 2000 DICOM (lib/dicom/j2k.h): DCMTK in Debian has no JPEG 2000 codec.
  libopenjp2-7-dev
  # Debian's LibTorch calls the system BLAS: OpenBLAS instead of the reference BLAS
  # makes the Dense 4096 head about 60x faster.
  libopenblas0-pthread libopenblas-pthread-dev
  # Data-parallel training: c10d's ProcessGroupGloo header includes gloo's.
  libgloo-dev
  # Independent references used by tests and benchmarks.
  dcmtk python3-torch python3-torchvision python3-sklearn python3-opencv
  python3-pydicom python3-numpy python3-pil
  # An independent JPEG 2000 DICOM decoder for tests/dicom_conformance (GDCM).
  python3-gdcm
  # score --html's page is checked in a real browser, headless (tools/score/html_chromium_test).
  chromium
  # Keras .h5 weights: the reader links libhdf5; the tests write .h5 files with h5py.
  libhdf5-dev
  python3-h5py
  # Pipelines and benchmarks.
  make time bc
  # bench/augment_bench against Augmentor itself (its source given by AUGMENTOR_SRC) needs
  # Augmentor's one dependency that the tests' references do not bring.
  python3-tqdm
  # The remote-cache check (tools/remote_cache_check.sh) serves a Bazel cache with nginx.
  nginx-light curl
  # Scale-out tests start a Slurm cluster on localhost (tests/slurm/).
  slurmd slurmctld slurm-client munge
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exec "$(dirname "${BASH_SOURCE[0]}")/setup_npm.sh"  # npm packages and converted models
fi

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
exec "$(dirname "${BASH_SOURCE[0]}")/setup_npm.sh"  # npm packages and converted models
