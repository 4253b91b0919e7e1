#!/usr/bin/env bash
# The layers of docs/architecture.md, checked against the includes: a module
# includes only modules of lower layers (its own layer's only within itself),
# so no include runs back up (the CLI is above the application layer, which is
# above the protocol modules, ...). A module is a CMake target: a folder's
# gRPC half (fedlink_*_rpc: services, clients, the signed handler) is a module
# of its own above the folder's plain half. Tests, test helpers and the fuzz
# targets (fuzz/: test code that drives any layer's parser) are exempt.
set -euo pipefail
cd "$(dirname "$0")/.."
# layer  module (folder)
LAYERS='
0 node/common
1 crypto
1 proto
1 node/record
1 node/normalize
1 node/net
2 node/tls
2 node/store
2 node/importer
2 node/match
3 node/config
3 node/followup
4 policy
4 node/federation
4 node/server
5 node/audit
6 node/federation:rpc
7 node/audit:rpc
7 node/private_match
8 node/private_match:rpc
9 node/followup:rpc
10 node/app
11 node/web
12 node/cli
'
module_of() {  # path -> module
  case "$1" in
    node/federation/peer_client.*|node/federation/peer_server.*|node/federation/pinning.*|\
    node/federation/call_watchdog.*|\
    node/federation/peer_service.h|node/federation/signed_handler.*|node/federation/signed_rpc.h|\
    node/federation/grpc_*.h) echo node/federation:rpc ;;
    node/audit/witness_service.*|node/audit/export_service.*|node/audit/witness_round.*)
      echo node/audit:rpc ;;
    node/private_match/match_client.*|node/private_match/match_service.*)
      echo node/private_match:rpc ;;
    node/followup/followup_client.*|node/followup/followup_service.*) echo node/followup:rpc ;;
    node/*) echo "$1" | cut -d/ -f1-2 ;;
    fedlink/*|grpc/*) echo proto ;;
    *) echo "$1" | cut -d/ -f1 ;;
  esac
}
declare -A layer
while read -r n m; do [ -n "$m" ] && layer[$m]=$n; done <<<"$LAYERS"
bad=0
checked=0
while IFS= read -r file; do
  case "$file" in *_test.cc|*/test_*.h|*/testing/*|fuzz/*) continue ;; esac
  from=$(module_of "$file")
  [ -n "${layer[$from]:-}" ] || { echo "FAIL: $file: module $from has no layer in $0" >&2; bad=1; continue; }
  while IFS= read -r inc; do
    to=$(module_of "$inc")
    [ "$to" = "$from" ] && continue
    [ -n "${layer[$to]:-}" ] || continue  # system and third-party headers
    checked=$((checked + 1))
    if [ "${layer[$to]}" -ge "${layer[$from]}" ]; then
      echo "FAIL: $file includes $inc: $from (layer ${layer[$from]}) may not use $to (layer ${layer[$to]})" >&2
      bad=1
    fi
  done < <(sed -n 's/^#include "\(\(node\|crypto\|policy\|proto\|fedlink\|grpc\)\/[^"]*\)".*/\1/p' "$file")
done < <(git ls-files '*.cc' '*.h')
[ "$bad" -eq 0 ] || exit 1
[ "$checked" -gt 100 ] || { echo "FAIL: only $checked includes checked" >&2; exit 1; }
echo "ok: $checked includes across modules, none runs back up a layer"
