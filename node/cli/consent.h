// Consent withdrawal and the record's sharing history (`fedlink records
// withdraw-consent | notify-revocations | show`).
#ifndef FEDLINK_NODE_CLI_CONSENT_H_
#define FEDLINK_NODE_CLI_CONSENT_H_

#include <string>

#include "node/config/node_dir.h"

namespace fedlink::cli {

// Clears the record's consent, re-keys the node's OPRF keys (every table a
// peer cached is void at once) and sends a signed revocation notice to every
// peer that received a hit or follow-up about it, tracking acknowledgements.
int WithdrawConsent(const std::string& dir, const std::string& external_id);
// Retries the revocation notices not yet acknowledged.
int NotifyRevocations(const std::string& dir);
// What was shared about `record`, with whom and when; and with whom it is
// shared now, per the policy (for the operator to show the survivor).
void PrintSharingHistory(const OpenedNode& node, const Person& record);

}  // namespace fedlink::cli

#endif  // FEDLINK_NODE_CLI_CONSENT_H_
