#include "node/private_match/paged_table.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"

namespace fedlink::private_match {
namespace {

constexpr absl::string_view kMagic = "fedlink paged table v3\n";
constexpr size_t kNonce = 24, kMac = 16;
constexpr size_t kPagePlain = kTablePageSize - kNonce - kMac;  // 4056
constexpr size_t kAEntry = kTagSize + 4 + 1 + kShareSize;      // 29
constexpr size_t kAPerPage = kPagePlain / kAEntry;             // 139
constexpr size_t kBEntry = 8 + 8 + 4;                          // 20
constexpr size_t kBPerPage = kPagePlain / kBEntry;             // 202
constexpr size_t kMaxHeaderBytes = size_t{256} << 20;
constexpr size_t kMaxFilterBytes = 1024;
constexpr uint64_t kMaxPages = uint64_t{1} << 32;

void PutU64(std::string* s, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  s->append(b, 8);
}
void PutU32(std::string* s, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  s->append(b, 4);
}
void PutBytes(std::string* s, absl::string_view v) {
  PutU32(s, static_cast<uint32_t>(v.size()));
  s->append(v.data(), v.size());
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
// The tag as TableIndex reads it (host order of the wire's 8 bytes).
uint64_t TagAt(const char* p) {
  uint64_t tag;
  std::memcpy(&tag, p, sizeof tag);
  return tag;
}

// The bits a tag sets in its page's filter: kFilterHashes positions out of
// 8 x filter_bytes, from one 64-bit mix of the tag (tags are keyed hash
// outputs already; the mix spreads the bits of tags that share a page's
// high bits, and of the synthetic tags of the bench).
constexpr int kFilterHashes = 3;
uint64_t FilterMix(uint64_t tag) {
  tag ^= tag >> 30;
  tag *= 0xbf58476d1ce4e5b9ULL;
  tag ^= tag >> 27;
  tag *= 0x94d049bb133111ebULL;
  return tag ^ (tag >> 31);
}
// `filter` is one page's filter of `words` 64-bit words (a power of two).
void FilterAdd(uint64_t* filter, size_t words, uint64_t tag) {
  uint64_t h = FilterMix(tag);
  const uint64_t bits = words * 64;
  for (int i = 0; i < kFilterHashes; ++i, h >>= 20) {
    const uint64_t b = (h & 0xfffff) & (bits - 1);
    filter[b / 64] |= uint64_t{1} << (b % 64);
  }
}
bool FilterMayHold(const uint64_t* filter, size_t words, uint64_t tag) {
  uint64_t h = FilterMix(tag);
  const uint64_t bits = words * 64;
  for (int i = 0; i < kFilterHashes; ++i, h >>= 20) {
    const uint64_t b = (h & 0xfffff) & (bits - 1);
    if ((filter[b / 64] & (uint64_t{1} << (b % 64))) == 0) return false;
  }
  return true;
}
bool ValidFilterBytes(uint64_t n) {
  return n == 0 || (n >= 8 && n <= kMaxFilterBytes && (n & (n - 1)) == 0);
}

// Reads fields off a byte string; any read past the end sets !ok.
struct Reader {
  absl::string_view s;
  bool ok = true;
  const char* Take(size_t n) {
    if (!ok || s.size() < n) {
      ok = false;
      return nullptr;
    }
    const char* p = s.data();
    s.remove_prefix(n);
    return p;
  }
  uint64_t U64() {
    const char* p = Take(8);
    return p ? GetU64(p) : 0;
  }
  uint32_t U32() {
    const char* p = Take(4);
    return p ? GetU32(p) : 0;
  }
  std::string Bytes() {
    const uint32_t n = U32();
    const char* p = Take(n);
    return p ? std::string(p, n) : std::string();
  }
};

std::string FileName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Associated data: the file's name and id, and the page's number.
std::string PageAd(absl::string_view name, uint64_t file_id, uint64_t page) {
  return absl::StrCat("fedlink paged table v3 ", name, " ", file_id, " page ", page);
}
std::string HeaderAd(absl::string_view name, uint64_t file_id) {
  return absl::StrCat("fedlink paged table v3 ", name, " ", file_id, " header");
}

// Clear (keyless) pages: zero nonce || plaintext || BLAKE2b-128(ad || plaintext).
std::string Checksum(absl::string_view plain, absl::string_view ad) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kMac);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(ad.data()), ad.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(plain.data()),
                            plain.size());
  std::string out(kMac, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), kMac);
  return out;
}

std::string SealWith(const crypto::SealingKey* key, absl::string_view plain, absl::string_view ad) {
  if (key != nullptr) return key->Seal(plain, ad);
  return absl::StrCat(std::string(kNonce, '\0'), plain, Checksum(plain, ad));
}

absl::StatusOr<std::string> OpenWith(const crypto::SealingKey* key, absl::string_view sealed,
                                     absl::string_view ad) {
  if (key != nullptr) return key->Open(sealed, ad);
  if (sealed.size() < kNonce + kMac) return absl::DataLossError("short");
  const absl::string_view plain = sealed.substr(kNonce, sealed.size() - kNonce - kMac);
  if (Checksum(plain, ad) != sealed.substr(sealed.size() - kMac)) {
    return absl::DataLossError("checksum");
  }
  return std::string(plain);
}

absl::StatusOr<std::unique_ptr<crypto::SealingKey>> FileKey(const crypto::SealingKey& key,
                                                            uint64_t file_id) {
  return key.DeriveSubkey(file_id, "fltable2");
}

// A temporary file beside the target, removed unless committed.
class TempFile {
 public:
  explicit TempFile(std::string target) : target_(std::move(target)) {}
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    if (!tmp_.empty()) unlink(tmp_.c_str());
  }
  absl::Status Create() {
    tmp_ = absl::StrCat(target_, ".tmpXXXXXX");
    fd_ = mkstemp(tmp_.data());
    if (fd_ < 0) {
      tmp_.clear();
      return absl::PermissionDeniedError(absl::StrCat(target_, ": cannot create a temporary file"));
    }
    if (fchmod(fd_, 0600) != 0) return Failed("chmod");
    return absl::OkStatus();
  }
  absl::Status Append(absl::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Failed("write");
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }
  absl::Status WriteAt(uint64_t offset, absl::string_view bytes) {
    if (pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset)) !=
        static_cast<ssize_t>(bytes.size())) {
      return Failed("write");
    }
    return absl::OkStatus();
  }
  absl::Status Commit() {
    if (fsync(fd_) != 0) return Failed("fsync");
    if (close(fd_) != 0) {
      fd_ = -1;
      return Failed("close");
    }
    fd_ = -1;
    if (rename(tmp_.c_str(), target_.c_str()) != 0) return Failed("rename");
    tmp_.clear();
    const size_t slash = target_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : target_.substr(0, slash);
    const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      close(dfd);
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Failed(absl::string_view what) {
    return absl::InternalError(absl::StrCat(target_, ": ", what, " failed: ", strerror(errno)));
  }
  std::string target_, tmp_;
  int fd_ = -1;
};

// Writes pages of plaintext (each padded to kPagePlain) sealed in order.
class PageWriter {
 public:
  PageWriter(TempFile* file, const crypto::SealingKey* key, std::string name, uint64_t file_id)
      : file_(file), key_(key), name_(std::move(name)), file_id_(file_id) {}
  absl::Status Page(std::string plain) {
    plain.resize(kPagePlain, '\0');
    ++next_;  // pages are numbered from 1 (0 is the preamble)
    return file_->Append(SealWith(key_, plain, PageAd(name_, file_id_, next_)));
  }
  uint64_t pages() const { return next_; }

 private:
  TempFile* file_;
  const crypto::SealingKey* key_;
  std::string name_;
  uint64_t file_id_;
  uint64_t next_ = 0;
};

}  // namespace

PagedTable::PagedTable(PagedTable&& o) noexcept { *this = std::move(o); }

PagedTable& PagedTable::operator=(PagedTable&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    path_ = std::move(o.path_);
    name_ = std::move(o.name_);
    fd_ = o.fd_;
    file_id_ = o.file_id_;
    o.fd_ = -1;
    subkey_ = std::move(o.subkey_);
    header_ = std::move(o.header_);
    a_pages_ = o.a_pages_;
    b_pages_ = o.b_pages_;
    c_pages_ = o.c_pages_;
    c_bytes_ = o.c_bytes_;
    fences_ = std::move(o.fences_);
    filter_words_ = o.filter_words_;
    filters_ = std::move(o.filters_);
    filter_on_ = o.filter_on_;
  }
  return *this;
}

PagedTable::~PagedTable() {
  if (fd_ >= 0) close(fd_);
}

namespace {

// Writes a paged file in one pass, in file order: entries sorted by tag
// (Entry), then the slot directory (Slot), then the payloads (Payload),
// then Finish (the header and the preamble, fsync, rename).
class Builder {
 public:
  Builder(const std::string& path, const crypto::SealingKey* key, size_t filter_bytes)
      : path_(path), file_(path), filter_bytes_(filter_bytes), filter_words_(filter_bytes / 8) {
    randombytes_buf(&file_id_, sizeof file_id_);
    key_ = key;
  }
  absl::Status Start() {
    if (!ValidFilterBytes(filter_bytes_)) {
      return absl::InvalidArgumentError(absl::StrCat("page filter of ", filter_bytes_,
                                                     " bytes: give 0 or a power of two from 8 to ",
                                                     kMaxFilterBytes));
    }
    if (key_ != nullptr) {
      ASSIGN_OR_RETURN(subkey_, FileKey(*key_, file_id_));
    }
    RETURN_IF_ERROR(file_.Create());
    pages_.emplace(&file_, subkey_.get(), FileName(path_), file_id_);
    return file_.Append(std::string(kTablePageSize, '\0'));  // the preamble, last
  }
  // `tag` and `share` as in a slot's entry; in (tag, slot, position) order.
  absl::Status Entry(const char* tag, uint32_t slot, uint8_t position, const char* share) {
    if (entries_ % kAPerPage == 0) {
      fences_.push_back(TagAt(tag));
      filters_.resize(filters_.size() + filter_words_, 0);
    }
    if (filter_words_ > 0) {
      FilterAdd(filters_.data() + filters_.size() - filter_words_, filter_words_, TagAt(tag));
    }
    plain_.append(tag, kTagSize);
    PutU32(&plain_, slot);
    plain_.push_back(static_cast<char>(position));
    plain_.append(share, kShareSize);
    ++entries_;
    if (entries_ % kAPerPage == 0) return Flush();
    return absl::OkStatus();
  }
  absl::Status Slot(uint64_t id, uint32_t payload_length) {
    if (!in_b_) RETURN_IF_ERROR(EndSection(&a_pages_, &in_b_));
    PutU64(&plain_, id);
    PutU64(&plain_, offset_);
    PutU32(&plain_, payload_length);
    offset_ += payload_length;
    ++slots_;
    if (slots_ % kBPerPage == 0) return Flush();
    return absl::OkStatus();
  }
  absl::Status Payload(absl::string_view rest) {
    if (!in_c_) {
      if (!in_b_) RETURN_IF_ERROR(EndSection(&a_pages_, &in_b_));
      RETURN_IF_ERROR(EndSection(&b_pages_, &in_c_));
    }
    while (!rest.empty()) {
      const size_t n = std::min(rest.size(), kPagePlain - plain_.size());
      plain_.append(rest.data(), n);
      rest.remove_prefix(n);
      c_bytes_ += n;
      if (plain_.size() == kPagePlain) RETURN_IF_ERROR(Flush());
    }
    return absl::OkStatus();
  }
  absl::Status Finish(PagedHeader header) {
    if (!in_c_) RETURN_IF_ERROR(Payload(""));
    if (!plain_.empty()) RETURN_IF_ERROR(Flush());
    if (c_bytes_ != offset_) return absl::InternalError("payloads do not add up");
    const uint64_t c_pages = pages_->pages() - a_pages_ - b_pages_;
    header.entries = entries_;
    header.slots = slots_;
    std::string h;
    PutBytes(&h, header.peer);
    PutBytes(&h, header.purpose);
    PutBytes(&h, header.table_id);
    PutU32(&h, static_cast<uint32_t>(header.t));
    uint64_t score_bits;
    std::memcpy(&score_bits, &header.min_score, sizeof score_bits);
    PutU64(&h, score_bits);
    PutU32(&h, header.notify_owner ? 1 : 0);
    PutU32(&h, static_cast<uint32_t>(header.keyspec));
    PutU64(&h, header.version);
    PutU64(&h, static_cast<uint64_t>(header.as_of));
    PutU64(&h, static_cast<uint64_t>(header.fetched_at));
    PutU64(&h, header.entries);
    PutU64(&h, header.slots);
    PutU64(&h, a_pages_);
    PutU64(&h, b_pages_);
    PutU64(&h, c_pages);
    PutU64(&h, c_bytes_);
    PutU32(&h, static_cast<uint32_t>(filter_words_ * 8));
    for (uint64_t f : fences_) PutU64(&h, f);
    for (uint64_t w : filters_) PutU64(&h, w);
    const std::string sealed_header =
        SealWith(subkey_.get(), h, HeaderAd(FileName(path_), file_id_));
    RETURN_IF_ERROR(file_.Append(sealed_header));
    std::string preamble(kMagic);
    preamble.push_back(key_ != nullptr ? 1 : 0);
    PutU64(&preamble, file_id_);
    PutU64(&preamble, (pages_->pages() + 1) * kTablePageSize);
    PutU64(&preamble, sealed_header.size());
    RETURN_IF_ERROR(file_.WriteAt(0, preamble));
    return file_.Commit();
  }
  uint64_t slots() const { return slots_; }

 private:
  absl::Status Flush() {
    RETURN_IF_ERROR(pages_->Page(std::move(plain_)));
    plain_.clear();
    return absl::OkStatus();
  }
  // Closes the current section's last page; its page count into `count`.
  absl::Status EndSection(uint64_t* count, bool* next) {
    if (!plain_.empty()) RETURN_IF_ERROR(Flush());
    *count = pages_->pages() - (count == &a_pages_ ? 0 : a_pages_);
    *next = true;
    return absl::OkStatus();
  }

  std::string path_;
  TempFile file_;
  const crypto::SealingKey* key_ = nullptr;
  uint64_t file_id_ = 0;
  std::unique_ptr<crypto::SealingKey> subkey_;
  std::optional<PageWriter> pages_;
  std::string plain_;
  size_t filter_bytes_, filter_words_;
  std::vector<uint64_t> fences_;
  std::vector<uint64_t> filters_;  // filter_words_ per A page
  uint64_t entries_ = 0, slots_ = 0, offset_ = 0, c_bytes_ = 0;
  uint64_t a_pages_ = 0, b_pages_ = 0;
  bool in_b_ = false, in_c_ = false;
};

// What TableIndex::Build would refuse in a slot (so every slice builds).
absl::Status CheckSlot(const Slot& s, size_t i) {
  if (s.entries.empty() || s.entries.size() % kEntrySize != 0 ||
      s.key_count() > kMaxKeysPerRecord) {
    return absl::InvalidArgumentError(absl::StrCat("table slot ", i, " is malformed"));
  }
  if (s.sealed_payload.size() < crypto::kSealOverhead || s.sealed_payload.size() > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("table slot ", i, " has no payload"));
  }
  return absl::OkStatus();
}

// A slot's entry, by (tag, slot, position).
struct Ref {
  uint64_t tag;
  uint32_t slot;
  uint8_t position;
  bool operator<(const Ref& o) const {
    return tag != o.tag ? tag < o.tag : slot != o.slot ? slot < o.slot : position < o.position;
  }
};

// The entries of `slots`, numbered from `first`, sorted.
std::vector<Ref> SortedRefs(const std::vector<Slot>& slots, uint32_t first) {
  std::vector<Ref> refs;
  size_t n = 0;
  for (const Slot& s : slots) n += s.key_count();
  refs.reserve(n);
  for (uint32_t i = 0; i < slots.size(); ++i) {
    for (size_t k = 0; k < slots[i].key_count(); ++k) {
      refs.push_back(
          {TagAt(slots[i].entries.data() + k * kEntrySize), first + i, static_cast<uint8_t>(k)});
    }
  }
  std::sort(refs.begin(), refs.end());
  return refs;
}

}  // namespace

absl::Status PagedTable::Write(const std::string& path, const crypto::SealingKey* key,
                               PagedHeader header, const Table& table) {
  if (table.slots.size() > UINT32_MAX) {
    return absl::InvalidArgumentError("table has too many slots for the cache");
  }
  // What TableIndex::Build would refuse is refused here, so every slice
  // of the file builds.
  if (table.t < 1) return absl::InvalidArgumentError("table t must be at least 1");
  {
    absl::flat_hash_set<uint64_t> ids;
    ids.reserve(table.slots.size());
    for (size_t i = 0; i < table.slots.size(); ++i) {
      if (!ids.insert(table.slots[i].id).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("table slot ", i, " repeats the id of an earlier slot"));
      }
      RETURN_IF_ERROR(CheckSlot(table.slots[i], i));
    }
  }
  Builder out(path, key, header.filter_bytes);
  RETURN_IF_ERROR(out.Start());
  {
    const std::vector<Ref> refs = SortedRefs(table.slots, 0);
    for (const Ref& r : refs) {
      const char* e = table.slots[r.slot].entries.data() + size_t{r.position} * kEntrySize;
      RETURN_IF_ERROR(out.Entry(e, r.slot, r.position, e + kTagSize));
    }
  }
  for (const Slot& s : table.slots) {
    RETURN_IF_ERROR(out.Slot(s.id, static_cast<uint32_t>(s.sealed_payload.size())));
  }
  for (const Slot& s : table.slots) RETURN_IF_ERROR(out.Payload(s.sealed_payload));
  CopyHeaderFields(table, &header);
  return out.Finish(std::move(header));
}

absl::Status PagedTable::WriteUpdated(const std::string& path, const crypto::SealingKey* key,
                                      PagedHeader header, const PagedTable& held,
                                      const TableUpdate& update) {
  const Table& next = update.table;
  if (!update.delta) return Write(path, key, std::move(header), next);
  // The checks of ApplyUpdate, before anything is written.
  if (next.table_id != held.header_.table_id) {
    return absl::DataLossError(absl::StrCat("delta for table '", next.table_id,
                                            "' does not apply to the held '", held.header_.table_id,
                                            "'"));
  }
  if (next.version < held.header_.version) {
    return absl::DataLossError(absl::StrCat("delta to version ", next.version,
                                            " is older than the held version ",
                                            held.header_.version));
  }
  if (next.t < 1) return absl::InvalidArgumentError("table t must be at least 1");
  absl::flat_hash_set<uint64_t> incoming;
  for (size_t i = 0; i < next.slots.size(); ++i) {
    if (!incoming.insert(next.slots[i].id).second) {
      return absl::DataLossError("delta repeats a slot id");
    }
    RETURN_IF_ERROR(CheckSlot(next.slots[i], i));
  }
  absl::flat_hash_set<uint64_t> removed;
  for (uint64_t id : update.removed) {
    if (incoming.contains(id)) return absl::DataLossError("delta both replaces and drops a slot");
    removed.insert(id);
  }
  // Pass 1 over the held slot directory: which slots stay, and their new
  // numbers (kept slots first, in order, then the delta's).
  // (Grown page by page as the directory opens, as in ReadAll: not sized
  // by the held header's claim.)
  constexpr uint32_t kDropped = UINT32_MAX;
  std::vector<uint32_t> renumber;
  uint32_t kept = 0;
  for (uint64_t p = 0; p < held.b_pages_; ++p) {
    ASSIGN_OR_RETURN(std::string b, held.ReadPage(held.a_pages_ + p));
    const uint64_t first = p * kBPerPage;
    const size_t count = std::min<uint64_t>(kBPerPage, held.header_.slots - first);
    for (size_t i = 0; i < count; ++i) {
      const uint64_t id = GetU64(b.data() + i * kBEntry);
      renumber.push_back(!removed.contains(id) && !incoming.contains(id) ? kept++ : kDropped);
    }
  }
  if (kept + next.slots.size() != update.slots_after) {
    return absl::DataLossError(absl::StrCat("delta leaves ", kept + next.slots.size(),
                                            " slots, the responder announced ",
                                            update.slots_after));
  }
  if (kept + next.slots.size() > UINT32_MAX - 1) {
    return absl::InvalidArgumentError("table has too many slots for the cache");
  }
  Builder out(path, key, header.filter_bytes);
  RETURN_IF_ERROR(out.Start());
  // A: the held entries of kept slots (in tag order already, renumbered in
  // order) merged with the delta's, sorted.
  {
    const std::vector<Ref> refs = SortedRefs(next.slots, kept);
    size_t r = 0;
    const auto emit_new_below = [&](const Ref* bound) -> absl::Status {
      for (; r < refs.size() && (bound == nullptr || refs[r] < *bound); ++r) {
        const char* e =
            next.slots[refs[r].slot - kept].entries.data() + size_t{refs[r].position} * kEntrySize;
        RETURN_IF_ERROR(out.Entry(e, refs[r].slot, refs[r].position, e + kTagSize));
      }
      return absl::OkStatus();
    };
    for (uint64_t p = 0; p < held.a_pages_; ++p) {
      ASSIGN_OR_RETURN(std::string a, held.ReadPage(p));
      const size_t count = std::min<uint64_t>(kAPerPage, held.header_.entries - p * kAPerPage);
      for (size_t i = 0; i < count; ++i) {
        const char* e = a.data() + i * kAEntry;
        const uint32_t slot = GetU32(e + kTagSize);
        if (slot >= held.header_.slots) return held.Corrupt("names a slot it does not hold");
        if (renumber[slot] == kDropped) continue;
        const Ref old{TagAt(e), renumber[slot], static_cast<uint8_t>(e[kTagSize + 4])};
        RETURN_IF_ERROR(emit_new_below(&old));
        RETURN_IF_ERROR(out.Entry(e, old.slot, old.position, e + kTagSize + 5));
      }
    }
    RETURN_IF_ERROR(emit_new_below(nullptr));
  }
  // B, then C: the kept slots in order, then the delta's.
  for (int section = 0; section < 2; ++section) {
    std::string b, c;
    uint64_t c_page = UINT64_MAX;
    for (uint64_t s = 0; s < held.header_.slots; ++s) {
      if (s % kBPerPage == 0) {
        ASSIGN_OR_RETURN(b, held.ReadPage(held.a_pages_ + s / kBPerPage));
      }
      if (renumber[s] == kDropped) continue;
      const char* d = b.data() + (s % kBPerPage) * kBEntry;
      const uint64_t offset = GetU64(d + 8);
      const uint32_t length = GetU32(d + 16);
      if (offset > held.c_bytes_ || length > held.c_bytes_ - offset) {
        return held.Corrupt("names a payload it does not hold");
      }
      if (section == 0) {
        RETURN_IF_ERROR(out.Slot(GetU64(d), length));
        continue;
      }
      for (uint64_t at = offset; at < offset + length;) {
        if (at / kPagePlain != c_page) {
          c_page = at / kPagePlain;
          ASSIGN_OR_RETURN(c, held.ReadPage(held.a_pages_ + held.b_pages_ + c_page));
        }
        const size_t in = at % kPagePlain;
        const size_t n = std::min<uint64_t>(kPagePlain - in, offset + length - at);
        RETURN_IF_ERROR(out.Payload(absl::string_view(c.data() + in, n)));
        at += n;
      }
    }
    for (const Slot& s : next.slots) {
      RETURN_IF_ERROR(section == 0 ? out.Slot(s.id, static_cast<uint32_t>(s.sealed_payload.size()))
                                   : out.Payload(s.sealed_payload));
    }
  }
  CopyHeaderFields(next, &header);
  return out.Finish(std::move(header));
}

constexpr absl::string_view kCorruptPayload = "fedlink.private_match.corrupt_table_file";

bool IsCorruptTableFile(const absl::Status& status) {
  return absl::IsDataLoss(status) && status.GetPayload(kCorruptPayload).has_value();
}

absl::Status PagedTable::Corrupt(absl::string_view what) const {
  absl::Status s = absl::DataLossError(
      absl::StrCat(path_, ": table cache ", what,
                   " (altered, truncated, moved, or another key; delete it to refetch)"));
  s.SetPayload(kCorruptPayload, absl::Cord("1"));
  return s;
}

absl::StatusOr<PagedTable> PagedTable::Open(const std::string& path,
                                            const crypto::SealingKey* key) {
  PagedTable t;
  t.path_ = path;
  t.name_ = FileName(path);
  t.fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (t.fd_ < 0) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  struct stat st;
  if (fstat(t.fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::DataLossError(absl::StrCat(path, ": not a regular file"));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::string pre(kMagic.size() + 1 + 24, '\0');
  if (size < kTablePageSize ||
      pread(t.fd_, pre.data(), pre.size(), 0) != static_cast<ssize_t>(pre.size())) {
    return t.Corrupt("is not a paged table");
  }
  if (absl::string_view(pre).substr(0, kMagic.size()) != kMagic) {
    return t.Corrupt("is not a paged table");
  }
  const char* p = pre.data() + kMagic.size();
  const bool sealed = p[0] == 1;
  if (p[0] != 0 && p[0] != 1) return t.Corrupt("has a bad preamble");
  const uint64_t file_id = GetU64(p + 1);
  const uint64_t header_offset = GetU64(p + 9);
  const uint64_t header_len = GetU64(p + 17);
  if (sealed && key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": sealed under the node's data key; give its key source"));
  }
  if (header_len > kMaxHeaderBytes || header_len < kNonce + kMac ||
      header_offset % kTablePageSize != 0 || header_offset < kTablePageSize ||
      header_offset + header_len != size) {
    return t.Corrupt("is truncated or has a bad preamble");
  }
  t.file_id_ = file_id;
  if (sealed) {
    ASSIGN_OR_RETURN(t.subkey_, FileKey(*key, file_id));
  }
  std::string sealed_header(header_len, '\0');
  if (pread(t.fd_, sealed_header.data(), header_len, static_cast<off_t>(header_offset)) !=
      static_cast<ssize_t>(header_len)) {
    return t.Corrupt("is truncated");
  }
  auto h = OpenWith(t.subkey_.get(), sealed_header, HeaderAd(t.name_, file_id));
  if (!h.ok()) return t.Corrupt("header does not open");
  Reader r{*h};
  PagedHeader& hd = t.header_;
  hd.peer = r.Bytes();
  hd.purpose = r.Bytes();
  hd.table_id = r.Bytes();
  hd.t = static_cast<int>(r.U32());
  const uint64_t score_bits = r.U64();
  std::memcpy(&hd.min_score, &score_bits, sizeof score_bits);
  hd.notify_owner = r.U32() != 0;
  hd.keyspec = static_cast<int>(r.U32());
  hd.version = r.U64();
  hd.as_of = static_cast<int64_t>(r.U64());
  hd.fetched_at = static_cast<int64_t>(r.U64());
  hd.entries = r.U64();
  hd.slots = r.U64();
  t.a_pages_ = r.U64();
  t.b_pages_ = r.U64();
  t.c_pages_ = r.U64();
  t.c_bytes_ = r.U64();
  const uint32_t filter_bytes = r.U32();
  hd.filter_bytes = filter_bytes;
  const uint64_t pages = t.a_pages_ + t.b_pages_ + t.c_pages_;
  if (!r.ok || t.a_pages_ > kMaxPages || t.b_pages_ > kMaxPages || t.c_pages_ > kMaxPages ||
      t.a_pages_ != (hd.entries + kAPerPage - 1) / kAPerPage ||
      t.b_pages_ != (hd.slots + kBPerPage - 1) / kBPerPage ||
      t.c_pages_ != (t.c_bytes_ + kPagePlain - 1) / kPagePlain || hd.slots > UINT32_MAX ||
      !ValidFilterBytes(filter_bytes) || r.s.size() != t.a_pages_ * (8 + filter_bytes) ||
      (pages + 1) * kTablePageSize != header_offset) {
    return t.Corrupt("header is inconsistent");
  }
  // The fences and filters: little-endian words, read in bulk (a
  // 1M-record table has 0.8 million of them; one by one took most of the
  // time to open it).
  const auto words = [&r](std::vector<uint64_t>* out, size_t n) {
    out->resize(n);
    const char* p = r.Take(n * 8);
    if constexpr (std::endian::native == std::endian::little) {
      if (n > 0) std::memcpy(out->data(), p, n * 8);
    } else {
      for (size_t i = 0; i < n; ++i) (*out)[i] = GetU64(p + 8 * i);
    }
  };
  words(&t.fences_, t.a_pages_);
  t.filter_words_ = filter_bytes / 8;
  words(&t.filters_, t.a_pages_ * t.filter_words_);
  return t;
}

bool PagedTable::LooksPaged(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string head(kMagic.size(), '\0');
  const bool ok =
      pread(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()) && head == kMagic;
  close(fd);
  return ok;
}

absl::StatusOr<std::string> PagedTable::ReadPage(uint64_t page) const {
  std::string sealed(kTablePageSize, '\0');
  const off_t at = static_cast<off_t>((page + 1) * kTablePageSize);
  if (pread(fd_, sealed.data(), sealed.size(), at) != static_cast<ssize_t>(sealed.size())) {
    return Corrupt("is truncated");
  }
  auto plain = OpenWith(subkey_.get(), sealed, PageAd(name_, file_id_, page + 1));
  if (!plain.ok() || plain->size() != kPagePlain) {
    return Corrupt(absl::StrCat("page ", page + 1, " does not open"));
  }
  return plain;
}

bool PagedTable::PageMayHold(uint64_t page, uint64_t tag) const {
  if (filter_words_ == 0 || !filter_on_) return true;
  return FilterMayHold(filters_.data() + page * filter_words_, filter_words_, tag);
}

absl::StatusOr<Table> PagedTable::Slice(absl::Span<const uint64_t> given, SliceStats* stats) const {
  std::vector<uint64_t> tags(given.begin(), given.end());
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  // Pages opened for this slice, by number.
  absl::flat_hash_map<uint64_t, std::string> opened;
  const auto page = [&](uint64_t n) -> absl::StatusOr<const std::string*> {
    auto it = opened.find(n);
    if (it == opened.end()) {
      ASSIGN_OR_RETURN(std::string plain, ReadPage(n));
      it = opened.emplace(n, std::move(plain)).first;
      if (stats != nullptr) ++(n < a_pages_ ? stats->a_pages : stats->other_pages);
    }
    return &it->second;
  };
  // slot number -> (position, tag || share) hits, in slot order.
  std::map<uint32_t, std::string> hit_entries;
  for (uint64_t tag : tags) {
    // The A pages that can hold `tag`: from the last page whose first tag
    // is below it, while the next page starts at or below it.
    size_t p = std::lower_bound(fences_.begin(), fences_.end(), tag) - fences_.begin();
    if (p > 0) --p;
    for (; p < a_pages_; ++p) {
      if (fences_[p] > tag) break;
      // The page's filter says the tag is not on it: next page (the tag's
      // entries may start on it if its fence is the tag).
      if (!PageMayHold(p, tag)) continue;
      ASSIGN_OR_RETURN(const std::string* plain, page(p));
      const size_t count = std::min<uint64_t>(kAPerPage, header_.entries - p * kAPerPage);
      bool past = false;
      for (size_t i = 0; i < count; ++i) {
        const char* e = plain->data() + i * kAEntry;
        const uint64_t at = TagAt(e);
        if (at < tag) continue;
        if (at > tag) {
          past = true;
          break;
        }
        const uint32_t slot = GetU32(e + kTagSize);
        if (slot >= header_.slots) return Corrupt("names a slot it does not hold");
        std::string& s = hit_entries[slot];
        s.append(e, kTagSize);
        s.append(e + kTagSize + 5, kShareSize);
      }
      if (past) break;
    }
  }
  Table out;
  CopyHeaderFields(header_, &out);
  out.slots.reserve(hit_entries.size());
  for (auto& [slot, entries] : hit_entries) {
    ASSIGN_OR_RETURN(const std::string* b, page(a_pages_ + slot / kBPerPage));
    const char* d = b->data() + (slot % kBPerPage) * kBEntry;
    const uint64_t id = GetU64(d), offset = GetU64(d + 8);
    const uint32_t length = GetU32(d + 16);
    if (offset > c_bytes_ || length > c_bytes_ - offset) {
      return Corrupt("names a payload it does not hold");
    }
    std::string payload;
    payload.reserve(length);
    for (uint64_t at = offset; at < offset + length;) {
      ASSIGN_OR_RETURN(const std::string* c, page(a_pages_ + b_pages_ + at / kPagePlain));
      const size_t in = at % kPagePlain;
      const size_t n = std::min<uint64_t>(kPagePlain - in, offset + length - at);
      payload.append(c->data() + in, n);
      at += n;
    }
    out.slots.push_back({id, std::move(entries), std::move(payload)});
  }
  return out;
}

absl::StatusOr<Table> PagedTable::ReadAll() const {
  Table out;
  CopyHeaderFields(header_, &out);
  // The slot directory and the payloads first, a slot taken only once its
  // directory page opened: memory grows with what the file really holds,
  // not with the slot count its header claims (a clear file's header is
  // only checksummed: anyone who can write the cache directory can make
  // one claim 2^32 slots over a sparse file).
  std::string b, c;
  uint64_t c_page = UINT64_MAX;
  for (uint64_t s = 0; s < header_.slots; ++s) {
    if (s % kBPerPage == 0) {
      ASSIGN_OR_RETURN(b, ReadPage(a_pages_ + s / kBPerPage));
    }
    const char* d = b.data() + (s % kBPerPage) * kBEntry;
    Slot& slot = out.slots.emplace_back();
    slot.id = GetU64(d);
    const uint64_t offset = GetU64(d + 8);
    const uint32_t length = GetU32(d + 16);
    if (offset > c_bytes_ || length > c_bytes_ - offset) {
      return Corrupt("names a payload it does not hold");
    }
    for (uint64_t at = offset; at < offset + length;) {
      if (at / kPagePlain != c_page) {
        c_page = at / kPagePlain;
        ASSIGN_OR_RETURN(c, ReadPage(a_pages_ + b_pages_ + c_page));
      }
      const size_t in = at % kPagePlain;
      const size_t n = std::min<uint64_t>(kPagePlain - in, offset + length - at);
      slot.sealed_payload.append(c.data() + in, n);
      at += n;
    }
  }
  // Entries go back to their positions within their slot.
  std::vector<std::vector<std::pair<uint8_t, std::string>>> by_slot(out.slots.size());
  for (uint64_t p = 0; p < a_pages_; ++p) {
    ASSIGN_OR_RETURN(std::string plain, ReadPage(p));
    const size_t count = std::min<uint64_t>(kAPerPage, header_.entries - p * kAPerPage);
    for (size_t i = 0; i < count; ++i) {
      const char* e = plain.data() + i * kAEntry;
      const uint32_t slot = GetU32(e + kTagSize);
      if (slot >= header_.slots) return Corrupt("names a slot it does not hold");
      by_slot[slot].emplace_back(static_cast<uint8_t>(e[kTagSize + 4]),
                                 absl::StrCat(absl::string_view(e, kTagSize),
                                              absl::string_view(e + kTagSize + 5, kShareSize)));
    }
  }
  for (size_t s = 0; s < out.slots.size(); ++s) {
    auto& v = by_slot[s];
    std::sort(v.begin(), v.end());
    for (size_t k = 0; k < v.size(); ++k) {
      if (v[k].first != k) return Corrupt("has a slot with missing entries");
      out.slots[s].entries += v[k].second;
    }
    v = {};
  }
  return out;
}

size_t PagedTable::memory_bytes() const {
  return sizeof(*this) + fences_.capacity() * sizeof(uint64_t) +
         filters_.capacity() * sizeof(uint64_t) + header_.peer.capacity() +
         header_.purpose.capacity() + header_.table_id.capacity() + path_.capacity() +
         name_.capacity() + (subkey_ ? sizeof(crypto::SealingKey) : 0);
}

}  // namespace fedlink::private_match
