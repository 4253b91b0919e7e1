// Password hashes for the people who log in to the node's web console:
// Argon2id through libsodium's crypto_pwhash_str, whose output string holds
// the algorithm, its limits and a random salt ("$argon2id$v=19$m=...").
//
// Security: the interactive limits (2 passes, 64 MiB) cost about 0.1 s per
// hash on a server core: slow enough to make guessing a stolen users.db
// expensive, fast enough for a login. The hash is itself sealed at rest
// (node/app/user_store.h). Thread-safety: plain functions, any thread.
//
//   ASSIGN_OR_RETURN(std::string h, HashPassword("correct horse battery"));
//   bool ok = VerifyPassword(h, attempt);
#ifndef FEDLINK_CRYPTO_PASSWORD_HASH_H_
#define FEDLINK_CRYPTO_PASSWORD_HASH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fedlink::crypto {

// ResourceExhausted if the memory cannot be had.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
// Whether `password` matches `hash` (false for a malformed hash too).
bool VerifyPassword(absl::string_view hash, absl::string_view password);
// A hash of a random password, to verify against for an unknown user so
// that a login takes as long whether or not the name exists.
const std::string& DummyPasswordHash();

}  // namespace fedlink::crypto

#endif  // FEDLINK_CRYPTO_PASSWORD_HASH_H_
