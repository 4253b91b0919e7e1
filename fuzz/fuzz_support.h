// What the fuzz targets share (docs/fuzzing.md): invariant checks that stop
// the fuzzer with a finding, fixed keys and a fixed clock (so a seed signed
// once stays valid), and a scratch directory for targets that need files.
// Test code: it may use every layer.
#ifndef FEDLINK_FUZZ_FUZZ_SUPPORT_H_
#define FEDLINK_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crypto/identity.h"

namespace fedlink::fuzz {

// Prints "FUZZ_CHECK failed: FILE:LINE: WHAT" and aborts: libFuzzer keeps
// the input as a crash. Never called with personal data (there is none in
// a fuzzer), but WHAT stays short.
[[noreturn]] void Fail(const char* file, int line, absl::string_view what);

#define FUZZ_CHECK(condition, what)                                    \
  do {                                                                 \
    if (!(condition)) ::fedlink::fuzz::Fail(__FILE__, __LINE__, what); \
  } while (0)

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Two-mode targets: the first byte's parity picks `even` or `odd`, which
// gets the rest of the input.
inline int ByFirstByte(const uint8_t* data, size_t size, void (*even)(absl::string_view),
                       void (*odd)(absl::string_view)) {
  if (size == 0) return 0;
  (data[0] % 2 == 0 ? even : odd)(AsText(data + 1, size - 1));
  return 0;
}

// True if `text` holds only printable ASCII (0x20..0x7e). Errors about an
// import file must say where and what, never quote a value: a message that
// echoed one would, for some input, carry a byte outside this range.
bool PrintableAscii(absl::string_view text);

// The Ed25519 key named `name` whose seed is 32 bytes of `seed_byte`: the
// same key in every run, so seeds made by fuzz_make_seeds verify.
std::unique_ptr<crypto::SigningKey> FixedKey(absl::string_view name, uint8_t seed_byte);

// The targets' "now": 2030-01-01T00:00:00Z.
absl::Time FixedNow();

// A directory made under $TMPDIR (or /tmp) once per process, removed at
// exit. Targets write nowhere else.
const std::string& ScratchDir();

}  // namespace fedlink::fuzz

#endif  // FEDLINK_FUZZ_FUZZ_SUPPORT_H_
