// Fuzz target: the federation roster and membership requests
// (node/federation/roster.h). The first byte picks the entry point:
//   0: the bytes are a signed roster envelope: Roster::Open under the fixed
//      federation key (fuzz_make_seeds signs the seeds with it);
//   1: the bytes are a roster body (fedlink.v1.Roster): sealed here with
//      the federation key, then Roster::Open, so every body reaches the
//      roster's own checks;
//   2: the bytes are a membership request (RosterEntry text):
//      ParseMemberRequest, as `fedlink federation add` reads it.
// An accepted roster or member holds only valid fields, and what
// `roster show` prints of it is text a terminal shows as it is (no control
// character or layout control a member could have put in its request).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "crypto/signed_envelope.h"
#include "fuzz/fuzz_support.h"
#include "node/common/safe_text.h"
#include "node/config/node_config.h"
#include "node/federation/roster.h"

namespace fedlink::fuzz {
namespace {

void CheckMember(const federation::Member& m) {
  FUZZ_CHECK(config::ValidateNodeId(m.node_id).ok(), "a member with an invalid node id");
  FUZZ_CHECK(m.role == "agency" || m.role == "ngo" || m.role == "auditor", "an unknown role");
  FUZZ_CHECK(config::ValidateListenAddress(m.endpoint).ok(), "an invalid endpoint");
  FUZZ_CHECK(m.identity.name == m.node_id, "an identity key of another name");
  FUZZ_CHECK(m.tls_cert_sha256.size() == 64, "a TLS fingerprint that is not 64 hex digits");
  FUZZ_CHECK(m.epoch_days >= 1 && m.epoch_days <= 366, "epoch_days out of 1..366");
  FUZZ_CHECK(m.max_table_records >= 1, "max_table_records of 0");
}

// `roster show`: one line for the roster, one per member.
void CheckShown(const std::string& text, size_t members) {
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  FUZZ_CHECK(lines.size() == members + 2 && lines.back().empty(),
             "roster show prints a line break from a member's request");
  for (absl::string_view line : lines) {
    FUZZ_CHECK(common::EscapeForDisplay(line) == line,
               "roster show prints a control character from a member's request");
  }
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fuzz = fedlink::fuzz;
  namespace federation = fedlink::federation;
  static const auto* const federation_key = fuzz::FixedKey("fuzz-federation/roster", 1).release();
  static const auto* const verifier = new fedlink::crypto::Verifier(
      fedlink::crypto::Verifier::Parse(federation_key->VerifierKey()).value());
  if (size == 0) return 0;
  const absl::string_view rest = fuzz::AsText(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
    case 1: {
      std::string envelope(rest);
      if (data[0] % 3 == 1) {
        auto sealed =
            fedlink::crypto::envelope::Seal(*federation_key, federation::kRosterContext, rest);
        FUZZ_CHECK(sealed.ok(), "a roster body that does not seal");
        envelope = *std::move(sealed);
      }
      auto roster = federation::Roster::Open(envelope, *verifier, fuzz::FixedNow());
      if (!roster.ok()) return 0;
      FUZZ_CHECK(roster->version() > 0, "roster version 0");
      FUZZ_CHECK(roster->expires_at() > fuzz::FixedNow(), "an expired roster");
      std::set<std::string> ids;
      for (const federation::Member& m : roster->members()) {
        fuzz::CheckMember(m);
        FUZZ_CHECK(ids.insert(m.node_id).second, "a member listed twice");
        FUZZ_CHECK(roster->Find(m.node_id) == &m, "a member Find does not find");
      }
      fuzz::CheckShown(federation::FormatRoster(*roster), roster->members().size());
      break;
    }
    case 2: {
      auto member = federation::ParseMemberRequest(rest, "request.txtpb");
      if (member.ok()) fuzz::CheckMember(*member);
      break;
    }
  }
  return 0;
}
