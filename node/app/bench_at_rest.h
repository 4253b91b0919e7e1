// `fedlink bench at-rest`: what encryption at rest costs, measured in one
// run on the same generated records: an import (CSV parse and store), a
// tag-table build and a dedup on a node in the clear (as fedlink made them
// before) and on a node whose records are sealed under a data key, each as
// seconds and as the ratio sealed / clear. Tooling, not a use case: it works
// in a temporary directory, removed afterwards, and touches no existing node.
//
//   ASSIGN_OR_RETURN(app::AtRestFigures f, app::BenchAtRest({.persons = 100'000}));
//   // f.import_ratio() <= 3 (150k rows/s in the clear, 50k sealed at worst);
//   // f.table_ratio(), f.dedup_ratio() <= 1.15 (issue 15)
#ifndef FEDLINK_NODE_APP_BENCH_AT_REST_H_
#define FEDLINK_NODE_APP_BENCH_AT_REST_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace fedlink::app {

struct AtRestOptions {
  int persons = 100'000;
  uint64_t seed = 1;
  bool table = true;  // also build a tag table (the OPRF work dominates it)
  bool dedup = true;
  // Called with a line of progress ("clear: imported ...").
  std::function<void(const std::string&)> progress = nullptr;
};

struct AtRestRun {
  double import_seconds = 0;
  double table_seconds = 0;
  size_t table_slots = 0;
  double dedup_seconds = 0;
  size_t dedup_pairs = 0;
};

struct AtRestFigures {
  size_t records = 0;
  AtRestRun clear, sealed;
  double import_rows_per_second(const AtRestRun& r) const {
    return r.import_seconds > 0 ? records / r.import_seconds : 0;
  }
  double import_ratio() const { return sealed.import_seconds / clear.import_seconds; }
  double table_ratio() const { return sealed.table_seconds / clear.table_seconds; }
  double dedup_ratio() const { return sealed.dedup_seconds / clear.dedup_seconds; }
};

absl::StatusOr<AtRestFigures> BenchAtRest(const AtRestOptions& options);

}  // namespace fedlink::app

#endif  // FEDLINK_NODE_APP_BENCH_AT_REST_H_
