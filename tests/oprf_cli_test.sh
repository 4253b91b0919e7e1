#!/usr/bin/env bash
# The OPRF interop commands reproduce RFC 9497 (ristretto255-SHA512, mode 0)
# test vectors through the built binary, and refuse bad input by line.
source "$(dirname "$0")/lib.sh"
SK=5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e
# RFC 9497 Appendix A.1.1 (mode 0) vectors 1 and 2.
printf '00\n\n5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\n' | "$FEDLINK" oprf evaluate --sk "$SK" >"$WORK/eval.out"
cat >"$WORK/eval.want" <<'HEX'
527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6
f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73
HEX
diff "$WORK/eval.want" "$WORK/eval.out" || fail "oprf evaluate does not reproduce RFC 9497"
pass "oprf evaluate reproduces RFC 9497 outputs"

printf '609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c\nda27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418\n' |
  "$FEDLINK" oprf blind-evaluate --sk "$SK" >"$WORK/be.out"
printf '7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e\nb4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25\n' >"$WORK/be.want"
diff "$WORK/be.want" "$WORK/be.out" || fail "oprf blind-evaluate does not reproduce RFC 9497"
pass "oprf blind-evaluate reproduces RFC 9497 evaluated elements"

printf '609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c\n%064d\n' 0 >"$WORK/identity.in"
expect_exit 2 "$FEDLINK" oprf blind-evaluate --sk "$SK" <"$WORK/identity.in"
grep -q "stdin:2: element is the identity" "$WORK/err" || { cat "$WORK/err"; fail "identity not refused"; }
printf 'zz\n' >"$WORK/nothex.in"
expect_exit 2 "$FEDLINK" oprf evaluate --sk "$SK" <"$WORK/nothex.in"
grep -q "stdin:1: not hex" "$WORK/err" || fail "non-hex not refused"
expect_exit 2 "$FEDLINK" oprf evaluate --sk 00 </dev/null
expect_exit 2 "$FEDLINK" oprf evaluate --sk "$(printf 'f%.0s' {1..64})" </dev/null
pass "bad input refused with stdin:LINE"
echo "oprf_cli_test: all passed"
