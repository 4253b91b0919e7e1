// The key source tests give a new node: a key file of their own, beside the
// test's directories (made on first use, as `fedlink init --key-file` does).
#ifndef FEDLINK_NODE_APP_TEST_KEY_SOURCE_H_
#define FEDLINK_NODE_APP_TEST_KEY_SOURCE_H_

#include <string>

#include "gtest/gtest.h"
#include "node/config/key_source.h"

namespace fedlink::app {

inline config::KeySource TestKeyFile(const std::string& name = "") {
  config::KeySource source;
  source.kind = config::KeySource::Kind::kKeyFile;
  source.path = ::testing::TempDir() + "/" +
                ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + name + ".kek";
  return source;
}

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_TEST_KEY_SOURCE_H_
