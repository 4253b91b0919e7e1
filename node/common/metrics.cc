#include "node/common/metrics.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fedlink::common {
namespace {

constexpr size_t kBuckets = sizeof(kLatencyBuckets) / sizeof(kLatencyBuckets[0]);

// Label values: backslash, double quote and line feed escaped (0.0.4).
std::string LabelValue(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrFormat("%.15g", v);  // shortest for the bounds, e.g. 0.005
}

std::string LabelSet(const MetricLabels& labels, absl::string_view extra_key = "",
                     absl::string_view extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    absl::StrAppend(&out, first ? "" : ",", k, "=\"", LabelValue(v), "\"");
    first = false;
  }
  if (!extra_key.empty()) {
    absl::StrAppend(&out, first ? "" : ",", extra_key, "=\"", extra_value, "\"");
  }
  out += "}";
  return out;
}

}  // namespace

Metrics& Metrics::Global() {
  static auto* metrics = new Metrics();
  return *metrics;
}

void Metrics::Describe(absl::string_view name, Type type, absl::string_view help) {
  absl::MutexLock lock(&mu_);
  Family& f = families_[std::string(name)];
  f.type = type;
  f.help = std::string(help);
}

Metrics::Family* Metrics::Find(absl::string_view name) {
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : &it->second;
}

void Metrics::Add(absl::string_view name, const MetricLabels& labels, double value) {
  absl::MutexLock lock(&mu_);
  Family* f = Find(name);
  if (f == nullptr || f->type != Type::kCounter || value < 0) return;
  f->series[labels].value += value;
}

void Metrics::Set(absl::string_view name, const MetricLabels& labels, double value) {
  absl::MutexLock lock(&mu_);
  Family* f = Find(name);
  if (f == nullptr || f->type != Type::kGauge) return;
  f->series[labels].value = value;
}

void Metrics::Observe(absl::string_view name, const MetricLabels& labels, double value) {
  absl::MutexLock lock(&mu_);
  Family* f = Find(name);
  if (f == nullptr || f->type != Type::kHistogram) return;
  Series& s = f->series[labels];
  if (s.buckets.empty()) s.buckets.assign(kBuckets, 0);
  for (size_t i = 0; i < kBuckets; ++i) {
    if (value <= kLatencyBuckets[i]) ++s.buckets[i];
  }
  ++s.count;
  s.value += value;
}

void Metrics::Clear(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  if (Family* f = Find(name)) f->series.clear();
}

int Metrics::AddCollector(std::function<void(Metrics&)> collect) {
  absl::MutexLock lock(&collectors_mu_);
  const int id = next_id_++;
  collectors_[id] = std::move(collect);
  return id;
}

void Metrics::RemoveCollector(int id) {
  absl::MutexLock lock(&collectors_mu_);
  collectors_.erase(id);
}

std::string Metrics::Render() {
  {
    absl::MutexLock lock(&collectors_mu_);
    for (auto& [id, collect] : collectors_) collect(*this);
  }
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n# TYPE ", name, " ", type, "\n");
    for (const auto& [labels, s] : f.series) {
      if (f.type != Type::kHistogram) {
        absl::StrAppend(&out, name, LabelSet(labels), " ", Number(s.value), "\n");
        continue;
      }
      for (size_t i = 0; i < kBuckets; ++i) {
        absl::StrAppend(&out, name, "_bucket", LabelSet(labels, "le", Number(kLatencyBuckets[i])),
                        " ", s.buckets[i], "\n");
      }
      absl::StrAppend(&out, name, "_bucket", LabelSet(labels, "le", "+Inf"), " ", s.count, "\n");
      absl::StrAppend(&out, name, "_sum", LabelSet(labels), " ", Number(s.value), "\n");
      absl::StrAppend(&out, name, "_count", LabelSet(labels), " ", s.count, "\n");
    }
  }
  return out;
}

void DescribeFedlinkMetrics() {
  Metrics& m = Metrics::Global();
  using T = Metrics::Type;
  m.Describe("fedlink_rpc_total", T::kCounter,
             "Signed peer RPCs handled, by service, method, peer and outcome.");
  m.Describe("fedlink_rpc_duration_seconds", T::kHistogram,
             "Time to verify, decide and log a signed peer RPC, by service and method.");
  m.Describe("fedlink_evaluations_total", T::kCounter,
             "Blinded elements evaluated for peers, by peer and purpose.");
  m.Describe("fedlink_refusals_total", T::kCounter,
             "Peer requests refused, by peer, purpose and status code.");
  m.Describe("fedlink_budget_remaining", T::kGauge,
             "Evaluations left today in a peer's budget, by peer and purpose (as of its last "
             "request).");
  m.Describe("fedlink_tables_served_total", T::kCounter,
             "Tag tables and deltas served, by peer and purpose.");
  m.Describe("fedlink_table_records_served_total", T::kCounter,
             "Records in the tag tables and deltas served, by peer and purpose.");
  m.Describe("fedlink_table_builds_total", T::kCounter,
             "Tag tables built (elliptic-curve work for every record or only the changed), by "
             "purpose and kind (whole, delta).");
  m.Describe("fedlink_table_evaluations_total", T::kCounter,
             "OPRF evaluations made to build tag tables, by purpose (keys already evaluated "
             "under the same table id, for another peer or an earlier version, are reused).");
  m.Describe("fedlink_table_bytes_served_total", T::kCounter,
             "Bytes of tag-table chunks sent, by peer and purpose.");
  m.Describe("fedlink_table_deltas_served_total", T::kCounter,
             "Tables sent as a delta against the one the peer holds, by peer and purpose.");
  m.Describe("fedlink_contact_requests_received_total", T::kCounter,
             "Contact requests received, by peer.");
  m.Describe("fedlink_contact_requests_pending", T::kGauge,
             "Contact requests received and not yet accepted or declined.");
  m.Describe("fedlink_contact_oldest_window_seconds", T::kGauge,
             "Seconds left of the oldest pending contact request's 48-hour window (negative: "
             "passed).");
  m.Describe("fedlink_roster_version", T::kGauge, "Version of the installed roster (0: none).");
  m.Describe("fedlink_roster_expiry_seconds", T::kGauge,
             "Seconds until the installed roster expires (negative: expired).");
  m.Describe("fedlink_audit_log_entries", T::kGauge, "Entries in the node's access log.");
  m.Describe("fedlink_audit_last_cosigned_size", T::kGauge,
             "Largest checkpoint size of this node's log that a witness cosigned, by witness.");
  m.Describe("fedlink_audit_seconds_since_cosigned", T::kGauge,
             "Seconds since a witness last cosigned this node's log (the time in its "
             "cosignature), by witness.");
  m.Describe("fedlink_health_serving", T::kGauge,
             "1 if the node's health check says SERVING, 0 if NOT_SERVING.");
  m.Describe("fedlink_peers_serving", T::kGauge,
             "1 if the peer port is open and requests are served.");
  m.Describe("fedlink_health_warnings", T::kGauge,
             "Warnings an operator should act on soon (the roster expires within 7 days).");
}

}  // namespace fedlink::common
