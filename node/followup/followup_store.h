// Follow-up after a hit: the hits this node found (so a contact request can
// say how long ago the hit was; Prüm II expects the data behind a hit within
// 48 hours), and contact requests sent and received, with their decisions.
// SQLite in DIR/followup.db. Holds handles and own external ids, never a
// peer's data. It is the deletable half of the follow-ups: the access log
// keeps only a commitment to each request's content (content_commitment.h),
// and EraseContentAbout removes the content when a survivor withdraws
// consent or the record is deleted. Thread-safe.
#ifndef FEDLINK_NODE_FOLLOWUP_FOLLOWUP_STORE_H_
#define FEDLINK_NODE_FOLLOWUP_FOLLOWUP_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "crypto/aead.h"
#include "node/store/sqlite.h"

namespace fedlink::followup {

struct Hit {
  std::string peer;
  std::string purpose;
  std::string handle;  // the peer's opaque handle
  std::string own_id;  // our record's external id
  double score = 0;
  std::string keys;  // agreeing key types, ';'-separated
  std::string role;
  std::string officer;
  absl::Time found_at;  // first time this pair was found
};

enum class ContactStatus { kPending, kAccepted, kDeclined, kRevoked };
absl::string_view ContactStatusName(ContactStatus status);

struct Contact {
  std::string id;      // random, names the request on both nodes
  std::string peer;    // the other node
  std::string handle;  // the owner's handle
  std::string own_id;  // outgoing: our record; incoming: the owner's record
  std::string purpose;
  std::string reason;
  absl::Time hit_at;  // when the requester found the hit
  absl::Time created_at;
  ContactStatus status = ContactStatus::kPending;
  std::string reply;
  absl::Time decided_at = absl::InfinitePast();
  // The key of the content's commitments in the access log
  // (content_commitment.h); empty for requests recorded before them.
  std::string salt;
  // When handle, reason, reply and salt were erased (consent withdrawn,
  // record deleted, revocation received); InfinitePast: they are here.
  absl::Time erased_at = absl::InfinitePast();
  bool erased() const { return erased_at != absl::InfinitePast(); }
};

// An outgoing contact request held until a supervisor approves it (the
// policy's contact_requests_need_approval); it has not been sent.
struct HeldContact {
  std::string id;  // becomes the sent request's id
  std::string peer;
  std::string handle;
  std::string own_id;
  std::string purpose;
  std::string reason;
  std::string requested_by;  // the official who asked
  std::string legal_basis;
  absl::Time created_at;
  // The supervisor who rejected it, and when; InfinitePast: awaiting
  // approval.
  std::string rejected_by;
  absl::Time rejected_at = absl::InfinitePast();
  bool rejected() const { return rejected_at != absl::InfinitePast(); }
};

class FollowupStore {
 public:
  // With `content_key` (the node's data key, config::OpenedNode::file_key)
  // the free text of the follow-ups (a request's reason and reply, a hit's
  // officer) is sealed under it, each value bound to its row and column
  // (crypto::RowPlace); a store that held them in the clear is sealed on
  // open, in one transaction. Without, a store that was sealed is refused
  // (FailedPrecondition).
  static absl::StatusOr<std::unique_ptr<FollowupStore>> Open(
      const std::string& path, const crypto::SealingKey* content_key = nullptr);

  // Data-key rotation (config/data_key_rotation.h): writes a compacted copy
  // of the store at `from` to the new file `to` and there seals every value
  // again under `next`, in one transaction, then compacts it again (no
  // ciphertext under `current` left in free pages). `from` is not changed.
  static absl::Status Reseal(const std::string& from, const std::string& to,
                             const crypto::SealingKey& current, const crypto::SealingKey& next);

  // Records hits; a pair (peer, purpose, handle, own_id) keeps its first
  // found_at.
  absl::Status RecordHits(const std::vector<Hit>& hits);
  absl::StatusOr<std::optional<Hit>> FindHit(absl::string_view peer, absl::string_view handle);
  // Hits involving one of our records (for `records show`).
  absl::StatusOr<std::vector<Hit>> HitsFor(absl::string_view own_id);

  absl::Status AddOutgoing(const Contact& c);
  // AlreadyExists if a request with this id from this peer was recorded.
  absl::Status AddIncoming(const Contact& c);
  absl::StatusOr<std::vector<Contact>> Outgoing();
  absl::StatusOr<std::vector<Contact>> Incoming();
  // The incoming request with this id, if any.
  absl::StatusOr<std::optional<Contact>> FindIncoming(absl::string_view id);
  // The outgoing request with this id, if any.
  absl::StatusOr<std::optional<Contact>> FindOutgoing(absl::string_view id);
  // The owner decides a pending incoming request (FailedPrecondition if it
  // was already decided, NotFound if unknown). Returns the updated request.
  absl::StatusOr<Contact> Decide(absl::string_view id, bool accept, absl::string_view reply,
                                 absl::Time now);
  // The requester records the owner's decision on an outgoing request; only
  // the peer it was sent to may decide it. Returns the updated request.
  absl::StatusOr<Contact> RecordReply(absl::string_view id, absl::string_view peer, bool accept,
                                      absl::string_view reply, absl::Time now);

  // Requests awaiting a supervisor's approval (all, or the one with `id`),
  // oldest first. RemoveHeld drops one once approved (and sent): false if
  // there was none with that id.
  absl::Status AddHeld(const HeldContact& c);
  absl::StatusOr<std::vector<HeldContact>> Held(absl::string_view id = "");
  absl::StatusOr<bool> RemoveHeld(absl::string_view id);
  // A supervisor rejected held request `id`: it is kept, never sent, marked
  // with who and when, so that the requester sees the answer (RejectedHeld,
  // oldest first); it is no longer awaiting approval. False if no request
  // with that id was awaiting approval. Erasure removes rejected requests
  // like the others.
  absl::StatusOr<bool> RejectHeld(absl::string_view id, absl::string_view supervisor,
                                  absl::Time now);
  absl::StatusOr<std::vector<HeldContact>> RejectedHeld();

  // Erasure (consent withdrawn or record deleted): the content of every
  // request about our record `own_id`, sent or received (handle, reason,
  // reply and the commitments' salt), our hits on it and requests about it
  // still awaiting approval are removed; the sent requests stay as who
  // asked whom, for what, when and the outcome.
  // `forget_own_id` (the record is deleted) blanks the record's id in them
  // too. Returns how many requests were erased.
  absl::StatusOr<size_t> EraseContentAbout(absl::string_view own_id, absl::Time now,
                                           bool forget_own_id);

  // Consent withdrawal, owner side: a revocation notice owed to `peer`
  // about our record `own_id` (handle or contact id), until acknowledged.
  struct Revocation {
    std::string id;
    std::string own_id;
    std::string peer;
    std::string handle;      // our handle the peer holds a hit on
    std::string contact_id;  // or a contact request we sent the peer
    absl::Time created_at;
    absl::Time acked_at = absl::InfinitePast();  // InfinitePast: pending
  };
  absl::Status AddRevocation(const Revocation& r);
  // The peer acknowledged: the notice's handle is no longer needed and is
  // erased.
  absl::Status AckRevocation(absl::string_view id, absl::Time now);
  absl::StatusOr<std::vector<Revocation>> Revocations(absl::string_view own_id);
  absl::StatusOr<std::vector<Revocation>> PendingRevocations();
  // Receiving side: `peer` says its record `handle` (or the contact request
  // `contact_id` it sent us) is withdrawn: forget our hits on it, mark the
  // requests revoked and erase their content.
  absl::Status ApplyRevocation(absl::string_view peer, absl::string_view handle,
                               absl::string_view contact_id, absl::Time now);

  // Mutual notice, owner side: `peer` matched our record `own_id`.
  struct Notice {
    std::string peer;
    std::string purpose;
    std::string own_id;
    absl::Time at;
  };
  absl::Status AddNotices(const std::vector<Notice>& notices);
  absl::StatusOr<std::vector<Notice>> Notices();

 private:
  FollowupStore(std::unique_ptr<store::sqlite::Database> db, const crypto::SealingKey* key)
      : db_(std::move(db)), key_(key) {}
  // The sealed (or, without a key, clear) form of `text` for its place; the
  // empty text (erased content) stays empty.
  std::string Seal(absl::string_view table, absl::string_view row, absl::string_view column,
                   absl::string_view text) const;
  absl::StatusOr<std::string> Unseal(absl::string_view table, absl::string_view row,
                                     absl::string_view column, const std::string& stored) const;
  // Seals the clear content of a store opened with a key for the first time.
  absl::Status SealClearContent();
  // Every sealed value opened with `from` (null: in the clear) and sealed
  // under `to`, in one transaction.
  absl::Status ResealContent(const crypto::SealingKey* from, const crypto::SealingKey& to);
  absl::StatusOr<Hit> ReadHit(const store::sqlite::Statement& st) const;
  // The columns a request (Contact) and a held request (HeldContact) share,
  // selected first and in this order: id, peer, handle, own_id, purpose,
  // reason (sealed in `table`).
  template <typename Request>
  absl::Status ReadRequestHead(absl::string_view table, const store::sqlite::Statement& st,
                               Request& request) const;
  // The held requests awaiting approval or rejected (all, or the one with
  // `id`), oldest first.
  absl::StatusOr<std::vector<HeldContact>> ListHeld(bool rejected, absl::string_view id = "");
  // After an erasure: empties the write-ahead log, which still holds the
  // pages as they were.
  absl::Status ScrubWal() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The requests in `table`, or only the one with `id` if it is not empty.
  absl::StatusOr<std::vector<Contact>> List(absl::string_view table, absl::string_view id = "");
  absl::Mutex mu_;
  std::unique_ptr<store::sqlite::Database> db_ ABSL_GUARDED_BY(mu_);
  const crypto::SealingKey* key_;  // null: content in the clear (an older node)
};

}  // namespace fedlink::followup

#endif  // FEDLINK_NODE_FOLLOWUP_FOLLOWUP_STORE_H_
