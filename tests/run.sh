#!/usr/bin/env bash
# Runs every fedlink test: installs missing packages, builds, runs ctest.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh --tests
FEDLINK_WERROR=ON ./deploy/build.sh
ctest --test-dir build --output-on-failure -j "${FEDLINK_JOBS:-2}" "$@"
