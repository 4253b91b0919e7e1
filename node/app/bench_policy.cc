#include "node/app/bench_policy.h"

#include "absl/strings/str_cat.h"

namespace fedlink::app {

std::string BenchPolicy(const BenchPolicyOptions& options) {
  return absl::StrCat(
      R"pb(
        purposes: ")pb",
      kBenchPurpose, R"pb("
                          rules { name: "bench-everything"
                                  peers { any: true }
                                  purpose: ")pb",
      kBenchPurpose, R"pb("
                          record_roles: [ ROLE_VICTIM, ROLE_SUSPECT, ROLE_WITNESS, ROLE_OTHER ]
                          allowed_labels: [ "trafficking", "minor" ]
                          min_agreeing_keys: 2
                          payload: PAYLOAD_HANDLE_AND_ROLE
                          daily_evaluate_budget: 1000000000000
                          daily_key_type_budget: 1000000000000)pb",
      options.bucket_lookup
          ? absl::StrCat("\n    bucket_lookup { min_bucket_records: ", kBenchMinBucketRecords, " }")
          : "",
      "\n  }\n");
}

}  // namespace fedlink::app
