// A test's SQLite database file under the test's temporary directory, and
// what reaches the disk: the file and its write-ahead log, for tests that
// check nothing is stored in the clear.
#ifndef FEDLINK_NODE_FOLLOWUP_TEST_DB_FILES_H_
#define FEDLINK_NODE_FOLLOWUP_TEST_DB_FILES_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace fedlink::followup::testing {

// Removes the database `path` with its -wal and -shm files.
inline void RemoveDb(const std::string& path) {
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
}

// A path for the current test's database ("PREFIX-TESTNAME.db" under
// ::testing::TempDir()), with nothing there yet.
inline std::string FreshDb(const std::string& prefix) {
  const std::string path = ::testing::TempDir() + "/" + prefix + "-" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
  RemoveDb(path);
  return path;
}

// The bytes of the database file and its write-ahead log, concatenated.
inline std::string DbBytes(const std::string& db) {
  std::string all;
  for (const std::string& path : {db, db + "-wal"}) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

}  // namespace fedlink::followup::testing

#endif  // FEDLINK_NODE_FOLLOWUP_TEST_DB_FILES_H_
