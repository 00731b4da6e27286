// The dataset catalogue and `yardstick data pull` / `data ls`: the shipped catalogue
// against the shared data and the task specs, and downloads from a loopback HTTP server
// (nothing here reaches the network): verified, resumed after a cut transfer, refused on a
// sha256 mismatch or an unverifiable file; tar archives unpacked safely and only once.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "datasets/catalogue.h"
#include "datasets/pull.h"
#include "datasets/sha256.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "tests/support/child.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = YS_SOURCE_DIR;

// Serves fixed files on 127.0.0.1 under /f/NAME; httplib answers Range requests (206). A
// file listed in `cut_first` has its first response cut after that many bytes (the
// connection closes mid-body).
class FileServer {
 public:
  struct Request {
    std::string path, range;
  };

  FileServer(std::map<std::string, std::string> files, std::map<std::string, size_t> cut_first = {})
      : files_(std::move(files)), cut_first_(std::move(cut_first)) {
    server_.Get(R"(/f/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string name = req.matches[1];
      bool cut = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back({req.path, req.get_header_value("Range")});
        cut = cut_first_.count(name) && !cut_done_.count(name);
        if (cut) cut_done_.insert(name);
      }
      auto it = files_.find(name);
      if (it == files_.end()) {
        res.status = 404;
        return;
      }
      if (!cut) {
        res.set_content(it->second, "application/octet-stream");
        return;
      }
      const std::string body = it->second;
      const size_t at = cut_first_.at(name);
      res.set_content_provider(body.size(), "application/octet-stream",
                               [body, at](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset < at) sink.write(body.data() + offset, at - offset);
                                 return false;  // then drop the connection
                               });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FileServer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/f/" + name;
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  std::map<std::string, std::string> files_;
  std::map<std::string, size_t> cut_first_;
  std::set<std::string> cut_done_;
  std::mutex mu_;
  std::vector<Request> requests_;
  int port_ = 0;
  std::thread thread_;
};

// Deterministic bytes, all 256 values, `n` long.
std::string fixture_bytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  unsigned x = seed;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return s;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CatalogueDataset dataset_of(std::vector<CatalogueFile> files) {
  CatalogueDataset d;
  d.name = "fixture";
  d.title = "Fixture";
  d.files = std::move(files);
  return d;
}

const std::string kBig = fixture_bytes(200000, 1);
const std::string kSmall = "question,answer\nq1,a1\n";

TEST(DataPull, DownloadsVerifiesAndKeepsWhatIsThere) {
  FileServer server({{"big.bin", kBig}, {"small.csv", kSmall}});
  test::ScratchDir dir;
  auto d = dataset_of({{"fix/big.bin", server.url("big.bin"), sha256_hex(kBig), kBig.size(), ""},
                       {"fix/sub/small.csv", server.url("small.csv"), sha256_hex(kSmall), {}, ""}});
  PullOptions o;
  o.into = dir.path();
  auto got = pull_dataset(d, o);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].downloaded && got[0].verified);
  EXPECT_EQ(got[0].requests, 1);
  EXPECT_EQ(read_all(dir / "fix/big.bin"), kBig);
  EXPECT_EQ(read_all(dir / "fix/sub/small.csv"), kSmall);
  EXPECT_FALSE(fs::exists(dir / "fix/big.bin.part"));
  EXPECT_EQ(server.requests().size(), 2u);
  // Again: both present with the right sha256, so nothing is requested.
  got = pull_dataset(d, o);
  EXPECT_FALSE(got[0].downloaded || got[1].downloaded);
  EXPECT_TRUE(got[1].verified);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(DataPull, ResumesACutTransferWithARangeRequest) {
  FileServer server({{"big.bin", kBig}}, {{"big.bin", 70000}});
  test::ScratchDir dir;
  auto d = dataset_of({{"big.bin", server.url("big.bin"), sha256_hex(kBig), kBig.size(), ""}});
  PullOptions o;
  o.into = dir.path();
  o.attempts = 1;
  try {
    pull_dataset(d, o);
    ADD_FAILURE() << "a cut transfer succeeded";
  } catch (const DownloadError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(server.url("big.bin")), std::string::npos) << m;
    EXPECT_NE(m.find("run the same command again to resume"), std::string::npos) << m;
  }
  EXPECT_FALSE(fs::exists(dir / "big.bin"));
  const auto part = dir / "big.bin.part";
  ASSERT_TRUE(fs::exists(part));
  const size_t kept = fs::file_size(part);
  EXPECT_GT(kept, 0u);
  EXPECT_LE(kept, 70000u);
  EXPECT_EQ(read_all(part), kBig.substr(0, kept));
  // The same command again asks for the rest only, then checks the whole file.
  auto got = pull_dataset(d, o);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0].range, "");
  EXPECT_EQ(server.requests()[1].range, "bytes=" + std::to_string(kept) + "-");
  EXPECT_TRUE(got[0].downloaded && got[0].verified);
  EXPECT_EQ(read_all(dir / "big.bin"), kBig);
  EXPECT_FALSE(fs::exists(part));
}

TEST(DataPull, RetriesWithinOneCommand) {
  FileServer server({{"big.bin", kBig}}, {{"big.bin", 5000}});
  test::ScratchDir dir;
  auto d = dataset_of({{"big.bin", server.url("big.bin"), sha256_hex(kBig), kBig.size(), ""}});
  PullOptions o;
  o.into = dir.path();  // attempts: 3 by default
  auto got = pull_dataset(d, o);
  EXPECT_EQ(got[0].requests, 2);
  EXPECT_EQ(server.requests().at(1).range.rfind("bytes=", 0), 0u);
  EXPECT_EQ(read_all(dir / "big.bin"), kBig);
}

TEST(DataPull, RefusesASha256Mismatch) {
  FileServer server({{"small.csv", kSmall}});
  test::ScratchDir dir;
  const std::string other = sha256_hex("something else");
  auto d = dataset_of({{"small.csv", server.url("small.csv"), other, {}, ""}});
  PullOptions o;
  o.into = dir.path();
  try {
    pull_dataset(d, o);
    ADD_FAILURE() << "a mismatching file was accepted";
  } catch (const DownloadError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("sha256 " + sha256_hex(kSmall) + " is not the catalogue's " + other),
              std::string::npos)
        << m;
  }
  EXPECT_FALSE(fs::exists(dir / "small.csv"));
  EXPECT_FALSE(fs::exists(dir / "small.csv.part"));
  // A size the catalogue states is checked too.
  d.files[0].sha256 = sha256_hex(kSmall);
  d.files[0].bytes = kSmall.size() + 1;
  EXPECT_THROW(pull_dataset(d, o), DownloadError);
  EXPECT_FALSE(fs::exists(dir / "small.csv"));
  // A file already there with another sha256 is an error and is left as it is.
  test::write_file(dir / "small.csv", "edited by hand\n");
  d.files[0].bytes.reset();
  try {
    pull_dataset(d, o);
    ADD_FAILURE() << "no error";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("delete it to download it again"), std::string::npos);
  }
  EXPECT_EQ(read_all(dir / "small.csv"), "edited by hand\n");
}

TEST(DataPull, UnverifiableFilesNeedConsentAndHttpErrorsNameTheUrl) {
  FileServer server({{"small.csv", kSmall}});
  test::ScratchDir dir;
  auto d = dataset_of({{"small.csv", server.url("small.csv"), std::nullopt, {}, ""}});
  PullOptions o;
  o.into = dir.path();
  try {
    pull_dataset(d, o);
    ADD_FAILURE() << "no error";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-unverified"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(server.requests().empty());  // refused before anything was sent
  o.allow_unverified = true;
  auto got = pull_dataset(d, o);
  EXPECT_TRUE(got[0].downloaded);
  EXPECT_FALSE(got[0].verified);
  EXPECT_EQ(got[0].sha256, sha256_hex(kSmall));
  auto missing = dataset_of({{"gone.csv", server.url("gone.csv"), sha256_hex(kSmall), {}, ""}});
  try {
    pull_dataset(missing, o);
    ADD_FAILURE() << "no error";
  } catch (const DownloadError& e) {
    EXPECT_EQ(std::string(e.what()), "HTTP 404 from " + server.url("gone.csv"));
  }
  EXPECT_FALSE(fs::exists(dir / "gone.csv.part"));
}

TEST(DataPull, Sha256MatchesKnownDigests) {
  // FIPS 180-4 examples.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  test::ScratchDir dir;
  test::write_file(dir / "big.bin", kBig);
  EXPECT_EQ(sha256_file_hex(dir / "big.bin"), sha256_hex(kBig));
}

// ---- archives unpacked by the pull ---------------------------------------------------

struct TarEntry {
  enum Kind { kFile, kFolder, kSymlink, kHardlink, kFifo } kind = kFile;
  std::string name;
  std::string data;  // kFile: the bytes; kSymlink, kHardlink: the target
};

// A pax tar archive of `entries`, written with libarchive.
std::string make_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  auto append = [](struct archive*, void* user, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(user)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  EXPECT_EQ(archive_write_open(a, &out, nullptr, append, nullptr), ARCHIVE_OK);
  for (const auto& x : entries) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, x.name.c_str());
    archive_entry_set_perm(e, 0644);
    switch (x.kind) {
      case TarEntry::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(x.data.size()));
        break;
      case TarEntry::kFolder:
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        break;
      case TarEntry::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, x.data.c_str());
        break;
      case TarEntry::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, x.data.c_str());
        archive_entry_set_size(e, 0);
        break;
      case TarEntry::kFifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << x.name;
    if (x.kind == TarEntry::kFile && !x.data.empty())
      archive_write_data(a, x.data.data(), x.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// The MATH archive's layout (MATH/{train,test}/<subject>/<n>.json) holding the invented
// problems of tests/fixtures/MATH, with a folder entry for every folder.
std::vector<TarEntry> math_entries() {
  const fs::path root = kSource / "tests/fixtures";
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(root / "MATH")) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<TarEntry> out = {{TarEntry::kFolder, "MATH/", ""}};
  for (const auto& p : paths) {
    const std::string name = fs::relative(p, root).generic_string();
    if (fs::is_directory(p)) {
      out.push_back({TarEntry::kFolder, name + "/", ""});
    } else {
      out.push_back({TarEntry::kFile, name, read_all(p)});
    }
  }
  return out;
}

CatalogueDataset math_dataset(const FileServer& server, const std::string& tar) {
  auto d = dataset_of({{"MATH.tar", server.url("MATH.tar"), sha256_hex(tar), tar.size(), "MATH"}});
  d.name = "math";
  return d;
}

// Every file and link under `dir`, relative, except `but`.
std::set<std::string> files_under(const fs::path& dir, const std::string& but = "") {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).generic_string();
    if (!e.is_directory() && rel != but) out.insert(rel);
  }
  return out;
}

TEST(DataPull, UnpacksTheMathArchiveWhereTheMathTasksReadIt) {
  const std::vector<TarEntry> entries = math_entries();
  size_t files = 0;
  for (const auto& e : entries) files += e.kind == TarEntry::kFile;
  ASSERT_GE(files, 14u);  // two problems for each of the 7 subjects, and train examples
  const std::string tar = make_tar(entries);
  FileServer server({{"MATH.tar", tar}});
  test::ScratchDir dir;
  PullOptions o;
  o.into = dir.path();
  std::vector<std::string> lines;
  o.log = [&](const std::string& l) { lines.push_back(l); };
  auto got = pull_dataset(math_dataset(server, tar), o);
  ASSERT_TRUE(got.at(0).unpacked);
  EXPECT_FALSE(got[0].unpacked->already);
  EXPECT_EQ(got[0].unpacked->entries, entries.size());
  EXPECT_EQ(got[0].unpacked->written, files);
  EXPECT_EQ(got[0].unpacked->unchanged, 0u);
  for (const auto& e : entries) {
    if (e.kind == TarEntry::kFile) {
      EXPECT_EQ(read_all(dir / e.name), e.data) << e.name;
    }
  }
  EXPECT_EQ(files_under(dir.path(), "MATH.tar").size(), files);  // no .part left behind
  // The MATH subject tasks load from there.
  const TaskRegistry reg = TaskRegistry::load(kSource / "tasks/specs");
  DataLocation where;
  where.roots = {dir.path(), kSource / "datasets/data"};  // minerva's bundled examples
  for (const char* task : {"math_algebra", "math_precalculus", "minerva_math_num_theory"}) {
    const Task t = Task::load(reg.tasks().at(task), where);
    const fs::path folder = fs::path(reg.tasks().at(task).dataset->path).parent_path();
    size_t expected = 0;
    for (const auto& e : fs::directory_iterator(kSource / "tests/fixtures" / folder))
      expected += e.path().extension() == ".json";
    EXPECT_EQ(t.samples().size(), expected) << task;
    EXPECT_GE(t.samples().size(), 2u) << task;
    for (const auto& s : t.samples()) EXPECT_FALSE(s.reference.empty()) << task << " " << s.id;
  }
  // A second pull downloads nothing and writes nothing.
  const auto before = fs::last_write_time(dir / "MATH/test/algebra/3.json");
  got = pull_dataset(math_dataset(server, tar), o);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_FALSE(got[0].downloaded);
  ASSERT_TRUE(got[0].unpacked);
  EXPECT_TRUE(got[0].unpacked->already);
  EXPECT_EQ(got[0].unpacked->written, 0u);
  EXPECT_EQ(fs::last_write_time(dir / "MATH/test/algebra/3.json"), before);
  // A damaged file is restored; the others are compared and left alone.
  test::write_file(dir / "MATH/test/algebra/3.json", "{}");
  got = pull_dataset(math_dataset(server, tar), o);
  EXPECT_EQ(got[0].unpacked->written, 1u);
  EXPECT_EQ(got[0].unpacked->unchanged, files - 1);
  EXPECT_EQ(read_all(dir / "MATH/test/algebra/3.json"),
            read_all(kSource / "tests/fixtures/MATH/test/algebra/3.json"));
}

TEST(DataPull, MissingMathDataSaysWhatIsMissing) {
  const Catalogue cat = load_catalogue(kSource / "datasets/catalogue.yaml");
  const TaskRegistry reg = TaskRegistry::load(kSource / "tasks/specs");
  test::ScratchDir dir;
  DataLocation where;
  where.roots = {dir.path()};
  auto error_of = [&](const std::string& task) {
    try {
      Task::load(reg.tasks().at(task), where);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Nothing there: the pull fetches it.
  EXPECT_NE(
      error_of("math_algebra").find("`yardstick data pull math --allow-unverified` fetches it"),
      std::string::npos);
  EXPECT_EQ(missing_data(cat, "math_algebra", "MATH/test/algebra/*.json", where)->brief,
            "yardstick data pull math --allow-unverified");
  // The archive there, not unpacked (as an earlier yardstick left it).
  test::write_file(dir / "MATH.tar", make_tar(math_entries()));
  std::string m = error_of("math_algebra");
  EXPECT_NE(m.find("dataset file 'MATH/test/algebra/*.json' not found"), std::string::npos) << m;
  EXPECT_NE(
      m.find("MATH.tar is at " + (dir / "MATH.tar").string() +
             " but not unpacked: `yardstick data pull math --allow-unverified` unpacks it there"),
      std::string::npos)
      << m;
  EXPECT_EQ(m.find("fetches it"), std::string::npos) << m;
  EXPECT_EQ(missing_data(cat, "math_algebra", "MATH/test/algebra/*.json", where)->brief,
            "MATH.tar not unpacked: yardstick data pull math --allow-unverified");
  // Unpacked, but a subject's folder is gone.
  fs::create_directories(dir / "MATH/test");
  m = error_of("math_geometry");
  EXPECT_NE(m.find("is unpacked into " + (dir / "MATH").string() + ", which lacks this file"),
            std::string::npos)
      << m;
  EXPECT_EQ(missing_data(cat, "gsm8k", "gsm8k/test.jsonl", where)->brief,
            "yardstick data pull gsm8k");
  EXPECT_FALSE(missing_data(cat, "gen_algebra", "x.jsonl", where));
  // A file the task takes from elsewhere (minerva's bundled examples) is not the pull's.
  EXPECT_FALSE(missing_data(cat, "minerva_math_algebra", "minerva_math/fewshot.jsonl", where));
}

TEST(DataPull, RefusesArchiveEntriesThatLeaveTheFolder) {
  const TarEntry ok = {TarEntry::kFile, "MATH/test/algebra/1.json", "{}"};
  const std::vector<std::pair<std::vector<TarEntry>, std::string>> cases = {
      {{ok, {TarEntry::kFile, "/tmp/evil.json", "x"}}, "has an absolute path"},
      {{ok, {TarEntry::kFile, "MATH/../../evil.json", "x"}}, "has a '..' component"},
      {{ok, {TarEntry::kFile, "../evil.json", "x"}}, "has a '..' component"},
      {{ok, {TarEntry::kSymlink, "MATH/out", "../../outside"}}, "outside the folder"},
      {{ok, {TarEntry::kSymlink, "MATH/up", "../.."}}, "outside the folder"},
      {{ok, {TarEntry::kSymlink, "MATH/etc", "/etc"}}, "a symbolic link to an absolute path"},
      {{ok, {TarEntry::kHardlink, "MATH/h", "../outside.json"}}, "has a '..' component"},
      {{ok, {TarEntry::kFifo, "MATH/pipe", ""}}, "is neither a folder, a file nor a link"},
      // Found in review: "sub -> ." then "sub/up -> .." passed a check on the names alone.
      {{{TarEntry::kSymlink, "MATH/sub", "."}, {TarEntry::kSymlink, "MATH/sub/up", "x"}},
       "lies under the symbolic link 'MATH/sub'"},
      {{{TarEntry::kSymlink, "MATH/sub", "test"}, {TarEntry::kFile, "MATH/sub/f.json", "x"}},
       "lies under the symbolic link 'MATH/sub'"},
  };
  for (const auto& [entries, why] : cases) {
    const std::string tar = make_tar(entries);
    FileServer server({{"MATH.tar", tar}});
    test::ScratchDir dir;
    fs::create_directories(dir / "data");
    PullOptions o;
    o.into = dir / "data";
    try {
      pull_dataset(math_dataset(server, tar), o);
      ADD_FAILURE() << why << ": accepted";
    } catch (const DownloadError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("entry '" + entries[1].name + "' "), std::string::npos) << m;
      EXPECT_NE(m.find(why), std::string::npos) << m;
      EXPECT_NE(m.find("nothing was unpacked"), std::string::npos) << m;
    }
    // Nothing but the download, neither inside nor beside the data root.
    EXPECT_EQ(files_under(dir.path()), std::set<std::string>{"data/MATH.tar"}) << why;
  }
}

TEST(DataPull, UnpacksLinksInsideTheFolderButNeverWritesThroughOneLeavingIt) {
  // A link inside the folder is kept.
  std::vector<TarEntry> entries = {
      {TarEntry::kFile, "MATH/test/algebra/1.json", "{\"a\": 1}"},
      {TarEntry::kSymlink, "MATH/latest", "test"},
      {TarEntry::kHardlink, "MATH/copy.json", "MATH/test/algebra/1.json"}};
  std::string tar = make_tar(entries);
  {
    FileServer server({{"MATH.tar", tar}});
    test::ScratchDir dir;
    PullOptions o;
    o.into = dir.path();
    auto got = pull_dataset(math_dataset(server, tar), o);
    EXPECT_EQ(got[0].unpacked->written, 3u);
    EXPECT_EQ(fs::read_symlink(dir / "MATH/latest"), "test");
    EXPECT_EQ(read_all(dir / "MATH/latest/algebra/1.json"), "{\"a\": 1}");
    EXPECT_TRUE(fs::equivalent(dir / "MATH/copy.json", dir / "MATH/test/algebra/1.json"));
    got = pull_dataset(math_dataset(server, tar), o);
    EXPECT_TRUE(got[0].unpacked->already);
  }
  // A symbolic link already on disk that leads out of the data root is not written through.
  entries.resize(1);
  tar = make_tar(entries);
  FileServer server({{"MATH.tar", tar}});
  test::ScratchDir dir;
  fs::create_directories(dir / "data");
  fs::create_directories(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "data/MATH");
  PullOptions o;
  o.into = dir / "data";
  try {
    pull_dataset(math_dataset(server, tar), o);
    ADD_FAILURE() << "wrote through a link";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("through a symbolic link on disk"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir / "elsewhere"));
}

TEST(DataPull, AnArchiveThatGivesNoTaskFolderIsAnError) {
  const std::string tar = make_tar({{TarEntry::kFile, "other/1.json", "{}"}});
  FileServer server({{"MATH.tar", tar}});
  test::ScratchDir dir;
  PullOptions o;
  o.into = dir.path();
  try {
    pull_dataset(math_dataset(server, tar), o);
    ADD_FAILURE() << "no error";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("gave no folder MATH"), std::string::npos) << e.what();
  }
  // Not a tar at all.
  const std::string junk = "not an archive at all, just text\n";
  FileServer junk_server({{"MATH.tar", junk}});
  test::ScratchDir other;
  o.into = other.path();
  try {
    pull_dataset(math_dataset(junk_server, junk), o);
    ADD_FAILURE() << "no error";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a readable tar archive"), std::string::npos)
        << e.what();
  }
}

// ---- the shipped catalogue -------------------------------------------------------------

Catalogue shipped() {
  return load_catalogue(kSource / "datasets/catalogue.yaml");
}

TEST(DataCatalogue, EveryHashMatchesTheSharedData) {
  const fs::path shared = test::shared_dir() / "datasets";
  if (!test::require_shared(shared)) GTEST_SKIP();
  DataLocation where;
  where.roots = {shared};
  size_t verified = 0, unknown = 0;
  for (const auto& d : shipped().datasets) {
    for (const auto& f : d.files) {
      const FileStatus st = file_status(f, where);
      if (!f.sha256) {
        ++unknown;
        EXPECT_EQ(st.state, FileStatus::State::kMissing)
            << f.path << ": hash it into the catalogue";
        continue;
      }
      EXPECT_EQ(st.state, FileStatus::State::kVerified) << f.path;
      if (f.bytes) {
        EXPECT_EQ(fs::file_size(st.found), *f.bytes) << f.path;
      }
      ++verified;
    }
  }
  EXPECT_EQ(verified, 2u + 1 + 1 + 2 + 3 + 3 + 54 + 114);  // every file in ../shared
  EXPECT_EQ(unknown, 2u);                                  // MATH.tar and GPQA's zip
}

TEST(DataCatalogue, ListsEveryTaskThatReadsDownloadableData) {
  const Catalogue cat = shipped();
  const TaskRegistry reg = TaskRegistry::load(kSource / "tasks/specs");
  std::set<std::string> listed;
  for (const auto& d : cat.datasets) {
    EXPECT_FALSE(d.license.empty()) << d.name;
    for (const auto& t : d.tasks) {
      EXPECT_TRUE(reg.tasks().count(t)) << d.name << " lists unknown task " << t;
      listed.insert(t);
    }
  }
  for (const auto& [name, spec] : reg.tasks()) {
    if (!spec.dataset) continue;
    // Bundled data (datasets/data) is installed with yardstick; everything else is listed.
    const std::string top = fs::path(spec.dataset->path).begin()->string();
    const bool bundled = fs::is_directory(kSource / "datasets/data" / top);
    EXPECT_EQ(listed.count(name), bundled ? 0u : 1u) << name << " reads " << spec.dataset->path;
  }
}

// Every archive of the catalogue is either unpacked by the pull (tar) or read in memory
// by each of its tasks (zip: GPQA's questions are never written out in plain text).
TEST(DataCatalogue, EveryArchiveIsUnpackedOrReadInMemory) {
  const Catalogue cat = shipped();
  const TaskRegistry reg = TaskRegistry::load(kSource / "tasks/specs");
  auto ends = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  size_t tars = 0, zips = 0;
  for (const auto& d : cat.datasets) {
    for (const auto& f : d.files) {
      const bool tar = ends(f.path, ".tar") || ends(f.path, ".tar.gz") || ends(f.path, ".tgz");
      const bool zip = ends(f.path, ".zip");
      if (tar) {
        ++tars;
        EXPECT_FALSE(f.unpack.empty()) << f.path << ": a tar archive the pull does not unpack";
        for (const auto& t : d.tasks) {
          const auto& spec = reg.tasks().at(t);
          EXPECT_EQ(fs::path(spec.dataset->path).begin()->string(), f.unpack) << t;
        }
      } else {
        EXPECT_TRUE(f.unpack.empty()) << f.path << ": only tar archives are unpacked";
      }
      if (zip) {
        ++zips;
        for (const auto& t : d.tasks) {
          const auto& spec = reg.tasks().at(t);
          EXPECT_EQ(spec.dataset->path, f.path) << t;
          EXPECT_FALSE(spec.dataset->member.name.empty()) << t << " does not read a member";
        }
      }
    }
  }
  EXPECT_EQ(tars, 1u);  // MATH.tar
  EXPECT_EQ(zips, 1u);  // gpqa/dataset.zip
}

TEST(DataCatalogue, MissingDataSaysWhichPullFetchesIt) {
  const TaskRegistry reg = TaskRegistry::load(kSource / "tasks/specs");
  test::ScratchDir dir;
  DataLocation empty;
  empty.roots = {dir.path()};
  // GPQA's zip and MATH.tar have no known sha256: their pull needs --allow-unverified.
  for (const auto& [task, pull] :
       std::map<std::string, std::string>{{"gpqa_diamond", "gpqa --allow-unverified"},
                                          {"gsm8k", "gsm8k"},
                                          {"math_algebra", "math --allow-unverified"},
                                          {"bbh", "bbh"}}) {
    try {
      Task::load(reg.tasks().at(task), empty);
      ADD_FAILURE() << task << ": no error";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("`yardstick data pull " + pull + "` fetches it"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(DataCatalogue, MalformedEntriesNameTheLine) {
  test::ScratchDir dir;
  const std::string head =
      "datasets:\n  x:\n    title: X\n    source: s\n    license: MIT\n    format: csv\n"
      "    files:\n      - path: x/a.csv\n        url: https://example.org/a.csv\n";
  auto error_of = [&](const std::string& text) {
    test::write_file(dir / "c.yaml", text);
    try {
      load_catalogue(dir / "c.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(head + "        sha256: unknown\n"), "no error");
  EXPECT_NE(
      error_of(head + "        sha256: ABC\n").find("c.yaml:10: dataset 'x': 'sha256' must be"),
      std::string::npos);
  EXPECT_NE(error_of(head + "        sha256: unknown\n        md5: x\n").find("unknown key 'md5'"),
            std::string::npos);
  EXPECT_NE(error_of(head + "        sha256: unknown\n      - path: ../a.csv\n        url: "
                            "https://e.org/b\n        sha256: unknown\n")
                .find("without '..'"),
            std::string::npos);
  EXPECT_NE(error_of(head).find("needs 'sha256'"), std::string::npos);
}

// Found by a new user: a refused connection left a 0-byte .part behind.
TEST(DataPull, ARefusedConnectionLeavesNoEmptyPartFile) {
  test::ScratchDir dir;
  test::write_file(dir / "cat.yaml",
                   "datasets:\n  fix:\n    title: Fixture\n    source: tests\n    license: none\n"
                   "    format: bytes\n    files:\n      - path: fix/none.bin\n"
                   "        url: http://127.0.0.1:1/none.bin\n        sha256: unknown\n");
  const Catalogue cat = load_catalogue(dir / "cat.yaml");
  PullOptions o;
  o.into = dir / "data";
  o.attempts = 2;
  o.allow_unverified = true;
  try {
    pull_dataset(cat.datasets.at(0), o);
    ADD_FAILURE() << "no error";
  } catch (const DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing was received"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "data/fix/none.bin.part"));
}

// ---- the commands ----------------------------------------------------------------------

TEST(DataCommand, PullThenLsThroughTheBinary) {
  FileServer server({{"big.bin", kBig}, {"small.csv", kSmall}});
  test::ScratchDir dir;
  std::ostringstream cat;
  cat << "datasets:\n  fix:\n    title: Fixture\n    source: tests\n    license: none\n"
      << "    format: bytes\n    files:\n"
      << "      - path: fix/big.bin\n        url: " << server.url("big.bin")
      << "\n        sha256: " << sha256_hex(kBig) << "\n"
      << "      - path: fix/small.csv\n        url: " << server.url("small.csv")
      << "\n        sha256: " << sha256_hex(kSmall) << "\n";
  test::write_file(dir / "cat.yaml", cat.str());
  const std::string bin = test::yardstick_bin().string(), c = (dir / "cat.yaml").string(),
                    into = (dir / "data").string();
  auto ls = test::run_child({bin, "data", "--catalogue", c, "ls", "--data", into});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("missing: yardstick data pull fix"), std::string::npos) << ls.out;
  auto pull = test::run_child({bin, "data", "--catalogue", c, "pull", "fix", "--into", into});
  EXPECT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_NE(pull.err.find("fix: 2 of 2 files downloaded"), std::string::npos) << pull.err;
  ls = test::run_child({bin, "data", "--catalogue", c, "ls", "--data", into});
  EXPECT_NE(ls.out.find("present, sha256 verified"), std::string::npos) << ls.out;
  // --catalogue after the subcommand works too (a new user tried it there).
  auto one = test::run_child({bin, "data", "ls", "fix", "--catalogue", c, "--data", into});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find(sha256_hex(kSmall)), std::string::npos) << one.out;
  // A damaged file is reported, with exit status 1.
  test::write_file(dir / "data/fix/small.csv", "damaged");
  one = test::run_child({bin, "data", "--catalogue", c, "ls", "fix", "--data", into});
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_NE(one.out.find("sha256 MISMATCH"), std::string::npos) << one.out;
  auto unknown = test::run_child({bin, "data", "--catalogue", c, "pull", "nope", "--into", into});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no dataset 'nope'"), std::string::npos) << unknown.err;
}

TEST(DataCommand, TasksNamesThePullForMissingData) {
  // An empty user cache, so that GPQA (not in ../shared) is missing whatever this machine
  // holds; restored afterwards.
  test::ScratchDir dir;
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  auto r = test::run_child({test::yardstick_bin().string(), "tasks"});
  if (old) {
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  bool seen = false;
  while (std::getline(lines, line)) {
    if (line.rfind("gpqa_diamond ", 0) != 0) continue;
    seen = true;
    EXPECT_NE(line.find("missing: gpqa/dataset.zip (yardstick data pull gpqa --allow-unverified)"),
              std::string::npos)
        << line;
  }
  EXPECT_TRUE(seen) << r.out;
}

TEST(DataCommand, LsShowsTheSharedDataVerified) {
  if (!test::require_shared(test::shared_dir() / "datasets/gsm8k")) GTEST_SKIP();
  auto ls = test::run_child({test::yardstick_bin().string(), "data", "ls"});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  std::istringstream lines(ls.out);
  std::string line;
  size_t verified = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("gsm8k ", 0) == 0 || line.rfind("bbh ", 0) == 0 || line.rfind("mmlu ", 0) == 0) {
      EXPECT_NE(line.find("present, sha256 verified"), std::string::npos) << line;
      ++verified;
    }
  }
  EXPECT_EQ(verified, 3u) << ls.out;
}

}  // namespace
}  // namespace ys
