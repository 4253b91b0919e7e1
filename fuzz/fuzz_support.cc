#include "fuzz/fuzz_support.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace fedlink::fuzz {

void Fail(const char* file, int line, absl::string_view what) {
  std::fprintf(stderr, "FUZZ_CHECK failed: %s:%d: %.*s\n", file, line,
               static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  abort();
}

bool PrintableAscii(absl::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

std::unique_ptr<crypto::SigningKey> FixedKey(absl::string_view name, uint8_t seed_byte) {
  auto key = crypto::SigningKey::FromSeed(name, std::string(32, static_cast<char>(seed_byte)));
  FUZZ_CHECK(key.ok(), "fixed key");
  return *std::move(key);
}

absl::Time FixedNow() { return absl::FromUnixSeconds(1893456000); }

namespace {

struct Scratch {
  Scratch() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/fedlink-fuzz.XXXXXX");
    FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    dir = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
};

}  // namespace

const std::string& ScratchDir() {
  static Scratch scratch;  // destroyed at exit, with what it holds
  return scratch.dir;
}

}  // namespace fedlink::fuzz
