#!/usr/bin/env bash
# Builds the sanitizer tree, build-sanitize/ (clang-14, ASan+UBSan, the
# libFuzzer targets too; docs/fuzzing.md), and runs every unit test (the
# gtest binaries: ctest label "unit") under the sanitizers. The shell tests
# (CLI, multi-node, format, layers) run in the normal tree only
# (tests/run.sh). Exits non-zero on a failure or a sanitizer report.
#   tests/sanitize.sh                  build, run the unit tests
#   tests/sanitize.sh --build-only     build the tree
#   tests/sanitize.sh --build-fuzz     build only the fuzz targets (tests/fuzz.sh)
#   tests/sanitize.sh -R Roster        extra arguments go to ctest
# FEDLINK_SANITIZE_OPT=-O0 (when the tree is first configured) compiles it in
# about half the CPU time of the default -O1; .ci/run uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
targets=(unit_tests fuzz)
case "${1:-}" in
  --build-only) build_only=1; shift ;;
  --build-fuzz) build_only=1; targets=(fuzz); shift ;;
esac
./deploy/install-deps.sh --tests
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
TREE=build-sanitize
if [ ! -f "$TREE/build.ninja" ]; then
  CXX=clang++-14 cmake -S . -B "$TREE" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DFEDLINK_SANITIZE=ON -DFEDLINK_FUZZ=ON -DFEDLINK_WERROR="${FEDLINK_WERROR:-ON}" \
    -DFEDLINK_SANITIZE_OPT="${FEDLINK_SANITIZE_OPT:--O1}" >/dev/null
fi
# The gtest binaries and the fuzz targets only: not the fedlink binary (the
# shell tests that use it run in build/) nor the benchmarks.
cmake --build "$TREE" -j "${FEDLINK_JOBS:-2}" --target "${targets[@]}"
[ "$build_only" -eq 1 ] && exit 0

# UB is fatal (also compiled so: -fno-sanitize-recover=undefined); leaks are
# reported, except the ones tests/lsan.supp names, each with its reason.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
ctest --test-dir "$TREE" -L unit --output-on-failure -j "${FEDLINK_JOBS:-2}" "$@"
