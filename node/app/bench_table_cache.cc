#include "node/app/bench_table_cache.h"

#include <malloc.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "crypto/aead.h"
#include "node/common/parallel_for.h"
#include "node/common/status_macros.h"
#include "node/private_match/paged_table.h"
#include "node/private_match/tag_table.h"

namespace fedlink::app {
namespace {

using private_match::kEntrySize;
using private_match::kTagSize;

// The process's resident set (VmRSS), in bytes.
int64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return 0;
}

// Freed heap back to the system, so resident growth is what is held.
int64_t TrimmedResidentBytes() {
  malloc_trim(0);
  return ResidentBytes();
}

// This thread's CPU time (ms): what a step costs, apart from waiting for
// a core on a loaded machine.
double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void Percentiles(std::vector<double> ms, double* p50, double* p99) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  *p50 = ms[ms.size() / 2];
  *p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}

// File j's tags are the generated ones XOR this (so an intake's tags hit
// in one file, not in all).
uint64_t FileMask(int j) { return uint64_t(j) * 0x9E3779B97F4A7C15ULL; }

void XorTags(private_match::Table& table, uint64_t mask) {
  for (private_match::Slot& s : table.slots) {
    for (size_t k = 0; k < s.key_count(); ++k) {
      char* e = s.entries.data() + k * kEntrySize;
      uint64_t tag;
      std::memcpy(&tag, e, kTagSize);
      tag ^= mask;
      std::memcpy(e, &tag, kTagSize);
    }
  }
}

uint64_t TagOf(const private_match::Slot& s, size_t k) {
  uint64_t tag;
  std::memcpy(&tag, s.entries.data() + k * kEntrySize, kTagSize);
  return tag;
}

struct Scratch {
  std::string dir;
  ~Scratch() {
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

}  // namespace

absl::StatusOr<TableCacheBenchResult> RunTableCacheBench(const TableCacheBenchOptions& options) {
  if (options.records < 1 || options.tables < 1 || options.tables > 100 || options.keys < 1 ||
      options.keys > static_cast<int>(private_match::kMaxKeysPerRecord) ||
      options.payload < static_cast<int>(crypto::kSealOverhead) || options.lookups < 1) {
    return absl::InvalidArgumentError(
        "cache bench: records >= 1, tables 1..100, keys 1..64, payload >= 40, lookups >= 1");
  }
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  std::string parent = options.dir;
  if (parent.empty()) {
    const char* tmp = getenv("TMPDIR");
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  Scratch scratch;
  std::string dir = parent + "/fedlink-bench-cache-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(parent, ": cannot create a scratch directory"));
  }
  scratch.dir = dir;

  TableCacheBenchResult result;
  result.records = options.records;
  result.tables = options.tables;
  const int64_t rss_start = TrimmedResidentBytes();

  // The synthetic table.
  std::mt19937_64 rng(options.seed);
  const auto fill = [&rng](std::string& s) {
    for (size_t i = 0; i < s.size(); i += 8) {
      const uint64_t v = rng();
      std::memcpy(s.data() + i, &v, std::min<size_t>(8, s.size() - i));
    }
  };
  private_match::Table table;
  table.table_id = "bench|bench|0|g0|k2";
  table.t = 2;
  table.slots.resize(options.records);
  for (int i = 0; i < options.records; ++i) {
    private_match::Slot& s = table.slots[i];
    s.id = uint64_t(i) * 2654435761ULL + 1;
    s.entries.resize(size_t(options.keys) * kEntrySize);
    fill(s.entries);
    s.sealed_payload.resize(options.payload);
    fill(s.sealed_payload);
  }
  result.entries = size_t(options.records) * options.keys;
  say(absl::StrFormat("cache bench: a synthetic table of %d records, %d entries", options.records,
                      result.entries));

  // The intakes: the tags of one slot of one file each.
  struct Intake {
    std::vector<uint64_t> tags;
  };
  std::vector<Intake> intakes(options.lookups);
  for (int l = 0; l < options.lookups; ++l) {
    const private_match::Slot& s = table.slots[rng() % table.slots.size()];
    const uint64_t mask = FileMask(static_cast<int>(rng() % options.tables));
    for (size_t k = 0; k < s.key_count(); ++k) intakes[l].tags.push_back(TagOf(s, k) ^ mask);
  }

  // T files: file j's tags XOR FileMask(j).
  auto key = crypto::SealingKey::Generate();
  std::vector<std::string> paths;
  for (int j = 0; j < options.tables; ++j) {
    paths.push_back(absl::StrCat(dir, "/p", j, "~bench.table"));
    private_match::PagedHeader header;
    header.peer = absl::StrCat("p", j);
    header.purpose = "bench";
    XorTags(table, FileMask(j));
    const absl::Time t0 = absl::Now();
    RETURN_IF_ERROR(private_match::PagedTable::Write(paths.back(), key.get(), header, table));
    if (j == 0) result.write_seconds = absl::ToDoubleSeconds(absl::Now() - t0);
    XorTags(table, FileMask(j));
    say(absl::StrFormat("cache bench: wrote table %d of %d", j + 1, options.tables));
  }
  result.file_bytes = std::filesystem::file_size(paths.front());
  // File 0 again without the pages' filters (the format before them), to
  // time opening a header with and without them in the same run.
  const std::string unfiltered = absl::StrCat(dir, "/p0~bench.unfiltered");
  {
    private_match::PagedHeader header;
    header.peer = "p0";
    header.purpose = "bench";
    header.filter_bytes = 0;
    XorTags(table, FileMask(0));
    RETURN_IF_ERROR(private_match::PagedTable::Write(unfiltered, key.get(), header, table));
    XorTags(table, FileMask(0));
  }

  // The in-memory index of the same table (file 0's tags), looked up for
  // every one of the T tables: it favours the index (one index, warm in the
  // CPU caches), whose memory is per table.
  {
    const int64_t before = TrimmedResidentBytes();
    ASSIGN_OR_RETURN(private_match::TableIndex index,
                     private_match::TableIndex::Build(std::move(table)));
    table = {};
    result.index_memory_bytes = index.memory_bytes();
    result.index_rss_bytes = TrimmedResidentBytes() - before;
    std::vector<double> ms;
    std::vector<private_match::TableIndex::Hit> hits;
    for (int l = -std::min(20, options.lookups); l < options.lookups; ++l) {
      const Intake& in = intakes[l < 0 ? -l - 1 : l];
      const absl::Time t0 = absl::Now();
      for (int j = 0; j < options.tables; ++j) {
        // What a slice gives: the hit slots' entries and payloads.
        private_match::Table slice;
        for (uint64_t tag : in.tags) {
          index.Find(tag ^ FileMask(j), &hits);
          for (const auto& h : hits) {
            slice.slots.push_back(
                {index.SlotId(h.slot),
                 absl::StrCat(absl::string_view(reinterpret_cast<const char*>(&tag), kTagSize),
                              absl::string_view(index.MaskedShare(h), private_match::kShareSize)),
                 std::string(index.SealedPayload(h.slot))});
          }
        }
      }
      if (l >= 0) ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    }
    Percentiles(std::move(ms), &result.index_p50_ms, &result.index_p99_ms);
    say(absl::StrFormat("cache bench: in-memory index %.1f MiB, lookup p50 %.3f ms p99 %.3f ms",
                        result.index_memory_bytes / 1048576.0, result.index_p50_ms,
                        result.index_p99_ms));
  }

  // The paged tables, opened as the requester's cache opens them.
  const int64_t before_open = TrimmedResidentBytes();
  std::vector<private_match::PagedTable> paged;
  std::vector<double> open_ms;
  for (const std::string& path : paths) {
    const absl::Time t0 = absl::Now();
    ASSIGN_OR_RETURN(private_match::PagedTable t, private_match::PagedTable::Open(path, key.get()));
    open_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    result.paged_memory_bytes = std::max(result.paged_memory_bytes, t.memory_bytes());
    paged.push_back(std::move(t));
  }
  // Each intake is looked up three ways in turn, so load on the machine
  // falls on all three alike: the pages' filters ignored, one table after
  // another (as before the filters); with the filters, one after another;
  // with the filters, the tables spread over every core (ParallelFor).
  enum Way { kNoFilter, kSerial, kParallel, kWays };
  Percentiles(std::move(open_ms), &result.open_p50_ms, &result.open_p99_ms);
  {
    // File 0 and its copy without filters, opened in turn.
    std::vector<double> with, without, with_cpu, without_cpu;
    for (int i = 0; i < 7; ++i) {
      for (const std::string* path : std::vector<const std::string*>{&paths.front(), &unfiltered}) {
        const absl::Time t0 = absl::Now();
        const double cpu0 = ThreadCpuMs();
        ASSIGN_OR_RETURN(auto t, private_match::PagedTable::Open(*path, key.get()));
        (void)t;
        (path == &unfiltered ? without_cpu : with_cpu).push_back(ThreadCpuMs() - cpu0);
        (path == &unfiltered ? without : with)
            .push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      }
    }
    double ignored;
    Percentiles(std::move(with), &result.open_again_p50_ms, &ignored);
    Percentiles(std::move(without), &result.open_unfiltered_p50_ms, &ignored);
    Percentiles(std::move(with_cpu), &result.open_again_cpu_ms, &ignored);
    Percentiles(std::move(without_cpu), &result.open_unfiltered_cpu_ms, &ignored);
  }
  std::vector<double> ms[kWays];
  size_t a_pages[kWays] = {0, 0, 0};
  const auto lookup_one = [&](const private_match::PagedTable& t, const Intake& in, size_t* found,
                              size_t* pages) -> absl::Status {
    // What MatchAgainst does per chunk: the slice, then its small index.
    private_match::SliceStats stats;
    ASSIGN_OR_RETURN(private_match::Table slice, t.Slice(in.tags, &stats));
    *found = slice.slots.size();
    *pages = stats.a_pages;
    if (!slice.slots.empty()) {
      ASSIGN_OR_RETURN(auto small, private_match::TableIndex::Build(std::move(slice)));
      (void)small;
    }
    return absl::OkStatus();
  };
  for (int l = -std::min(20, options.lookups); l < options.lookups; ++l) {
    const Intake& in = intakes[l < 0 ? -l - 1 : l];
    for (int way = 0; way < kWays; ++way) {
      for (private_match::PagedTable& t : paged) t.set_filter_enabled(way != kNoFilter);
      std::vector<size_t> found(paged.size()), pages(paged.size());
      const absl::Time t0 = absl::Now();
      if (way == kParallel) {
        RETURN_IF_ERROR(common::ParallelFor(paged.size(), 0, 1, [&](size_t b, size_t e) {
          for (size_t j = b; j < e; ++j) {
            RETURN_IF_ERROR(lookup_one(paged[j], in, &found[j], &pages[j]));
          }
          return absl::OkStatus();
        }));
      } else {
        for (size_t j = 0; j < paged.size(); ++j) {
          RETURN_IF_ERROR(lookup_one(paged[j], in, &found[j], &pages[j]));
        }
      }
      if (l < 0) continue;
      ms[way].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      for (size_t j = 0; j < paged.size(); ++j) a_pages[way] += pages[j];
      if (way == kParallel) {
        for (size_t f : found) result.hits += f;
      }
    }
  }
  const double per_table = double(options.lookups) * double(options.tables);
  result.nofilter_a_pages = a_pages[kNoFilter] / per_table;
  result.paged_a_pages = a_pages[kParallel] / per_table;
  Percentiles(std::move(ms[kNoFilter]), &result.nofilter_p50_ms, &result.nofilter_p99_ms);
  Percentiles(std::move(ms[kSerial]), &result.serial_p50_ms, &result.serial_p99_ms);
  say(absl::StrFormat(
      "cache bench: without the filters, one table after another: p50 %.3f ms p99 %.3f ms, "
      "%.2f A pages a table; with them: p50 %.3f ms p99 %.3f ms",
      result.nofilter_p50_ms, result.nofilter_p99_ms, result.nofilter_a_pages, result.serial_p50_ms,
      result.serial_p99_ms));
  Percentiles(std::move(ms[kParallel]), &result.paged_p50_ms, &result.paged_p99_ms);
  result.process_rss_bytes = TrimmedResidentBytes();
  result.paged_rss_bytes = result.process_rss_bytes - before_open;
  say(absl::StrFormat(
      "cache bench: %d paged tables hold %.1f KiB resident in all (process %.1f MiB, %.1f MiB at "
      "the start), lookup on every core with the filters p50 %.3f ms p99 %.3f ms, %.2f A pages a "
      "table",
      options.tables, result.paged_rss_bytes / 1024.0, result.process_rss_bytes / 1048576.0,
      rss_start / 1048576.0, result.paged_p50_ms, result.paged_p99_ms, result.paged_a_pages));
  return result;
}

}  // namespace fedlink::app
