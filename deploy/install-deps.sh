#!/usr/bin/env bash
# Installs the Debian 12 packages fedlink builds and runs with, if any are
# missing. Idempotent: does nothing (and needs no network) when all are there.
#   ./deploy/install-deps.sh           build and run
#   ./deploy/install-deps.sh --tests   also what the tests use (headless
#                                      Chromium renders the audit report
#                                      and, driven by Selenium, tests the
#                                      web console;
#                                      clang with its sanitizer runtimes and
#                                      libFuzzer build tests/sanitize.sh's
#                                      tree, which --no-install-recommends
#                                      would otherwise leave without them)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libsodium-dev libsqlite3-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libicu-dev libphonenumber-dev libssl-dev openssl
  libsystemd-dev libmicrohttpd-dev
  libcpp-httplib-dev
  iproute2 procps
)
if [ "${1:-}" = "--tests" ]; then
  PACKAGES+=(chromium fonts-dejavu-core clang-format clang libclang-rt-14-dev libfuzzer-14-dev)
  # promtool checks the metrics; the unit, package and clean-install tests;
  # sqlite3 alters an access log from outside (ServingTest).
  PACKAGES+=(prometheus systemd help2man lintian debootstrap dpkg-dev fakeroot file sqlite3)
  PACKAGES+=(chromium-driver python3-selenium)  # the web console's browser test
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages and not root (no sudo): ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
