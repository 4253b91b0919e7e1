#include "node/web/web_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "node/common/status_macros.h"
#include "node/common/whole_file.h"
#include "node/tls/tls_identity.h"

namespace fedlink::web {

struct WebServer::Impl {
  std::unique_ptr<Console> console;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  ~Impl() {
    if (server != nullptr) server->stop();
    if (thread.joinable()) thread.join();
    server.reset();
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseAddress(absl::string_view address) {
  const absl::Status bad = absl::InvalidArgumentError(
      "--web: expected HOST:PORT or http://HOST:PORT (IPv6 in brackets)");
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return bad;
  HostPort hp;
  absl::string_view host = address.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) return bad;
  hp.host = std::string(host);
  if (!absl::SimpleAtoi(address.substr(colon + 1), &hp.port) || hp.port < 0 || hp.port > 65535 ||
      hp.host.empty()) {
    return bad;
  }
  return hp;
}

absl::Status LoadPem(const std::string& cert_pem, const std::string& key_pem, X509** cert,
                     EVP_PKEY** key, const std::string& where) {
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  *cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  *key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  if (*cert == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(where, ": no PEM certificate"));
  if (*key == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(where, ": no PEM private key"));
  if (X509_check_private_key(*cert, *key) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the key does not match the certificate"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          bool trust_forwarded_for) {
  if (!trust_forwarded_for || !IsLoopback(peer) || forwarded_for.empty()) return std::string(peer);
  const size_t comma = forwarded_for.rfind(',');
  const std::string last(absl::StripAsciiWhitespace(
      comma == absl::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1)));
  unsigned char addr[sizeof(in6_addr)];
  if (inet_pton(AF_INET, last.c_str(), addr) == 1 || inet_pton(AF_INET6, last.c_str(), addr) == 1) {
    return last;
  }
  return std::string(peer);
}

bool IsLoopback(absl::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (!absl::StartsWith(host, "127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

absl::StatusOr<std::unique_ptr<WebServer>> WebServer::Start(app::Node& node,
                                                            WebServerOptions options) {
  absl::string_view address = options.address;
  const bool plain = absl::ConsumePrefix(&address, "http://");
  absl::ConsumePrefix(&address, "https://");
  ASSIGN_OR_RETURN(const HostPort hp, ParseAddress(address));
  if (plain && !IsLoopback(hp.host)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--web: plain HTTP only on a loopback address (127.0.0.1, ::1); ", hp.host,
                     " needs HTTPS (give HOST:PORT without http://)"));
  }
  if (options.trust_forwarded_for && !plain) {
    return absl::InvalidArgumentError(
        "--web-trust-proxy: only with --web http://127.0.0.1:PORT behind a reverse proxy on this "
        "machine");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("--web-cert and --web-key go together");
  }
  std::unique_ptr<WebServer> web(new WebServer());
  web->impl_ = std::make_unique<Impl>();
  Impl& impl = *web->impl_;
  options.console.https = !plain;
  ASSIGN_OR_RETURN(impl.console, Console::Create(node, options.console));
  web->max_concurrent_lookups_ = impl.console->max_concurrent_lookups();
  if (plain) {
    impl.server = std::make_unique<httplib::Server>();
  } else {
    if (options.cert_file.empty()) {
      ASSIGN_OR_RETURN(const tls::TlsIdentity identity,
                       tls::Load(node.paths().dir, node.opened().file_key()));
      RETURN_IF_ERROR(LoadPem(identity.cert_pem, identity.key_pem, &impl.cert, &impl.key,
                              node.paths().tls_cert()));
    } else {
      struct stat st {};
      if (stat(options.key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        return absl::PermissionDeniedError(absl::StrCat("--web-key ", options.key_file,
                                                        ": readable by others (run chmod 600 ",
                                                        options.key_file, ")"));
      }
      ASSIGN_OR_RETURN(const std::string cert, common::ReadWholeFile(options.cert_file));
      ASSIGN_OR_RETURN(const std::string key, common::ReadWholeFile(options.key_file));
      RETURN_IF_ERROR(LoadPem(cert, key, &impl.cert, &impl.key, options.key_file));
    }
    auto ssl = std::make_unique<httplib::SSLServer>(impl.cert, impl.key);
    if (!ssl->is_valid()) return absl::InternalError("--web: TLS could not be set up");
    SSL_CTX_set_min_proto_version(ssl->ssl_context(), TLS1_2_VERSION);
    impl.server = std::move(ssl);
  }
  httplib::Server& server = *impl.server;
  server.set_payload_max_length(1 << 20);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  Console* console = impl.console.get();
  const bool trust_forwarded_for = options.trust_forwarded_for;
  auto handler = [console, trust_forwarded_for](const httplib::Request& req,
                                                httplib::Response& res) {
    HttpRequest request;
    request.method = req.method;
    request.path = req.path;
    request.content_type = req.get_header_value("Content-Type");
    request.body = req.body;
    request.cookie = req.get_header_value("Cookie");
    request.client = ClientAddress(req.remote_addr, req.get_header_value("X-Forwarded-For"),
                                   trust_forwarded_for);
    if (req.is_multipart_form_data()) {
      for (const auto& [name, part] : req.files) {
        request.multipart[name] = part.content;
        if (!part.filename.empty()) request.multipart[name + ".filename"] = part.filename;
      }
    }
    const HttpResponse response = console->Handle(request);
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name, value);
    res.set_content(response.body, response.content_type);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  if (hp.port == 0) {
    web->port_ = server.bind_to_any_port(hp.host);
    if (web->port_ <= 0) {
      return absl::UnavailableError(absl::StrCat("--web: cannot listen on ", hp.host));
    }
  } else {
    if (!server.bind_to_port(hp.host, hp.port)) {
      return absl::UnavailableError(
          absl::StrCat("--web: cannot listen on ", address, " (in use, or not an address here)"));
    }
    web->port_ = hp.port;
  }
  const std::string shown =
      hp.host.find(':') != std::string::npos ? absl::StrCat("[", hp.host, "]") : hp.host;
  web->url_ = absl::StrCat(plain ? "http" : "https", "://", shown, ":", web->port_, "/");
  impl.thread = std::thread([&server] { server.listen_after_bind(); });
  // Until it runs, stop() would not end it.
  for (int i = 0; i < 500 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return web;
}

void WebServer::Stop() { impl_.reset(); }

WebServer::~WebServer() { Stop(); }

}  // namespace fedlink::web
