// The main() of every gtest binary (fedlink_test in CMakeLists.txt): gtest's
// own, run in a scratch directory private to this process.
//
// ctest runs each TEST of a binary as a process of its own, several at once
// (-j), and gives all of them one TEST_TMPDIR (the build tree's
// /tmp/fedlink-<hash>/). A test that named a path after its test name, used a
// fixed name, or scanned or removed a directory there could meet the files of
// a test running beside it in another process (CI went red so: one backup
// test saw the other's restore staging). So before any test runs, this main
// makes a directory of its own under that TEST_TMPDIR (mkdtemp), points
// TEST_TMPDIR at it, which is what ::testing::TempDir() returns from then on
// (gtest reads the variable at each call), and removes it when the tests have
// run: every path under TempDir() belongs to this process alone, and nothing
// is left behind. Child processes a test starts inherit the directory.
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // ctest's discovery (--gtest_list_tests) runs no test and needs no directory.
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
  // Under ctest's TEST_TMPDIR a short name (unix socket paths under it are
  // limited to 108 bytes): "t-" and six characters mkdtemp picks. Run by
  // hand, without one, a name that says whose it is under /tmp.
  const char* parent = getenv("TEST_TMPDIR");
  std::string dir = ::testing::TempDir() +
                    (parent != nullptr && parent[0] != '\0' ? "t-XXXXXX" : "fedlink-gtest-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    perror(("cannot make a scratch directory " + dir).c_str());
    return 1;
  }
  if (setenv("TEST_TMPDIR", dir.c_str(), 1) != 0) {
    perror("setenv TEST_TMPDIR");
    return 1;
  }
  const int result = RUN_ALL_TESTS();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) fprintf(stderr, "cannot remove %s: %s\n", dir.c_str(), ec.message().c_str());
  return result;
}
