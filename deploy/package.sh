#!/usr/bin/env bash
# Builds the Debian package: ./deploy/package.sh [BUILD_DIR]
# -> BUILD_DIR/fedlink_VERSION_ARCH.deb, checked with lintian when it is
# installed (the overrides are in deploy/debian/lintian-overrides, each
# explained). Needs help2man, dpkg-dev and fakeroot (install-deps --tests).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
for tool in help2man dpkg-shlibdeps fakeroot; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool not installed (./deploy/install-deps.sh --tests)" >&2; exit 1; }
done
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j "${FEDLINK_JOBS:-2}" --target fedlink fedlink_man
(cd "$BUILD" && fakeroot cpack -G DEB >/dev/null)
DEB=$(ls -t "$BUILD"/fedlink_*.deb | head -1)
echo "$DEB"
if command -v lintian >/dev/null; then
  lintian --suppress-tags-from-file deploy/debian/lintian-overrides "$DEB" || {
    echo "package.sh: lintian found problems in $DEB" >&2
    exit 1
  }
fi
