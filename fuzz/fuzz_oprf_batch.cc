// Fuzz target: OPRF point batches (RFC 9497 ristretto255 elements) as a peer
// sends them. The first byte picks:
//   0: the responder's path: the rest, cut into 33-byte units (a key type
//      byte, taken modulo the number of key types, then a 32-byte
//      element), is an EvaluateRequest's batch for Responder::Evaluate,
//      on a real node
//      directory (made once in a scratch directory) with a policy that lets
//      the peer evaluate and the node's real OPRF key. A batch with any
//      invalid element is refused whole and charges nothing; a valid one
//      is evaluated element by element as BlindEvaluate does under its
//      key type's key, and charged;
//   1: the requester's path: the elements are a peer's answer to our
//      blinded batch; FinalizeBatch takes it only if every element is
//      valid.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/oprf.h"
#include "fuzz/fuzz_support.h"
#include "node/common/clock.h"
#include "node/config/node_dir.h"
#include "node/match/keyspec.h"
#include "node/private_match/responder.h"

namespace fedlink::fuzz {
namespace {

namespace oprf = crypto::oprf;
namespace pm = private_match;

constexpr char kPeer[] = "fuzz-peer";
constexpr char kPurpose[] = "victim-dedup";
constexpr char kPolicy[] = R"pb(
  purposes: "victim-dedup"
  rules {
    peers { node_id: "fuzz-peer" }
    purpose: "victim-dedup"
    record_roles: ROLE_VICTIM
    min_agreeing_keys: 2
    daily_evaluate_budget: 4611686018427387904
  }
)pb";

struct ResponderNode {
  ResponderNode() : clock(FixedNow()) {
    const std::string dir = ScratchDir() + "/responder";
    config::NodeConfig config;
    config.node_id = "fuzz-responder";
    config.organisation = "Fuzz";
    FUZZ_CHECK(config::InitNode(dir, config).ok(), "cannot create the node directory");
    auto opened = config::OpenNode(dir, {.load_identity = false});
    FUZZ_CHECK(opened.ok(), "cannot open the node directory");
    node = *std::move(opened);
    std::ofstream(node->paths.policy()) << kPolicy;
    auto r = pm::Responder::Create(node->paths, node->config, node->store.get(), &clock);
    FUZZ_CHECK(r.ok(), "cannot create the responder");
    responder = *std::move(r);
  }
  common::FakeClock clock;
  std::unique_ptr<config::OpenedNode> node;
  std::unique_ptr<pm::Responder> responder;
};

ResponderNode& Node() {
  static ResponderNode* const node = new ResponderNode;
  return *node;
}

// `bytes` cut into units of `prefix` bytes (given to `on_prefix`) and an
// element.
std::vector<oprf::Element> Elements(absl::string_view bytes, bool* all_valid, size_t prefix = 0,
                                    const std::function<void(absl::string_view)>& on_prefix = {}) {
  const size_t unit = prefix + oprf::kElementSize;
  std::vector<oprf::Element> out(bytes.size() / unit);
  *all_valid = true;
  for (size_t i = 0; i < out.size(); ++i) {
    if (prefix > 0) on_prefix(bytes.substr(i * unit, prefix));
    const absl::string_view e = bytes.substr(i * unit + prefix, oprf::kElementSize);
    std::memcpy(out[i].data(), e.data(), oprf::kElementSize);
    *all_valid = *all_valid && oprf::ValidateElement(e).ok();
  }
  return out;
}

absl::string_view View(const oprf::Element& e) {
  return absl::string_view(reinterpret_cast<const char*>(e.data()), e.size());
}

void Respond(absl::string_view bytes) {
  ResponderNode& node = Node();
  pm::Responder& responder = *node.responder;
  bool all_valid = false;
  std::vector<match::keyspec::KeyType> types;
  const std::vector<oprf::Element> blinded =
      Elements(bytes, &all_valid, 1, [&](absl::string_view type) {
        types.push_back(static_cast<match::keyspec::KeyType>(static_cast<uint8_t>(type[0]) %
                                                             match::keyspec::kKeyTypeCount));
      });
  const pm::PeerIdentity peer{kPeer, config::NodeRole::kNgo};
  uint64_t left_before = 0, left = 0;
  {
    // What is left, as the responder reports it, before this batch: an
    // empty batch charges nothing and reports it.
    auto probe = responder.Evaluate(peer, kPurpose, {}, {}, &left_before);
    FUZZ_CHECK(probe.ok() && probe->empty(), "an empty batch refused");
  }
  std::string table_id;
  auto out = responder.Evaluate(peer, kPurpose, blinded, types, &left, &table_id);
  if (!all_valid) {
    FUZZ_CHECK(!out.ok() && out.status().code() == absl::StatusCode::kInvalidArgument,
               "a batch with an invalid element was not refused as invalid");
    uint64_t after = 0;
    FUZZ_CHECK(responder.Evaluate(peer, kPurpose, {}, {}, &after).ok() && after == left_before,
               "a refused batch was charged");
    return;
  }
  FUZZ_CHECK(out.ok(), "a valid batch refused");
  FUZZ_CHECK(out->size() == blinded.size(), "an answer of another size");
  FUZZ_CHECK(left == left_before - blinded.size(), "a batch charged other than its size");
  auto generation = responder.keyring().Generation();
  FUZZ_CHECK(generation.ok(), "no key generation");
  auto keys = responder.keyring().KeysFor(kPurpose, responder.Epoch(), *generation);
  FUZZ_CHECK(keys.ok(), "no keys");
  for (size_t i = 0; i < blinded.size(); ++i) {
    auto one = (*keys)[static_cast<size_t>(types[i])]->BlindEvaluate(View(blinded[i]));
    FUZZ_CHECK(one.ok() && *one == (*out)[i], "a batch element evaluated otherwise than alone");
    FUZZ_CHECK(oprf::ValidateElement(View((*out)[i])).ok(), "an invalid element evaluated");
  }
}

void Finalize(absl::string_view bytes) {
  bool all_valid = false;
  const std::vector<oprf::Element> evaluated = Elements(bytes, &all_valid);
  std::vector<std::string> inputs(evaluated.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i] = "fedlink/keyspec/v1|phone|+44" + std::to_string(i);
  std::vector<oprf::BlindedInput> blinded(inputs.size());
  FUZZ_CHECK(oprf::BlindBatch(inputs, absl::MakeSpan(blinded), 1).ok(), "cannot blind");
  std::vector<oprf::Output> out(inputs.size());
  const absl::Status s = oprf::FinalizeBatch(inputs, blinded, evaluated, absl::MakeSpan(out), 1);
  FUZZ_CHECK(s.ok() == all_valid, "FinalizeBatch took an invalid element or refused a valid one");
}

}  // namespace
}  // namespace fedlink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return fedlink::fuzz::ByFirstByte(data, size, fedlink::fuzz::Respond, fedlink::fuzz::Finalize);
}
