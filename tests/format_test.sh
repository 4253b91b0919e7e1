#!/usr/bin/env bash
# Every C++ source and header of fedlink is formatted as .clang-format says
# (clang-format --dry-run --Werror). Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "SKIPPED: clang-format not installed"; exit 77; }
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find crypto node policy -name '*.cc' -o -name '*.h')
[ "${#files[@]}" -gt 0 ] || { echo "FAIL: no sources found" >&2; exit 1; }
if ! clang-format --dry-run --Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/format.$$"; then
  grep -o '^[^:]*:[0-9]*' "${TMPDIR:-/tmp}/format.$$" | sort -u | head -20 >&2
  rm -f "${TMPDIR:-/tmp}/format.$$"
  echo "FAIL: files not formatted as .clang-format says (run: git ls-files '*.cc' '*.h' | xargs clang-format -i)" >&2
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/format.$$"
echo "ok: ${#files[@]} files formatted as .clang-format says"
