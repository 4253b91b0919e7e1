#include "node/private_match/consent_expiry_watermark.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/store/sqlite.h"

namespace fedlink::private_match {
namespace {

// The watermark an older fedlink kept in budget.db (schema 2), if any.
absl::StatusOr<std::optional<int64_t>> LegacyWatermark(const common::NodePaths& paths) {
  if (common::FileMTimeNanos(paths.budget_db()) < 0) return std::nullopt;
  ASSIGN_OR_RETURN(auto db, store::sqlite::Database::Open(paths.budget_db(), {.create = false}));
  ASSIGN_OR_RETURN(auto has_table, db->Prepare("SELECT 1 FROM sqlite_master "
                                               "WHERE type = 'table' AND name = 'consent_expiry'"));
  ASSIGN_OR_RETURN(const bool found, has_table->Step());
  if (!found) return std::nullopt;
  ASSIGN_OR_RETURN(auto checked, db->Prepare("SELECT checked_until FROM consent_expiry"));
  ASSIGN_OR_RETURN(const bool row, checked->Step());
  if (!row) return std::nullopt;
  return checked->ColumnInt64(0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConsentExpiryWatermark>> ConsentExpiryWatermark::Open(
    const common::NodePaths& paths, common::Clock* clock) {
  const std::string path = paths.consent_expiry_checked();
  if (common::FileMTimeNanos(path) >= 0) {
    ASSIGN_OR_RETURN(const std::string text,
                     common::ReadWholeFile(path, common::kMaxSmallFileBytes));
    int64_t checked_until = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &checked_until) || checked_until < 0) {
      return absl::DataLossError(absl::StrCat(path, ": corrupt consent-expiry watermark"));
    }
    return std::unique_ptr<ConsentExpiryWatermark>(
        new ConsentExpiryWatermark(paths, checked_until));
  }
  ASSIGN_OR_RETURN(const std::optional<int64_t> legacy, LegacyWatermark(paths));
  if (clock == nullptr) clock = common::Clock::Real();
  std::unique_ptr<ConsentExpiryWatermark> watermark(new ConsentExpiryWatermark(
      paths, legacy.has_value() ? *legacy : absl::ToUnixSeconds(clock->Now())));
  RETURN_IF_ERROR(watermark->Save());
  return watermark;
}

absl::Status ConsentExpiryWatermark::Save() const {
  return common::WriteFileAtomically(path_, absl::StrCat(checked_until_, "\n"));
}

}  // namespace fedlink::private_match
