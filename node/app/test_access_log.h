// A node's own access log as text, for tests that check what was logged:
// one line per entry, "EVENT official=OFFICIAL outcome=OUTCOME
// detail=DETAIL", oldest first.
#ifndef FEDLINK_NODE_APP_TEST_ACCESS_LOG_H_
#define FEDLINK_NODE_APP_TEST_ACCESS_LOG_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "node/app/audit.h"
#include "node/app/audit_review.h"
#include "node/app/node.h"

namespace fedlink::app::testing {

inline std::string AccessLogText(Node& node) {
  auto exported = ExportAuditLog(node);
  EXPECT_TRUE(exported.ok()) << exported.status();
  if (!exported.ok()) return "";
  const AuditReview review =
      ReviewExports({{absl::StrCat(node.id(), ".audit"), exported->bytes}}, nullptr);
  std::string text;
  for (const ExportedEntry& e : review.entries.at(node.id())) {
    absl::StrAppend(&text, e.event, " official=", e.official, " outcome=", e.outcome,
                    " detail=", e.detail, "\n");
  }
  return text;
}

}  // namespace fedlink::app::testing

#endif  // FEDLINK_NODE_APP_TEST_ACCESS_LOG_H_
