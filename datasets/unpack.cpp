#include "datasets/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "datasets/pull.h"
#include "util/error.h"
#include "util/strings.h"

namespace ys {
namespace {

namespace fs = std::filesystem;

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

enum class Kind { kFolder, kFile, kSymlink, kHardlink };

struct Entry {
  std::string name;  // as the archive spells it
  fs::path rel;      // relative to the destination, without "." parts
  Kind kind = Kind::kFile;
  std::string link;   // symbolic link: its target as written; hard link: its target's name
  fs::path link_rel;  // hard link: the target relative to the destination
  int64_t size = 0;
};

class Unpacker {
 public:
  Unpacker(fs::path archive, fs::path into)
      : archive_(std::move(archive)), into_(std::move(into)) {}

  [[noreturn]] void refuse(const std::string& entry, const std::string& why) const {
    throw DownloadError(archive_.string() + ": entry '" + entry + "' " + why +
                        "; the archive was refused and nothing was unpacked");
  }

  ArchivePtr open() const {
    ArchivePtr a(archive_read_new(), archive_read_free);
    if (!a) throw DownloadError("libarchive: cannot start reading " + archive_.string());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_tar(a.get());  // ustar, pax and GNU tar
    if (archive_read_open_filename(a.get(), archive_.c_str(), 1 << 16) != ARCHIVE_OK)
      fail(a.get(), "is not a readable tar archive");
    return a;
  }

  [[noreturn]] void fail(struct archive* a, const std::string& what) const {
    const char* why = archive_error_string(a);
    throw DownloadError(archive_.string() + " " + what + (why ? std::string(": ") + why : ""));
  }

  // The next entry's header, or false at the end.
  bool next(struct archive* a, struct archive_entry** e) const {
    const int r = archive_read_next_header(a, e);
    if (r == ARCHIVE_EOF) return false;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) fail(a, "cannot be read");
    return true;
  }

  // `name` as a path inside the destination: refused when absolute or with a ".." part.
  fs::path inside(const std::string& entry, const std::string& name) const {
    if (name.empty()) refuse(entry, "has an empty name");
    if (name.front() == '/') refuse(entry, "has an absolute path");
    fs::path rel;
    for (const auto& part : split(name, '/')) {
      if (part == "..") refuse(entry, "has a '..' component (it would leave the folder)");
      if (part.empty() || part == ".") continue;
      rel /= part;
    }
    return rel;
  }

  // Checks every entry before anything is written.
  std::vector<Entry> list() const {
    ArchivePtr a = open();
    std::vector<Entry> out;
    std::set<fs::path> links;  // the symbolic links listed so far
    struct archive_entry* e = nullptr;
    while (next(a.get(), &e)) {
      Entry x;
      const char* name = archive_entry_pathname(e);
      x.name = name ? name : "";
      x.rel = inside(x.name, x.name);
      x.size = archive_entry_size(e);
      if (const char* target = archive_entry_hardlink(e)) {
        x.kind = Kind::kHardlink;
        x.link = target;
        x.link_rel = inside(x.name, x.link);
        if (x.link_rel.empty()) refuse(x.name, "is a hard link to the folder itself");
      } else {
        switch (archive_entry_filetype(e)) {
          case AE_IFDIR:
            x.kind = Kind::kFolder;
            break;
          case AE_IFREG:
            x.kind = Kind::kFile;
            break;
          case AE_IFLNK: {
            x.kind = Kind::kSymlink;
            const char* target = archive_entry_symlink(e);
            x.link = target ? target : "";
            check_symlink(x);
            break;
          }
          default:
            refuse(x.name, "is neither a folder, a file nor a link (device, fifo or socket)");
        }
      }
      if (x.rel.empty() && x.kind != Kind::kFolder) refuse(x.name, "names no file");
      check_not_under_link(x, links);
      if (x.kind == Kind::kSymlink) links.insert(x.rel);
      out.push_back(std::move(x));
      if (archive_read_data_skip(a.get()) != ARCHIVE_OK) fail(a.get(), "cannot be read");
    }
    return out;
  }

  // A symbolic link may only point down from its own folder: no absolute target and no
  // '..' part. Judging '..' on the names alone is not enough, since an earlier link of the
  // same archive can make "sub/.." mean something else on disk; links that only point down,
  // with nothing unpacked under a link (check_not_under_link), stay inside the destination.
  void check_symlink(const Entry& x) const {
    if (x.link.empty()) refuse(x.name, "is a symbolic link without a target");
    if (x.link.front() == '/') refuse(x.name, "is a symbolic link to an absolute path");
    for (const auto& part : split(x.link, '/')) {
      if (part == "..") {
        refuse(x.name, "is a symbolic link to '" + x.link +
                           "': a '..' in a link may lead outside the folder");
      }
    }
  }

  // Refuses `x` when its path, or its hard link's target, passes through a symbolic link
  // of the archive (`links`: those listed before it).
  void check_not_under_link(const Entry& x, const std::set<fs::path>& links) const {
    for (const fs::path* path : {&x.rel, &x.link_rel}) {
      fs::path prefix;
      for (auto it = path->begin(); it != path->end(); ++it) {
        prefix /= *it;
        if (std::next(it) != path->end() && links.count(prefix)) {
          refuse(x.name, "lies under the symbolic link '" + prefix.string() + "' of the archive");
        }
      }
    }
  }

  // Whether every entry is there already (files by size, links by target).
  bool all_present(const std::vector<Entry>& entries) const {
    std::error_code ec;
    for (const auto& x : entries) {
      const fs::path p = into_ / x.rel;
      switch (x.kind) {
        case Kind::kFolder:
          if (!fs::is_directory(p, ec)) return false;
          break;
        case Kind::kFile:
          if (fs::is_symlink(p, ec) || !fs::is_regular_file(p, ec) ||
              fs::file_size(p, ec) != static_cast<uintmax_t>(x.size))
            return false;
          break;
        case Kind::kSymlink:
          if (!fs::is_symlink(p, ec) || fs::read_symlink(p, ec).string() != x.link) return false;
          break;
        case Kind::kHardlink:
          if (!fs::equivalent(p, into_ / x.link_rel, ec)) return false;
          break;
      }
    }
    return true;
  }

  // Refuses to write at `p` when an existing part of its path leads out of the destination
  // (a symbolic link on disk); creates its folder.
  void prepare(const Entry& x, const fs::path& p) const {
    std::error_code ec;
    const fs::path root = fs::canonical(into_, ec);
    if (ec) throw InputError(into_.string() + ": " + ec.message());
    const fs::path real = fs::weakly_canonical(p.parent_path(), ec);
    if (ec) throw InputError(p.parent_path().string() + ": " + ec.message());
    auto [r, q] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (r != root.end()) {
      refuse(x.name, "would be written at " + real.string() +
                         " through a symbolic link on disk, outside " + root.string());
    }
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw InputError(p.parent_path().string() + ": cannot create: " + ec.message());
  }

  UnpackResult extract(const std::vector<Entry>& entries) const {
    UnpackResult out;
    out.entries = entries.size();
    ArchivePtr a = open();
    struct archive_entry* e = nullptr;
    size_t i = 0;
    std::error_code ec, probe;  // ec: of the write only
    while (next(a.get(), &e)) {
      if (i >= entries.size()) fail(a.get(), "changed while it was unpacked");
      const Entry& x = entries[i++];
      const fs::path p = into_ / x.rel;
      if (x.kind == Kind::kFolder) {
        prepare(x, p / ".");
        continue;
      }
      prepare(x, p);
      bool same = false;
      if (x.kind == Kind::kFile) {
        same = write_file(a.get(), x, p);
      } else if (x.kind == Kind::kSymlink) {
        same = fs::is_symlink(p, probe) && fs::read_symlink(p, probe).string() == x.link;
        if (!same) {
          replace(x, p);
          fs::create_symlink(x.link, p, ec);
        }
      } else {
        same = fs::equivalent(p, into_ / x.link_rel, probe);
        if (!same) {
          prepare(x, into_ / x.link_rel);
          replace(x, p);
          fs::create_hard_link(into_ / x.link_rel, p, ec);
        }
      }
      if (ec) refuse(x.name, "could not be written at " + p.string() + ": " + ec.message());
      (same ? out.unchanged : out.written) += 1;
    }
    return out;
  }

  // Removes what is at `p` (not a folder) before a link is made there.
  void replace(const Entry& x, const fs::path& p) const {
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(p, ec))) refuse(x.name, "is a folder on disk");
    fs::remove(p, ec);
  }

  // Writes the current entry's bytes to "<p>.part" and moves it onto `p` unless `p` holds
  // the same bytes. True when it did.
  bool write_file(struct archive* a, const Entry& x, const fs::path& p) const {
    const fs::path part = p.string() + ".part";
    {
      // A new file, never through whatever is at that name (a link from the archive).
      std::error_code gone;
      fs::remove(part, gone);
      const int fd =
          ::open(part.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) throw InputError(part.string() + ": cannot write: " + std::strerror(errno));
      struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
      } closer{fd};
      char buf[1 << 16];
      la_ssize_t n = 0;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
        for (la_ssize_t done = 0; done < n;) {
          const ssize_t w = ::write(fd, buf + done, static_cast<size_t>(n - done));
          if (w < 0) throw InputError(part.string() + ": write error: " + std::strerror(errno));
          done += w;
        }
      }
      if (n < 0) fail(a, "cannot be read at entry '" + x.name + "'");
    }
    std::error_code ec;
    if (!fs::is_symlink(p, ec) && same_bytes(part, p)) {
      fs::remove(part, ec);
      return true;
    }
    if (fs::is_directory(fs::symlink_status(p, ec))) refuse(x.name, "is a folder on disk");
    fs::rename(part, p, ec);
    if (ec) throw InputError(p.string() + ": cannot move into place: " + ec.message());
    return false;
  }

  static bool same_bytes(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (!fs::is_regular_file(b, ec) || fs::file_size(a, ec) != fs::file_size(b, ec)) return false;
    std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
    char bx[1 << 16], by[1 << 16];
    while (x && y) {
      x.read(bx, sizeof bx);
      y.read(by, sizeof by);
      if (x.gcount() != y.gcount() ||
          !std::equal(bx, bx + x.gcount(), by))  // NOLINT: gcount <= sizeof
        return false;
    }
    return x.eof() && y.eof();
  }

 private:
  fs::path archive_, into_;
};

}  // namespace

UnpackResult unpack_archive(const fs::path& archive, const fs::path& into,
                            const std::function<void(const std::string&)>& log) {
  Unpacker u(archive, into);
  const std::vector<Entry> entries = u.list();
  if (u.all_present(entries)) {
    UnpackResult r;
    r.entries = entries.size();
    r.already = true;
    if (log)
      log("  already unpacked in " + into.string() + " (" + std::to_string(r.entries) +
          " entries present)");
    return r;
  }
  if (log) log("  unpacking " + std::to_string(entries.size()) + " entries into " + into.string());
  UnpackResult r = u.extract(entries);
  if (log) {
    log("  unpacked: " + std::to_string(r.written) + " written, " + std::to_string(r.unchanged) +
        " already there");
  }
  return r;
}

}  // namespace ys
