// Where a node's key-encryption key (KEK) comes from, and the wrapped data
// key it opens (DIR/data.key). The data key (crypto/data_key.h) seals
// everything personal in the node directory; the KEK never is in it:
//
//   - a key file, on another volume (a USB key, a mounted secrets volume):
//     one line, base64 of 32 random bytes, mode 0600 or 0400 and owned by
//     the node's user, else refused;
//   - a passphrase: Argon2id (crypto_pwhash) with a random salt and the
//     limits recorded in data.key, read from a file (--passphrase-file, 0600
//     or 0400), a file descriptor (--passphrase-fd) or the terminal;
//   - a systemd credential: $CREDENTIALS_DIRECTORY/NAME, which systemd
//     decrypts there for the service (LoadCredentialEncrypted=NAME:..., with
//     the TPM where there is one); its content is a key file's.
//
// data.key (0600) records which kind of source wrapped the key (and the key
// file's path or the credential's name, never a secret), so commands need
// no flag in the usual case; a flag given overrides it. Format, one field a
// line; the first three lines are the wrapping's associated data, so none
// of them can be altered or moved to another node's directory:
//
//   fedlink data key v1
//   node NODE_ID
//   source key-file PATH | source credential NAME |
//     source passphrase argon2id13 OPSLIMIT MEMLIMIT base64(SALT)
//   wrapped base64(nonce || XChaCha20-Poly1305(data key) || tag)
//
// Every failure is one line naming the source tried (never a secret):
// NotFound (missing), PermissionDenied (loose mode, wrong key or
// passphrase), DataLoss (a corrupt data.key), FailedPrecondition (no
// terminal to ask, no credentials directory).
#ifndef FEDLINK_NODE_CONFIG_KEY_SOURCE_H_
#define FEDLINK_NODE_CONFIG_KEY_SOURCE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/data_key.h"
#include "node/common/node_paths.h"

namespace fedlink::config {

struct KeySource {
  enum class Kind {
    kRecorded,            // what data.key names (a key file, a credential, a passphrase asked for)
    kKeyFile,             // --key-file PATH
    kPassphraseFile,      // --passphrase-file PATH
    kPassphraseFd,        // --passphrase-fd N
    kPassphraseTerminal,  // asked on the terminal
    kCredential,          // --credential NAME
  };
  Kind kind = Kind::kRecorded;
  std::string path;        // kKeyFile, kPassphraseFile
  int fd = -1;             // kPassphraseFd
  std::string credential;  // kCredential
  // Asks the operator for the passphrase (twice when `confirm`, choosing a
  // new one). Set by a front end that has a terminal; null otherwise.
  std::function<absl::StatusOr<std::string>(bool confirm)> ask_passphrase;

  bool passphrase() const {
    return kind == Kind::kPassphraseFile || kind == Kind::kPassphraseFd ||
           kind == Kind::kPassphraseTerminal;
  }
};

// "key file PATH", "systemd credential NAME", "passphrase from ...".
std::string DescribeKeySource(const KeySource& source);

// Whether DIR holds a wrapped data key (a node encrypted at rest).
bool HasDataKey(const common::NodePaths& paths);

// Makes a new data key for `node_id`, wraps it under the KEK from `source`
// and writes data.key (0600, never overwriting). A key file that does not
// exist yet is created (0600) with 32 new random bytes; a passphrase must
// have at least 12 characters. kRecorded is refused: a new node names its
// source.
absl::StatusOr<std::unique_ptr<crypto::DataKey>> CreateDataKey(const common::NodePaths& paths,
                                                               const std::string& node_id,
                                                               const KeySource& source);

// Opens data.key with the KEK from `source` (kRecorded: the source data.key
// names). Refuses a data.key written for another node id.
absl::StatusOr<std::unique_ptr<crypto::DataKey>> OpenDataKey(const common::NodePaths& paths,
                                                             const std::string& node_id,
                                                             const KeySource& source);

// Opens the text of a data.key (its format above) found elsewhere than in a
// node directory (a backup file's prelude): `what` names it in errors;
// `node_id`, if not empty, must be the node it names. The same errors as
// OpenDataKey.
absl::StatusOr<std::unique_ptr<crypto::DataKey>> OpenDataKeyText(const std::string& what,
                                                                 absl::string_view text,
                                                                 const std::string& node_id,
                                                                 const KeySource& source);

// Writes a new key file (0600, never overwriting): one line, base64 of 32
// random bytes.
absl::Status WriteNewKeyFile(const std::string& path);

}  // namespace fedlink::config

#endif  // FEDLINK_NODE_CONFIG_KEY_SOURCE_H_
