// Channel and server settings shared by the peer client and server, so that
// keepalive and message-size limits agree on both ends. Included only by
// the .cc files that build channels and servers.
#ifndef FEDLINK_NODE_FEDERATION_GRPC_SETTINGS_H_
#define FEDLINK_NODE_FEDERATION_GRPC_SETTINGS_H_

namespace fedlink::federation {

inline constexpr int kMaxMessageBytes = 64 << 20;  // tag tables are streamed in chunks below this
inline constexpr int kKeepaliveTimeMs = 30'000;    // client pings an idle connection every 30 s
inline constexpr int kKeepaliveTimeoutMs = 10'000;
// The server tolerates pings no more often than every 20 s: below the
// client's 30 s, so the server never closes a well-behaved client.
inline constexpr int kMinPingIntervalMs = 20'000;

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_GRPC_SETTINGS_H_
