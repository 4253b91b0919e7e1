// The node's metrics, rendered in the Prometheus text exposition format
// (version 0.0.4) for `fedlink serve --metrics ADDR` (node/server/
// metrics_endpoint.h): counters, gauges and histograms with labels, one
// process-wide registry. Label values are node ids, purposes, services,
// methods and outcomes, never personal data. Thread-safe.
//
//   common::Metrics& m = common::Metrics::Global();
//   m.Add("fedlink_rpc_total", {{"service", "match"}, {"outcome", "answered"}});
//   m.Observe("fedlink_rpc_duration_seconds", {{"service", "match"}}, 0.012);
//   std::string text = m.Render();
#ifndef FEDLINK_NODE_COMMON_METRICS_H_
#define FEDLINK_NODE_COMMON_METRICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace fedlink::common {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  static Metrics& Global();
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Declares a metric (its HELP line and TYPE); values of an undeclared one
  // are dropped, so a typo cannot publish a stray series.
  void Describe(absl::string_view name, Type type, absl::string_view help);
  void Add(absl::string_view name, const MetricLabels& labels, double value = 1);  // counter
  void Set(absl::string_view name, const MetricLabels& labels, double value);      // gauge
  // Histogram with the buckets of kLatencyBuckets (seconds).
  void Observe(absl::string_view name, const MetricLabels& labels, double value);
  // Removes every series of a gauge (before a collector sets it anew).
  void Clear(absl::string_view name);
  // `collect` runs before each Render, to set gauges read at scrape time
  // (the roster's expiry, the log's size). Returns an id for Remove.
  int AddCollector(std::function<void(Metrics&)> collect);
  void RemoveCollector(int id);

  std::string Render();

 private:
  struct Series {
    double value = 0;               // counter, gauge; histogram sum
    std::vector<uint64_t> buckets;  // histogram: cumulative counts
    uint64_t count = 0;             // histogram
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::map<MetricLabels, Series> series;
  };
  Family* Find(absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
  absl::Mutex collectors_mu_;  // held while collecting, never with mu_ first
  std::map<int, std::function<void(Metrics&)>> collectors_ ABSL_GUARDED_BY(collectors_mu_);
  int next_id_ ABSL_GUARDED_BY(collectors_mu_) = 1;
};

// Upper bounds of the latency histograms, in seconds.
inline constexpr double kLatencyBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};

// Declares fedlink's metrics in Global() (idempotent): docs/operations.md
// lists them.
void DescribeFedlinkMetrics();

}  // namespace fedlink::common

#endif  // FEDLINK_NODE_COMMON_METRICS_H_
