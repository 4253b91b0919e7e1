#!/usr/bin/env bash
# Configures and builds fedlink in ./build (ccache, Ninja, -j2). Idempotent and
# incremental: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# FEDLINK_WERROR=ON (as tests/run.sh sets it) makes warnings errors; unset,
# the build keeps what it was configured with (default OFF), so running the
# tests and then the demo does not rebuild everything.
# Debug information at level 1 (-g1: function names and line tables, enough
# for backtraces): full -g made the objects five times larger and the build
# (compile and link) about a third slower on 2 cores. For stepping through
# with local variables, configure a Debug tree of your own.
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DFEDLINK_WERROR="${FEDLINK_WERROR:-OFF}" >/dev/null
elif [ -n "${FEDLINK_WERROR:-}" ]; then
  cmake -S . -B build -DFEDLINK_WERROR="$FEDLINK_WERROR" >/dev/null
fi
cmake --build build -j "${FEDLINK_JOBS:-2}"
