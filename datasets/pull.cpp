#include "datasets/pull.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "datasets/sha256.h"
#include "datasets/unpack.h"
#include "util/error.h"

namespace ys {
namespace {

namespace fs = std::filesystem;

// One transfer's state, seen by libcurl's write callback.
struct Transfer {
  CURL* easy = nullptr;
  FILE* out = nullptr;
  uint64_t offset = 0;     // bytes of the .part before this transfer (the Range start)
  bool checked = false;    // the response status was looked at
  bool restarted = false;  // the server answered 200 to a Range request: written from 0
  uint64_t written = 0;
};

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->checked) {
    t->checked = true;
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200 && t->offset > 0) {  // the whole file, not the rest: start over
      if (std::fflush(t->out) != 0 || ftruncate(fileno(t->out), 0) != 0) return 0;
      std::rewind(t->out);
      t->restarted = true;
    }
  }
  const size_t n = std::fwrite(data, 1, size * count, t->out);
  t->written += n;
  return n;
}

void say(const PullOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

uint64_t size_of(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

// The outcome of one HTTP transfer into `part`.
struct Attempt {
  CURLcode result = CURLE_OK;
  long status = 0;
  std::string error;
  bool restarted = false;
};

Attempt transfer(const std::string& url, const fs::path& part, const PullOptions& o) {
  Transfer t;
  t.offset = size_of(part);
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(part.c_str(), t.offset ? "ab" : "wb"),
                                            std::fclose);
  if (!out) throw InputError(part.string() + ": cannot write");
  std::unique_ptr<CURL, void (*)(CURL*)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) throw DownloadError("libcurl: cannot start a transfer");
  t.easy = easy.get();
  t.out = out.get();
  char error[CURL_ERROR_SIZE] = {0};
  const std::string range = std::to_string(t.offset) + "-";
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "yardstick-data-pull");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_s);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o.stall_timeout_s);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  // A plain Range header (CURLOPT_RANGE): libcurl's own resume would fail on a 200, and
  // a 200 is handled in on_write by starting over.
  if (t.offset > 0) curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
  Attempt a;
  a.result = curl_easy_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a.status);
  a.error = error[0] ? error : curl_easy_strerror(a.result);
  a.restarted = t.restarted;
  if (std::fflush(out.get()) != 0) throw InputError(part.string() + ": write error");
  return a;
}

// Downloads `url` into `part` (resuming what is there), up to o.attempts transfers.
int download(const std::string& url, const fs::path& part, const PullOptions& o) {
  int requests = 0;
  for (int attempt = 1;; ++attempt) {
    const uint64_t before = size_of(part);
    if (before > 0) say(o, "  resuming at byte " + std::to_string(before));
    Attempt a = transfer(url, part, o);
    ++requests;
    if (a.restarted) say(o, "  the server sent the whole file (no Range support): started over");
    if (a.result == CURLE_OK) return requests;
    const bool http_error = a.result == CURLE_HTTP_RETURNED_ERROR;
    if (http_error && a.status == 416 && before > 0) {
      // The .part is not a prefix the server can continue (e.g. the file changed).
      std::error_code ec;
      fs::remove(part, ec);
      say(o, "  HTTP 416 to the Range request: the partial file was dropped");
    } else if (http_error && a.status != 429 && a.status < 500) {
      std::error_code ec;
      if (size_of(part) == 0) fs::remove(part, ec);
      throw DownloadError("HTTP " + std::to_string(a.status) + " from " + url);
    }
    const std::string why = http_error ? "HTTP " + std::to_string(a.status) : a.error;
    if (attempt >= o.attempts) {
      if (size_of(part) == 0) {  // nothing came (e.g. refused): no empty file left behind
        std::error_code ec;
        fs::remove(part, ec);
        throw DownloadError(url + ": " + why + "; nothing was received");
      }
      throw DownloadError(url + ": " + why + " after " + std::to_string(size_of(part)) +
                          " bytes; " + part.string() +
                          " is kept: run the same command again to resume");
    }
    say(o, "  transfer interrupted (" + why + "), retrying");
  }
}

std::string short_hash(const std::string& h) {
  return h.substr(0, 12);
}

// A file the catalogue marks `unpack`: unpacked where it lies, which must give its folder.
void unpack_if_archive(const CatalogueFile& f, PulledFile& r, const PullOptions& o) {
  if (f.unpack.empty()) return;
  const fs::path into = r.path.parent_path();
  r.unpacked = unpack_archive(r.path, into, o.log);
  std::error_code ec;
  if (!fs::is_directory(into / f.unpack, ec)) {
    throw DownloadError(r.path.string() + " was unpacked into " + into.string() +
                        " but gave no folder " + f.unpack + " (the catalogue's `unpack`), " +
                        "which the tasks read");
  }
}

}  // namespace

std::vector<PulledFile> pull_dataset(const CatalogueDataset& dataset, const PullOptions& o) {
  if (!o.allow_unverified) {  // refused before anything is sent
    for (const auto& f : dataset.files) {
      if (!f.sha256) {
        throw DownloadError("the catalogue has no sha256 for " + f.path + " (dataset " +
                            dataset.name + "), so yardstick cannot check what it downloads; " +
                            "pass --allow-unverified to accept it as served by " + f.url);
      }
    }
  }
  std::vector<PulledFile> out;
  for (const auto& f : dataset.files) {
    PulledFile r;
    r.path = o.into / f.path;
    std::error_code ec;
    if (fs::is_regular_file(r.path, ec)) {
      r.sha256 = sha256_file_hex(r.path);
      r.bytes = size_of(r.path);
      if (f.sha256 && r.sha256 != *f.sha256) {
        throw DownloadError(r.path.string() + " exists with sha256 " + r.sha256 +
                            ", not the catalogue's " + *f.sha256 +
                            "; it is left alone: delete it to download it again");
      }
      r.verified = f.sha256.has_value();
      say(o, f.path + ": already present" + (r.verified ? " (sha256 verified)" : ""));
      unpack_if_archive(f, r, o);
      out.push_back(r);
      continue;
    }
    fs::create_directories(r.path.parent_path(), ec);
    if (ec) throw InputError(r.path.parent_path().string() + ": cannot create: " + ec.message());
    const fs::path part = r.path.string() + ".part";
    say(o, f.path + ": " + f.url);
    r.requests = download(f.url, part, o);
    r.bytes = size_of(part);
    if (f.bytes && r.bytes != *f.bytes) {
      fs::remove(part, ec);
      throw DownloadError(f.url + ": got " + std::to_string(r.bytes) + " bytes, the catalogue " +
                          "says " + std::to_string(*f.bytes) + "; the download was deleted");
    }
    r.sha256 = sha256_file_hex(part);
    if (f.sha256 && r.sha256 != *f.sha256) {
      fs::remove(part, ec);
      throw DownloadError(f.url + ": sha256 " + r.sha256 + " is not the catalogue's " + *f.sha256 +
                          "; the download was deleted and " + r.path.string() + " not written");
    }
    fs::rename(part, r.path, ec);
    if (ec)
      throw InputError(r.path.string() + ": cannot move the download into place: " + ec.message());
    r.downloaded = true;
    r.verified = f.sha256.has_value();
    say(o, "  " + std::to_string(r.bytes) + " bytes, sha256 " +
               (r.verified ? short_hash(r.sha256) + "… verified"
                           : r.sha256 + " (UNVERIFIED: the catalogue has none)"));
    unpack_if_archive(f, r, o);
    out.push_back(r);
  }
  return out;
}

}  // namespace ys
