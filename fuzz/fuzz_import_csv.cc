// Fuzz target: the CSV import (fedlink import, lookup --intake). See
// import_check.h for what is checked.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "fuzz/import_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fedlink::fuzz::CheckImport(fedlink::fuzz::AsText(data, size), "csv");
  return 0;
}
