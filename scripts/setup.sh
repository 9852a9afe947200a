#!/usr/bin/env bash
# Installs the Debian 12 packages coreinfer needs to build and test. Idempotent; needs root (or sudo).
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  libcpp-httplib-dev libyaml-cpp-dev prometheus
  libprotobuf-dev protobuf-compiler libonnx-dev libonnx-testdata python3-onnx python3-numpy  # ONNX models
  libjpeg62-turbo-dev libpng-dev  # images for vision models
  g++-aarch64-linux-gnu qemu-user googletest  # make build-arm / test-arm (GoogleTest built from source)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
