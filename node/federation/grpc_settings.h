// Channel and server settings shared by the peer client and server, so that
// keepalive and message-size limits agree on both ends, and the size limit
// of each peer method's signed request. Included only by the .cc files that
// build channels and servers, and by the peer services.
#ifndef FEDLINK_NODE_FEDERATION_GRPC_SETTINGS_H_
#define FEDLINK_NODE_FEDERATION_GRPC_SETTINGS_H_

#include <cstddef>

namespace fedlink::federation {

// Messages. The largest request any peer method legitimately sends is an
// EvaluateRequest or a MatchNotice of at most 3 MiB (below); the server
// refuses a bigger message before it reaches a handler (RESOURCE_EXHAUSTED).
// The largest answer is a tag-table chunk (kTableChunkBytes of slots, plus
// the removals of a delta in its first chunk).
inline constexpr int kMaxRequestBytes = 4 << 20;
inline constexpr int kMaxAnswerBytes = 16 << 20;

// Each method's signed request envelope, refused before its signature is
// checked (SignedMethod::max_envelope_bytes).
// A request of its header only: Ping, TableRequest, ExportRequest.
inline constexpr size_t kMaxHeaderOnlyEnvelope = 16 << 10;
// Contact, Reply, Revoke: ids, a handle and a text of at most 2000 bytes.
inline constexpr size_t kMaxFollowupEnvelope = 64 << 10;
// Cosign: a checkpoint note (at most 64 signatures) and a consistency proof
// (at most 64 hashes).
inline constexpr size_t kMaxCosignEnvelope = 64 << 10;
// EvaluateRequest: at most 65,536 blinded elements of 34 bytes on the wire.
inline constexpr size_t kMaxEvaluateEnvelope = 3 << 20;
// MatchNotice: at most 100,000 handles of 23 bytes on the wire (a sender
// splits more into several notices).
inline constexpr int kMaxNoticeHandles = 100000;
inline constexpr size_t kMaxNoticeEnvelope = 3 << 20;
static_assert(kMaxEvaluateEnvelope < kMaxRequestBytes && kMaxNoticeEnvelope < kMaxRequestBytes,
              "every legitimate request must fit the server's receive limit");

// Tag-table chunks carry at most kSlotsPerChunk slots (match_service.h) and
// stop growing past this many bytes of slots.
inline constexpr size_t kTableChunkBytes = 4 << 20;
static_assert(kTableChunkBytes * 2 < kMaxAnswerBytes, "a chunk must fit the client's limit");

inline constexpr int kKeepaliveTimeMs = 30'000;  // client pings an idle connection every 30 s
inline constexpr int kKeepaliveTimeoutMs = 10'000;
// The server tolerates pings no more often than every 20 s: below the
// client's 30 s, so the server never closes a well-behaved client.
inline constexpr int kMinPingIntervalMs = 20'000;

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_GRPC_SETTINGS_H_
