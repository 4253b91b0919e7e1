#include "node/federation/roster.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "crypto/signed_envelope.h"
#include "fedlink/v1/federation.pb.h"
#include "google/protobuf/text_format.h"
#include "node/common/safe_text.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/tls/tls_identity.h"

namespace fedlink::federation {
namespace {

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) || absl::ascii_isupper(c)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<Member> ValidateEntry(const fedlink::v1::RosterEntry& e) {
  if (auto s = config::ValidateNodeId(e.node_id()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("node_id: ", s.message()));
  }
  if (e.role() != "agency" && e.role() != "ngo" && e.role() != "auditor") {
    return absl::InvalidArgumentError(
        absl::StrCat(e.node_id(), ": role must be agency, ngo or auditor"));
  }
  if (auto s = config::ValidateListenAddress(e.endpoint()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(e.node_id(), ": endpoint: ", s.message()));
  }
  auto v = crypto::Verifier::Parse(e.identity_vkey());
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(e.node_id(), ": identity_vkey: ", v.status().message()));
  }
  if (v->name != e.node_id()) {
    return absl::InvalidArgumentError(
        absl::StrCat(e.node_id(), ": identity key is named '", v->name, "'"));
  }
  if (!IsHex64(e.tls_cert_sha256())) {
    return absl::InvalidArgumentError(
        absl::StrCat(e.node_id(), ": tls_cert_sha256 must be 64 lower-case hex digits"));
  }
  if (e.epoch_days() > 366) {
    return absl::InvalidArgumentError(absl::StrCat(e.node_id(), ": epoch_days: 1 to 366"));
  }
  Member m{e.node_id(),       e.organisation(),    e.role(), e.endpoint(),
           e.identity_vkey(), e.tls_cert_sha256(), *v};
  if (e.epoch_days() != 0) m.epoch_days = static_cast<int>(e.epoch_days());
  if (e.max_table_records() != 0) m.max_table_records = e.max_table_records();
  return m;
}

struct CoordinatorFiles {
  explicit CoordinatorFiles(const std::string& dir) : dir(dir) {}
  std::string dir;
  std::string key() const { return dir + "/federation.key"; }
  std::string next_key() const { return dir + "/federation.key.next"; }
  std::string state() const { return dir + "/members.txtpb"; }
};

absl::StatusOr<fedlink::v1::CoordinatorState> LoadState(const CoordinatorFiles& f) {
  auto text = common::ReadWholeFile(f.state(), common::kMaxSmallFileBytes);
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat(f.dir, ": not a coordinator directory (run `fedlink federation init`)"));
  }
  fedlink::v1::CoordinatorState state;
  if (!google::protobuf::TextFormat::ParseFromString(*text, &state)) {
    return absl::DataLossError(absl::StrCat(f.state(), ": corrupt"));
  }
  return state;
}

absl::Status SaveState(const CoordinatorFiles& f, const fedlink::v1::CoordinatorState& state) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(state, &text);
  return common::WriteFileAtomically(f.state(), text);
}

}  // namespace

namespace {

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::Status Corrupt(absl::Status status) {
  return WithRosterProblem(std::move(status), RosterProblem::kCorrupt);
}

absl::Status ExpiredError(absl::string_view where, const Roster& roster) {
  return WithRosterProblem(
      absl::FailedPreconditionError(absl::StrCat(where, "roster version ", roster.version(),
                                                 " expired at ", Utc(roster.expires_at()))),
      RosterProblem::kExpired);
}

}  // namespace

namespace {

// The key a roster's transitions lead to from `pinned`: each transition
// signed by the key in hand (and naming it as the old key, for this
// federation) moves to its new key; those signed by other keys (older ones,
// before the pinned key) are skipped. NotFound if none moves.
absl::StatusOr<crypto::Verifier> FollowKeyTransitions(absl::string_view envelope_bytes,
                                                      const crypto::Verifier& pinned) {
  ASSIGN_OR_RETURN(const crypto::envelope::Envelope unverified,
                   crypto::envelope::Parse(envelope_bytes));
  fedlink::v1::Roster proto;
  if (!proto.ParseFromString(unverified.body)) {
    return absl::DataLossError("roster: body does not parse");
  }
  crypto::Verifier key = pinned;
  bool moved = false;
  for (const std::string& sealed : proto.key_transitions()) {
    auto body = crypto::envelope::Open(sealed, kRosterKeyTransitionContext, key);
    if (!body.ok()) continue;
    fedlink::v1::RosterKeyTransition t;
    if (!t.ParseFromString(*body)) {
      return absl::DataLossError("roster: a key transition does not parse");
    }
    auto old_key = crypto::Verifier::Parse(t.old_vkey());
    if (t.federation_id() != proto.federation_id() || !old_key.ok() ||
        old_key->ToString() != key.ToString()) {
      return absl::DataLossError(
          "roster: a key transition names another federation or another old key");
    }
    auto next = crypto::Verifier::Parse(t.new_vkey());
    if (!next.ok()) {
      return absl::DataLossError(
          absl::StrCat("roster: a key transition's new key: ", next.status().message()));
    }
    key = *std::move(next);
    moved = true;
  }
  if (!moved) {
    return absl::NotFoundError("no key transition signed by the pinned federation key");
  }
  return key;
}

}  // namespace

absl::StatusOr<Roster> Roster::Verify(absl::string_view envelope_bytes,
                                      const crypto::Verifier& federation_key) {
  crypto::Verifier signer = federation_key;
  auto body = crypto::envelope::Open(envelope_bytes, kRosterContext, federation_key);
  if (!body.ok()) {
    // Perhaps signed by a key the pinned one handed over to.
    auto followed = FollowKeyTransitions(envelope_bytes, federation_key);
    if (followed.ok()) {
      signer = *followed;
      body = crypto::envelope::Open(envelope_bytes, kRosterContext, signer);
    }
    if (!body.ok()) {
      return Corrupt(absl::Status(
          body.status().code(),
          absl::StrCat("roster: signature: ", body.status().message(),
                       followed.ok() ? "" : absl::StrCat(" (", followed.status().message(), ")"))));
    }
  }
  fedlink::v1::Roster proto;
  if (!proto.ParseFromString(*body)) {
    return Corrupt(absl::DataLossError("roster: signed body does not parse"));
  }
  Roster r;
  r.federation_id_ = proto.federation_id();
  r.version_ = proto.version();
  r.expires_at_ = absl::FromUnixSeconds(proto.expires_at());
  r.envelope_ = std::string(envelope_bytes);
  r.signing_vkey_ = signer.ToString();
  if (!config::ValidateNodeId(r.federation_id_).ok()) {
    return Corrupt(absl::InvalidArgumentError(
        "roster: federation_id must be 1-64 of [a-z0-9.-], starting with a letter or digit"));
  }
  if (r.version_ == 0) return Corrupt(absl::InvalidArgumentError("roster: version 0"));
  std::set<std::string> ids;
  for (const auto& e : proto.members()) {
    auto m = ValidateEntry(e);
    if (!m.ok()) {
      return Corrupt(absl::InvalidArgumentError(absl::StrCat("roster: ", m.status().message())));
    }
    if (!ids.insert(m->node_id).second) {
      return Corrupt(
          absl::InvalidArgumentError(absl::StrCat("roster: ", m->node_id, " listed twice")));
    }
    r.members_.push_back(*std::move(m));
  }
  return r;
}

absl::StatusOr<Roster> Roster::Open(absl::string_view envelope_bytes,
                                    const crypto::Verifier& federation_key, absl::Time now) {
  ASSIGN_OR_RETURN(Roster r, Verify(envelope_bytes, federation_key));
  if (r.expires_at_ <= now) return ExpiredError("", r);
  return r;
}

const Member* Roster::Find(absl::string_view node_id) const {
  for (const Member& m : members_) {
    if (m.node_id == node_id) return &m;
  }
  return nullptr;
}

// The highest roster version this node installed (0 before the first, or on
// a node from before the record was kept).
absl::StatusOr<uint64_t> HighestInstalledVersion(const common::NodePaths& paths) {
  const std::string path = paths.roster_high_water();
  if (!std::filesystem::exists(path)) return 0;
  ASSIGN_OR_RETURN(const std::string text, common::ReadWholeFile(path, 64));
  uint64_t version = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &version)) {
    return absl::DataLossError(absl::StrCat(path, ": corrupt roster version record"));
  }
  return version;
}

absl::StatusOr<Roster> InstallRoster(const common::NodePaths& paths,
                                     absl::string_view envelope_bytes,
                                     std::optional<std::string> federation_vkey, absl::Time now) {
  const std::string key_path = paths.federation_key();
  std::string pinned;
  if (auto existing = common::ReadWholeFile(key_path, common::kMaxSmallFileBytes); existing.ok()) {
    pinned = std::string(absl::StripTrailingAsciiWhitespace(*existing));
    if (federation_vkey.has_value() && *federation_vkey != pinned) {
      return absl::PermissionDeniedError(
          "--federation-key differs from the federation key this node already "
          "pinned");
    }
  } else if (federation_vkey.has_value()) {
    pinned = *federation_vkey;
  } else {
    return absl::FailedPreconditionError(
        "no federation key pinned yet: pass --federation-key with the "
        "coordinator's key");
  }
  auto federation_key = crypto::Verifier::Parse(pinned);
  if (!federation_key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("federation key: ", federation_key.status().message()));
  }
  ASSIGN_OR_RETURN(auto roster, Roster::Open(envelope_bytes, *federation_key, now));
  if (auto current = LoadInstalledRoster(paths, now); current.ok()) {
    if (roster.version() <= current->version()) {
      return WithRosterProblem(
          absl::FailedPreconditionError(absl::StrCat("roster version ", roster.version(),
                                                     " is not newer than the installed version ",
                                                     current->version(), " (rollback refused)")),
          RosterProblem::kRolledBack);
    }
    if (roster.federation_id() != current->federation_id()) {
      return absl::PermissionDeniedError("roster is for another federation");
    }
  }
  // Also against the highest version ever installed: once the installed
  // roster has expired it no longer loads, and an older one that removed
  // nobody yet would reinstate a revoked member.
  ASSIGN_OR_RETURN(const uint64_t high_water, HighestInstalledVersion(paths));
  if (roster.version() <= high_water) {
    return WithRosterProblem(absl::FailedPreconditionError(absl::StrCat(
                                 "roster version ", roster.version(), " is not newer than version ",
                                 high_water, " installed before (rollback refused)")),
                             RosterProblem::kRolledBack);
  }
  if (!std::filesystem::exists(key_path)) {
    RETURN_IF_ERROR(common::WriteFileAtomically(key_path, pinned + "\n"));
  }
  RETURN_IF_ERROR(common::WriteFileAtomically(paths.roster(), envelope_bytes));
  RETURN_IF_ERROR(
      common::WriteFileAtomically(paths.roster_high_water(), absl::StrCat(roster.version(), "\n")));
  // Signed by a key the pinned one handed over to: pin it. Written after
  // roster.bin, which carries the transitions, so a crash in between still
  // verifies.
  if (roster.signing_vkey() != federation_key->ToString()) {
    RETURN_IF_ERROR(common::WriteFileAtomically(key_path, roster.signing_vkey() + "\n"));
  }
  return roster;
}

absl::StatusOr<Roster> LoadInstalledRoster(const common::NodePaths& paths, absl::Time now) {
  const std::string roster_path = paths.roster(), key_path = paths.federation_key();
  std::error_code ec;
  if (!std::filesystem::exists(roster_path, ec)) {
    return WithRosterProblem(
        absl::NotFoundError(
            absl::StrCat(paths.dir, ": no roster installed (run `fedlink roster install`)")),
        RosterProblem::kMissing);
  }
  auto bytes = common::ReadWholeFile(roster_path, common::kMaxSmallFileBytes);
  if (!bytes.ok()) {
    return Corrupt(absl::DataLossError(absl::StrCat(
        roster_path, ": the installed roster cannot be read: ", bytes.status().message())));
  }
  auto pinned = common::ReadWholeFile(key_path, common::kMaxSmallFileBytes);
  if (!pinned.ok()) {
    return Corrupt(absl::DataLossError(
        absl::StrCat(key_path, ": the pinned federation key is missing or unreadable (",
                     pinned.status().message(), "); install the roster again with ",
                     "`fedlink roster install --federation-key`")));
  }
  auto key = crypto::Verifier::Parse(absl::StripTrailingAsciiWhitespace(*pinned));
  if (!key.ok()) {
    return Corrupt(absl::DataLossError(absl::StrCat(
        key_path, ": the pinned federation key is corrupt: ", key.status().message())));
  }
  auto roster = Roster::Verify(*bytes, *key);
  if (!roster.ok()) {
    return Corrupt(absl::Status(roster.status().code(),
                                absl::StrCat(roster_path, ": the installed roster is corrupt: ",
                                             roster.status().message())));
  }
  // A roster.bin put back by hand (or a backup) older than one installed
  // since is refused: the server reloads roster.bin whenever it changes.
  auto high_water = HighestInstalledVersion(paths);
  if (!high_water.ok()) return Corrupt(high_water.status());
  if (roster->version() < *high_water) {
    return WithRosterProblem(
        absl::FailedPreconditionError(absl::StrCat(
            roster_path, ": roster version ", roster->version(), " is older than version ",
            *high_water, " installed before (rollback refused; install the newest roster)")),
        RosterProblem::kRolledBack);
  }
  if (roster->expires_at() <= now) {
    return ExpiredError(absl::StrCat(roster_path, ": "), *roster);
  }
  return roster;
}

absl::StatusOr<std::string> MemberRequest(const common::NodePaths& paths,
                                          const config::NodeConfig& config,
                                          absl::string_view identity_vkey) {
  ASSIGN_OR_RETURN(const std::string cert_pem, tls::LoadCertificate(paths.dir));
  return MemberRequestWithCertificate(config, identity_vkey, cert_pem);
}

absl::StatusOr<std::string> MemberRequestWithCertificate(const config::NodeConfig& config,
                                                         absl::string_view identity_vkey,
                                                         absl::string_view cert_pem) {
  ASSIGN_OR_RETURN(auto fp, tls::Fingerprint(cert_pem));
  fedlink::v1::RosterEntry e;
  e.set_node_id(config.node_id);
  e.set_organisation(config.organisation);
  e.set_role(std::string(config::NodeRoleName(config.role)));
  e.set_endpoint(config::AdvertisedAddress(config));
  e.set_identity_vkey(std::string(identity_vkey));
  e.set_tls_cert_sha256(fp);
  e.set_epoch_days(static_cast<uint32_t>(config.epoch_days));
  e.set_max_table_records(config.max_table_records);
  std::string text;
  google::protobuf::TextFormat::PrintToString(e, &text);
  return absl::StrCat("# fedlink membership request (fedlink.v1.RosterEntry)\n", text);
}

absl::StatusOr<std::string> InitCoordinator(const std::string& dir,
                                            absl::string_view federation_id) {
  if (auto s = config::ValidateNodeId(federation_id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--federation-id: ", s.message()));
  }
  CoordinatorFiles f(dir);
  std::error_code ec;
  if (std::filesystem::exists(f.state(), ec)) {
    return absl::AlreadyExistsError(absl::StrCat(dir, ": already a coordinator directory"));
  }
  std::filesystem::create_directories(dir, ec);
  chmod(dir.c_str(), 0700);
  ASSIGN_OR_RETURN(auto key, crypto::SigningKey::Generate(absl::StrCat(federation_id, "/roster")));
  RETURN_IF_ERROR(key->SaveToFile(f.key()));
  fedlink::v1::CoordinatorState state;
  state.set_federation_id(std::string(federation_id));
  RETURN_IF_ERROR(SaveState(f, state));
  return key->VerifierKey();
}

namespace {

// Finishes a key rollover interrupted after the new key was written: if the
// member list records the transition to it, the new key replaces the old;
// if not, it was never handed over and is removed.
absl::Status FinishKeyRollover(const CoordinatorFiles& f,
                               const fedlink::v1::CoordinatorState& state) {
  std::error_code ec;
  if (!std::filesystem::exists(f.next_key(), ec)) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto next, crypto::SigningKey::LoadFromFile(f.next_key()));
  bool handed_over = false;
  if (!state.key_transitions().empty()) {
    auto parsed = crypto::envelope::Parse(state.key_transitions(state.key_transitions_size() - 1));
    fedlink::v1::RosterKeyTransition t;
    handed_over =
        parsed.ok() && t.ParseFromString(parsed->body) && t.new_vkey() == next->VerifierKey();
  }
  if (!handed_over) {
    if (!std::filesystem::remove(f.next_key(), ec) || ec) {
      return absl::InternalError(absl::StrCat(f.next_key(), ": cannot remove"));
    }
    return absl::OkStatus();
  }
  if (rename(f.next_key().c_str(), f.key().c_str()) != 0) {
    return absl::InternalError(absl::StrCat(f.next_key(), ": cannot rename to ", f.key()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> CoordinatorVkey(const std::string& dir) {
  CoordinatorFiles f(dir);
  ASSIGN_OR_RETURN(auto state, LoadState(f));
  RETURN_IF_ERROR(FinishKeyRollover(f, state));
  ASSIGN_OR_RETURN(auto key, crypto::SigningKey::LoadFromFile(f.key()));
  return key->VerifierKey();
}

absl::StatusOr<std::string> RotateCoordinatorKey(const std::string& dir, absl::Time now) {
  CoordinatorFiles f(dir);
  ASSIGN_OR_RETURN(auto state, LoadState(f));
  RETURN_IF_ERROR(FinishKeyRollover(f, state));
  ASSIGN_OR_RETURN(auto old_key, crypto::SigningKey::LoadFromFile(f.key()));
  ASSIGN_OR_RETURN(auto new_key, crypto::SigningKey::Generate(old_key->name()));
  fedlink::v1::RosterKeyTransition t;
  t.set_federation_id(state.federation_id());
  t.set_old_vkey(old_key->VerifierKey());
  t.set_new_vkey(new_key->VerifierKey());
  t.set_issued_at(absl::ToUnixSeconds(now));
  std::string body;
  t.SerializeToString(&body);
  ASSIGN_OR_RETURN(std::string sealed,
                   crypto::envelope::Seal(*old_key, kRosterKeyTransitionContext, body));
  RETURN_IF_ERROR(new_key->SaveToFile(f.next_key()));
  state.add_key_transitions(sealed);
  RETURN_IF_ERROR(SaveState(f, state));
  RETURN_IF_ERROR(FinishKeyRollover(f, state));
  return new_key->VerifierKey();
}

namespace {

// A membership request's entry, parsed into *entry and checked.
absl::StatusOr<Member> ParseRequest(absl::string_view request_text, absl::string_view source_name,
                                    fedlink::v1::RosterEntry* entry) {
  if (!google::protobuf::TextFormat::ParseFromString(std::string(request_text), entry)) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": not a membership request"));
  }
  auto m = ValidateEntry(*entry);
  if (!m.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", m.status().message()));
  }
  return m;
}

}  // namespace

absl::StatusOr<Member> ParseMemberRequest(absl::string_view request_text,
                                          absl::string_view source_name) {
  fedlink::v1::RosterEntry entry;
  return ParseRequest(request_text, source_name, &entry);
}

absl::Status AddMember(const std::string& dir, absl::string_view request_text,
                       absl::string_view source_name) {
  CoordinatorFiles f(dir);
  ASSIGN_OR_RETURN(auto state, LoadState(f));
  fedlink::v1::RosterEntry entry;
  RETURN_IF_ERROR(ParseRequest(request_text, source_name, &entry).status());
  bool replaced = false;
  for (auto& existing : *state.mutable_members()) {
    if (existing.node_id() == entry.node_id()) {
      existing = entry;
      replaced = true;
    }
  }
  if (!replaced) *state.add_members() = entry;
  return SaveState(f, state);
}

absl::Status RemoveMember(const std::string& dir, absl::string_view node_id) {
  CoordinatorFiles f(dir);
  ASSIGN_OR_RETURN(auto state, LoadState(f));
  auto* members = state.mutable_members();
  const int before = members->size();
  for (int i = members->size() - 1; i >= 0; --i) {
    if (members->Get(i).node_id() == node_id) members->DeleteSubrange(i, 1);
  }
  if (members->size() == before) {
    return absl::NotFoundError(absl::StrCat("no member '", node_id, "' in the roster"));
  }
  return SaveState(f, state);
}

absl::StatusOr<std::string> SignRoster(const std::string& dir, absl::Duration valid_for,
                                       absl::Time now) {
  CoordinatorFiles f(dir);
  ASSIGN_OR_RETURN(auto state, LoadState(f));
  RETURN_IF_ERROR(FinishKeyRollover(f, state));
  ASSIGN_OR_RETURN(auto key, crypto::SigningKey::LoadFromFile(f.key()));
  if (valid_for <= absl::ZeroDuration())
    return absl::InvalidArgumentError("validity must be positive");
  fedlink::v1::Roster roster;
  roster.set_federation_id(state.federation_id());
  roster.set_version(state.last_version() + 1);
  roster.set_issued_at(absl::ToUnixSeconds(now));
  roster.set_expires_at(absl::ToUnixSeconds(now + valid_for));
  *roster.mutable_members() = state.members();
  *roster.mutable_key_transitions() = state.key_transitions();
  std::string body;
  roster.SerializeToString(&body);
  ASSIGN_OR_RETURN(auto sealed, crypto::envelope::Seal(*key, kRosterContext, body));
  state.set_last_version(roster.version());
  RETURN_IF_ERROR(SaveState(f, state));
  return sealed;
}

std::string FormatRoster(const Roster& roster) {
  // Ids, roles and endpoints are checked at load; the organisation is free
  // text the member chose. Everything is escaped all the same.
  using common::EscapeForDisplay;
  std::string out = absl::StrFormat("federation %s, roster version %d, expires %s\n",
                                    EscapeForDisplay(roster.federation_id()), roster.version(),
                                    Utc(roster.expires_at()));
  for (const Member& m : roster.members()) {
    absl::StrAppendFormat(&out, "  %-16s %-8s %-22s %s  tls:%s...\n", EscapeForDisplay(m.node_id),
                          EscapeForDisplay(m.role), EscapeForDisplay(m.endpoint),
                          EscapeForDisplay(m.organisation), m.tls_cert_sha256.substr(0, 16));
  }
  return out;
}

}  // namespace fedlink::federation
