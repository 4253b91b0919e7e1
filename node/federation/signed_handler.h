// One idiom for every peer-facing handler of a signed request:
//
//   verify  the envelope (its size against the method's limit, then
//           PeerAuth: roster member behind the mTLS identity, signature,
//           recipient, freshness, replay),
//   decode  the verified body into what the method needs,
//   act     on it (the plain C++ class behind the service),
//   log     one audit entry, answered or refused, before anything leaves,
//   seal    the answer (each chunk of a streamed one) with the node's key.
//
// A service states only the method's names and its three steps; the order,
// the refusals' entries and the sealing are written here once. Narrow
// header: no grpcpp, no generated code (grpc types are only declared; the
// gRPC adapters Reply and SinkTo are in signed_rpc.h).
//
// Example, a unary method:
//
//   constexpr SignedMethod kCosign = {"fedlink.v1.CosignRequest",
//                                     "fedlink.v1.CosignAnswer",
//                                     "witness.cosigned", "witness.refused"};
//   absl::StatusOr<std::string> sealed = handler_.Unary(
//       context, envelope, kCosign,
//       [](const VerifiedRequest& v) -> absl::StatusOr<CosignRequest> {...},
//       [&](const VerifiedRequest& v, CosignRequest& body,
//           audit::Event& entry) -> absl::StatusOr<std::string> {...},
//       [](const VerifiedRequest& v, std::string& line) {
//         CosignAnswer answer; ...; return answer;
//       });
//
// Steps may return a value, an absl::StatusOr of it, or (act only) an
// absl::Status. decode and act may take a trailing `audit::Event& entry`:
// what they note there is logged whatever the outcome (a refusal's entry
// keeps it too). The answer step may take a trailing `const Logged&` (the
// entry's index, for answers that name it).
//
// Thread-safety: a SignedHandler is immutable; calls may run concurrently
// (as safe as the steps they are given).
#ifndef FEDLINK_NODE_FEDERATION_SIGNED_HANDLER_H_
#define FEDLINK_NODE_FEDERATION_SIGNED_HANDLER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/identity.h"
#include "node/audit/audit_log.h"
#include "node/common/status_macros.h"
#include "node/federation/peer_service.h"
#include "node/federation/signed_request.h"

namespace fedlink::federation {

// A signed method: its names on the wire and in the audit log.
struct SignedMethod {
  absl::string_view request;   // context of the request envelope
  absl::string_view answer;    // context the answer (each chunk) is sealed under
  absl::string_view answered;  // audit event of an answered request
  absl::string_view refused;   // audit event of a refused one (may be `answered`)
  // Noted in the entry of every request of the method that authenticated
  // (null: nothing). A request that did not is logged as a fixed-size
  // refusal entry (audit::RefusalEvent): the TLS peer, the method, a fixed
  // reason code and the envelope's digest, never anything it carried.
  void (*note)(absl::string_view envelope, audit::Event& entry) = nullptr;
  // By default a refusal stands when its entry cannot be written (the entry
  // is best effort). If set, such a refusal is answered with the log's error
  // instead, as an answered request always is.
  bool refusal_needs_entry = false;
  // A request envelope larger than this is refused (RESOURCE_EXHAUSTED)
  // before its signature is checked, and nothing of it is kept (the note is
  // not taken). Limits of each method: grpc_settings.h.
  size_t max_envelope_bytes = 64 << 10;
};

// The durable audit entry of an answered request (index 0 and no checkpoint
// when the handler has no log).
struct Logged {
  uint64_t index = 0;
  std::string checkpoint;  // the log's latest checkpoint after the entry
};

// What an act step returns when it only allows or refuses.
struct Done {};

// Sends one sealed envelope of a streamed answer; an error (the peer went
// away) ends the stream with it.
using EnvelopeSink = std::function<absl::Status(std::string envelope)>;

// Seals each chunk of a streamed answer under the method's answer context
// and sends it.
class ChunkWriter {
 public:
  ChunkWriter(const crypto::SigningKey* identity, absl::string_view context,
              const EnvelopeSink* send)
      : identity_(identity), context_(context), send_(send) {}

  // `chunk` is a protobuf message (anything with SerializeAsString()).
  template <typename Message>
  absl::Status Write(const Message& chunk) {
    return WriteBody(chunk.SerializeAsString());
  }

 private:
  absl::Status WriteBody(const std::string& body);

  const crypto::SigningKey* identity_;
  absl::string_view context_;
  const EnvelopeSink* send_;
};

namespace signed_handler_internal {

template <typename T>
struct Value {
  using Type = T;
};
template <typename T>
struct Value<absl::StatusOr<T>> {
  using Type = T;
};
template <>
struct Value<absl::Status> {
  using Type = Done;
};

// absl::StatusOr of whatever a step returned.
template <typename T>
absl::StatusOr<typename Value<T>::Type> Wrap(T&& value) {
  if constexpr (std::is_same_v<T, absl::Status>) {
    RETURN_IF_ERROR(value);
    return Done{};
  } else {
    return std::forward<T>(value);
  }
}

// f(args..., last) if f takes it, else f(args...).
template <typename F, typename Last, typename... Args>
decltype(auto) Call(F& f, Last& last, Args&... args) {
  if constexpr (std::is_invocable_v<F&, Args&..., Last&>) {
    return f(args..., last);
  } else {
    return f(args...);
  }
}

template <typename F, typename Last, typename... Args>
using ValueOf = typename Value<std::decay_t<decltype(Call(std::declval<F&>(), std::declval<Last&>(),
                                                          std::declval<Args&>()...))>>::Type;

}  // namespace signed_handler_internal

// The verify-decode-act-log-seal sequence for one service's signed methods.
class SignedHandler {
 public:
  // `auth` verifies requests (the peer server's); `identity` signs answers;
  // `audit` (null: nothing is logged, e.g. benchmarks) receives one entry per
  // request. All must outlive the handler.
  SignedHandler(const PeerAuth& auth, const crypto::SigningKey* identity, audit::AuditLog* audit)
      : auth_(auth), identity_(identity), audit_(audit) {}

  SignedHandler(const SignedHandler&) = delete;
  SignedHandler& operator=(const SignedHandler&) = delete;

  // A unary method. Returns the sealed answer envelope, or the refusal: the
  // status of whichever of verify, decode and act failed first (later steps
  // are not run), or the log's error if the entry could not be written (see
  // SignedMethod::refusal_needs_entry). Every request that reaches this is
  // logged first, with outcome "ok" or the refusal's code and reason (for a
  // request that did not verify, a fixed reason code: RefusalReason); the
  // answer is built and sealed only once its entry is durable.
  //   decode: (const VerifiedRequest&[, audit::Event&]) -> Request
  //   act:    (const VerifiedRequest&, Request&[, audit::Event&]) -> Result
  //   answer: (const VerifiedRequest&, Result&[, const Logged&]) -> message
  template <typename Decode, typename Act, typename Answer>
  absl::StatusOr<std::string> Unary(const grpc::ServerContext& context, absl::string_view envelope,
                                    const SignedMethod& method, Decode decode, Act act,
                                    Answer answer) const {
    namespace internal = signed_handler_internal;
    std::string sealed;
    auto seal = [&](const VerifiedRequest& v, auto& result, const Logged& logged) -> absl::Status {
      ASSIGN_OR_RETURN(auto message, internal::Wrap(internal::Call(answer, logged, v, result)));
      ASSIGN_OR_RETURN(sealed, Seal(method, message.SerializeAsString()));
      return absl::OkStatus();
    };
    RETURN_IF_ERROR(Run(context, envelope, method, decode, act, seal));
    return sealed;
  }

  // A server-streaming method: as Unary, but the answer step writes its
  // chunks through `out`, which seals each and hands it to `send`.
  //   answer: (const VerifiedRequest&, Result&, const Logged&, ChunkWriter&)
  //           -> absl::Status
  template <typename Decode, typename Act, typename Answer>
  absl::Status Stream(const grpc::ServerContext& context, absl::string_view envelope,
                      const SignedMethod& method, const EnvelopeSink& send, Decode decode, Act act,
                      Answer answer) const {
    auto write = [&](const VerifiedRequest& v, auto& result, const Logged& logged) {
      ChunkWriter out(identity_, method.answer, &send);
      return absl::Status(answer(v, result, logged, out));
    };
    return Run(context, envelope, method, decode, act, write);
  }

 private:
  template <typename Decode, typename Act, typename Answer>
  absl::Status Run(const grpc::ServerContext& context, absl::string_view envelope,
                   const SignedMethod& method, Decode& decode, Act& act,
                   const Answer& answer) const {
    namespace internal = signed_handler_internal;
    using Request = internal::ValueOf<Decode, audit::Event, const VerifiedRequest>;
    using Result = internal::ValueOf<Act, audit::Event, const VerifiedRequest, Request>;
    const absl::Time started = absl::Now();
    absl::StatusOr<VerifiedRequest> verified =
        envelope.size() > method.max_envelope_bytes
            ? absl::StatusOr<VerifiedRequest>(TooLarge(method, envelope.size()))
            : auth_.Verify(context, envelope, method.request);
    audit::Event entry = StartEntry(context, method, envelope, verified);
    absl::Status outcome = verified.status();
    std::optional<Result> result;
    if (outcome.ok()) {
      const VerifiedRequest& v = *verified;
      absl::StatusOr<Request> request = internal::Wrap(internal::Call(decode, entry, v));
      outcome = request.status();
      if (outcome.ok()) {
        absl::StatusOr<Result> acted = internal::Wrap(internal::Call(act, entry, v, *request));
        outcome = acted.status();
        if (outcome.ok()) result.emplace(*std::move(acted));
      }
    }
    ASSIGN_OR_RETURN(const Logged logged,
                     Log(method, outcome, verified.ok(), entry, absl::Now() - started));
    return answer(*verified, *result, logged);
  }

  // The refusal of a request over its method's size limit, before any
  // parsing or verification (a fixed "too-large" reason in the log).
  static absl::Status TooLarge(const SignedMethod& method, size_t size);
  // The entry of a request, named by its envelope's digest: with the
  // verified sender and header and the method's note if it verified, else
  // the fixed-size refusal entry naming the TLS peer.
  audit::Event StartEntry(const grpc::ServerContext& context, const SignedMethod& method,
                          absl::string_view envelope,
                          const absl::StatusOr<VerifiedRequest>& verified) const;
  // Logs `entry` with `outcome` (an authenticated request's outcome text;
  // a refusal entry keeps its fixed reason); returns where it was logged,
  // the refusal `outcome`, or the log's error.
  // `elapsed`: since the request arrived (the latency metric).
  absl::StatusOr<Logged> Log(const SignedMethod& method, const absl::Status& outcome,
                             bool authenticated, audit::Event& entry,
                             absl::Duration elapsed = absl::ZeroDuration()) const;
  absl::StatusOr<std::string> Seal(const SignedMethod& method, const std::string& body) const;

  const PeerAuth& auth_;
  const crypto::SigningKey* identity_;
  audit::AuditLog* audit_;
};

}  // namespace fedlink::federation

#endif  // FEDLINK_NODE_FEDERATION_SIGNED_HANDLER_H_
