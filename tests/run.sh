#!/usr/bin/env bash
# Runs every fedlink test: installs missing packages, builds, runs ctest.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --tests
FEDLINK_WERROR=ON ./deploy/build.sh
ctest --test-dir build --output-on-failure -j "${FEDLINK_JOBS:-2}" "$@"
# Tests against the official vectors and the FEBRL data skip themselves
# when ../shared is not beside the checkout (or -DFEDLINK_SHARED_DIR=...).
shared=$(sed -n 's/^FEDLINK_SHARED_DIR:PATH=//p' build/CMakeCache.txt)
if [ ! -d "$shared/vectors" ]; then
  echo "note: $shared not found: the tests that need the official vectors and FEBRL data were skipped" >&2
fi
