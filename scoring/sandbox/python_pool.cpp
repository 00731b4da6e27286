#include "scoring/sandbox/python_pool.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ys::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// The zygote. Protocol on its stdin/stdout: a request is a JSON header line followed by
// the bytes of each file and of stdin; a reply is a JSON header line with the end facts
// followed by the bytes of stdout, stderr and the result channel. The zygote runs no
// program code itself: each program runs in a forked child that sets its own limits. At
// the end the zygote kills the program's session and, when it is alone in a PID namespace
// under its own uid, every other process of that uid with kill(-1); then it empties its
// working directory and, when they are its own (a tmpfs in its mount namespace), the
// temporary directories, so that the next program finds nothing the last one left. When
// something cannot be removed, the reply says "retire" and the pool starts a fresh zygote.
constexpr const char* kZygote =
    R"PY(import os, sys, io, json, time, select, signal, shutil, resource, stat, traceback, types
try:
    import ctypes
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: programs cannot read this process
except Exception:
    pass
signal.signal(signal.SIGINT, signal.SIG_IGN)
for _m in ('collections', 'itertools', 'functools', 'math', 're', 'string', 'heapq', 'bisect',
           'typing', 'random', 'copy', 'hashlib', 'fractions', 'decimal', 'statistics',
           'operator', 'datetime', 'json', 'tempfile'):
    try:
        __import__(_m)
    except Exception:
        pass
import gc
gc.freeze()  # the collector never touches the zygote's objects: fewer copy-on-write faults
CTL_IN, CTL_OUT = os.dup(0), os.dup(1)
_null = os.open(os.devnull, os.O_RDWR)
os.dup2(_null, 0); os.dup2(_null, 1); os.close(_null)
ctl = io.BufferedReader(io.FileIO(CTL_IN, 'rb'))
HOME = os.getcwd()
# kill(-1) reaches every process this uid may signal: only safe inside the sandbox's own
# PID namespace, under a uid of its own, never as root.
KILL_ALL = os.environ.pop('YS_ZYGOTE_KILL_ALL', '') == '1' and os.getuid() != 0
# Temporary directories private to this zygote (fresh tmpfs mounts in its own mount
# namespace): emptied after each program. Never set for directories shared with the host.
SCRUB = [d for d in os.environ.pop('YS_ZYGOTE_SCRUB', '').split(':') if d]
BASE_ENV = dict(os.environ)

def child(req, rundir, in_r, out_w, err_w, ch_w):
    status = 1
    try:
        os.setsid()
        os.dup2(in_r, 0); os.dup2(out_w, 1); os.dup2(err_w, 2); os.dup2(ch_w, 3)
        os.closerange(4, 1 << 20)
        os.chdir(rundir)
        cpu = int(req['cpu'] + 0.999)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        if req['as']:
            resource.setrlimit(resource.RLIMIT_AS, (req['as'], req['as']))
        resource.setrlimit(resource.RLIMIT_FSIZE, (req['fsize'], req['fsize']))
        resource.setrlimit(resource.RLIMIT_NOFILE, (req['nofile'], req['nofile']))
        resource.setrlimit(resource.RLIMIT_NPROC, (req['nproc'], req['nproc']))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.clear()
        os.environ.update(BASE_ENV)
        os.environ.update(HOME=rundir, TMPDIR=rundir)
        for kv in req['env']:
            k, _, v = kv.partition('=')
            os.environ[k] = v
        import tempfile
        tempfile.tempdir = None
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, 'rb', closefd=False)), encoding='utf-8')
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, 'wb', closefd=False)), encoding='utf-8')
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, 'wb', closefd=False)), encoding='utf-8',
                                      errors='backslashreplace', line_buffering=True)
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
        script = req['script']
        sys.argv = [script]
        main = types.ModuleType('__main__')
        main.__file__ = script
        sys.modules['__main__'] = main
        with open(script, encoding='utf-8') as f:
            code = compile(f.read(), script, 'exec')
        try:
            exec(code, main.__dict__)
            status = 0
        except SystemExit as e:
            if e.code is None:
                status = 0
            elif isinstance(e.code, int):
                status = e.code & 0xff
            else:
                print(e.code, file=sys.stderr)
                status = 1
        except BaseException:
            traceback.print_exc()
            status = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    finally:
        os._exit(status)

def drain(fd, buf, cap):
    """Reads what is there; returns (open, overflowed)."""
    over = False
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True, over
        except OSError:
            return False, over
        if not data:
            return False, over
        room = cap - len(buf)
        buf += data[:max(room, 0)]
        if len(data) > room:
            return True, True

def wipe(path):
    """Removes `path` and everything below it, whatever modes the program gave them."""
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode):
        if stat.S_IMODE(st.st_mode) & 0o700 != 0o700:
            os.chmod(path, 0o700)
        for name in os.listdir(path):
            wipe(os.path.join(path, name))
        os.rmdir(path)
    else:
        os.unlink(path)

def scrub():
    """Empties HOME and the private temporary directories, keeping the way to HOME.
    Returns False when something is left."""
    clean = True
    for top in [HOME] + SCRUB:
        try:
            names = os.listdir(top)
        except FileNotFoundError:
            continue
        except Exception:
            clean = False
            continue
        for name in names:
            path = os.path.join(top, name)
            try:
                # The directories above HOME and the sandbox's other entries are root's,
                # and the program cannot write in them.
                if HOME.startswith(path + '/') or os.lstat(path).st_uid != os.getuid():
                    continue
                wipe(path)
            except Exception:  # OSError, RecursionError on a very deep tree
                clean = False
    return clean

def serve(req, blobs, stdin_data, counter):
    rundir = os.path.join(HOME, 'r%d' % counter)
    os.mkdir(rundir, 0o700)
    for (name, _), data in zip(req['files'], blobs):
        with open(os.path.join(rundir, name), 'wb') as f:
            f.write(data)
    in_r, in_w = os.pipe(); out_r, out_w = os.pipe(); err_r, err_w = os.pipe(); ch_r, ch_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child(req, rundir, in_r, out_w, err_w, ch_w)
    for fd in (in_r, out_w, err_w, ch_w):
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    bufs = {out_r: bytearray(), err_r: bytearray(), ch_r: bytearray()}
    caps = {out_r: req['output'], err_r: req['output'], ch_r: 4096}
    for fd in (in_w, out_r, err_r, ch_r):
        os.set_blocking(fd, False)
    open_r = {out_r, err_r, ch_r}
    sent = 0
    if not stdin_data:
        os.close(in_w); in_w = -1
    overflow = timed_out = exited = False
    deadline = start + req['wall']
    while not exited:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        r, w, _ = select.select([pidfd] + list(open_r), [in_w] if in_w >= 0 else [], [], left)
        if w:
            try:
                sent += os.write(in_w, stdin_data[sent:sent + 65536])
            except BlockingIOError:
                pass
            except OSError:
                sent = len(stdin_data)
            if sent >= len(stdin_data):
                os.close(in_w); in_w = -1
        for fd in r:
            if fd == pidfd:
                exited = True
                continue
            still_open, over = drain(fd, bufs[fd], caps[fd])
            if over and fd != ch_r:
                overflow = True
            if not still_open:
                open_r.discard(fd)
        if overflow:
            break
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    if KILL_ALL:  # alone in a PID namespace under a uid of its own: end every descendant
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    _, status, usage = os.wait4(pid, 0)
    while True:  # reap everything else the program started
        try:
            os.wait()
        except ChildProcessError:
            break
    for fd in list(open_r):
        _, over = drain(fd, bufs[fd], caps[fd])
        if over and fd != ch_r:
            overflow = True
    for fd in (in_w, out_r, err_r, ch_r, pidfd):
        if fd >= 0:
            os.close(fd)
    wall = time.monotonic() - start
    clean = scrub()  # also removes rundir
    header = {'status': status, 'timed_out': timed_out, 'overflow': overflow,
              'cpu': usage.ru_utime + usage.ru_stime, 'rss': usage.ru_maxrss,
              'wall': wall, 'retire': not clean,
              'lens': [len(bufs[out_r]), len(bufs[err_r]), len(bufs[ch_r])]}
    reply = (json.dumps(header) + '\n').encode() + bytes(bufs[out_r]) + bytes(bufs[err_r]) + bytes(bufs[ch_r])
    view = memoryview(reply)
    while view:
        view = view[os.write(CTL_OUT, view):]

counter = 0
while True:
    line = ctl.readline()
    if not line:
        os._exit(0)
    req = json.loads(line)
    blobs = [ctl.read(n) for _, n in req['files']]
    stdin_data = ctl.read(req['stdin'])
    counter += 1
    serve(req, blobs, stdin_data, counter)
)PY";

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads from `fd` into `buffer` until it holds a full line plus `extra(header)` bytes, or
// the deadline passes. Returns false on end of file, error or timeout.
bool read_until(int fd, std::string& buffer, size_t want, Clock::time_point deadline) {
  char chunk[65536];
  while (buffer.size() < want) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

struct PythonPool::Zygote {
  Sandbox::Process process;
  uint64_t tmp_size = 0;  // the size of its private temporary directories
};

PythonPool::PythonPool(Sandbox& sandbox, std::string python)
    : sandbox_(sandbox), python_(std::move(python)) {
  std::signal(SIGPIPE, SIG_IGN);  // a dead zygote must not kill yardstick on write
}

PythonPool::~PythonPool() {
  for (auto& [slot, z] : zygotes_) sandbox_.stop(z->process);
}

PythonPool::Zygote& PythonPool::zygote(int slot, const Limits& limits) {
  std::lock_guard lock(mutex_);
  auto& z = zygotes_[slot];
  // Private temporary directories as large as the slow path would give this program.
  const uint64_t tmp_size = limits.tmp_size ? limits.tmp_size : limits.file_size;
  if (z && z->tmp_size != tmp_size) {
    sandbox_.stop(z->process);
    z.reset();
  }
  if (!z) {
    Program p;
    p.argv = {python_, "-I", "-S", "-c", kZygote};
    const Protections& prot = sandbox_.protections();
    if (prot.pid_namespace && prot.unprivileged_uid) p.env.push_back("YS_ZYGOTE_KILL_ALL=1");
    if (prot.private_tmp) {  // the zygote's own tmpfs mounts, never the host's directories
      std::string dirs;
      for (const auto& d : prot.tmp_dirs) dirs += (dirs.empty() ? "" : ":") + d;
      p.env.push_back("YS_ZYGOTE_SCRUB=" + dirs);
    }
    p.limits.cpu_s = 1e6;  // the zygote's own time; each child sets its program's limit
    p.limits.address_space = 0;
    p.limits.processes = limits.processes;
    p.limits.file_size = uint64_t{1} << 32;
    p.limits.open_files = 256;
    p.limits.tmp_size = tmp_size;
    auto fresh = std::make_unique<Zygote>();
    fresh->process = sandbox_.start(p, slot);
    fresh->tmp_size = tmp_size;
    z = std::move(fresh);
  }
  return *z;
}

void PythonPool::drop(int slot) {
  std::lock_guard lock(mutex_);
  auto it = zygotes_.find(slot);
  if (it == zygotes_.end()) return;
  sandbox_.stop(it->second->process);
  zygotes_.erase(it);
}

RunResult PythonPool::run_in_zygote(const Program& program, int slot) {
  RunResult result;
  const Limits& l = program.limits;
  nlohmann::json header = {{"script", program.argv.back()},
                           {"stdin", program.stdin_data.size()},
                           {"wall", l.wall_s},
                           {"cpu", l.cpu_s},
                           {"as", l.address_space},
                           {"fsize", l.file_size},
                           {"nofile", l.open_files},
                           {"nproc", l.processes},
                           {"output", l.output},
                           {"env", program.env}};
  std::string request;
  for (const auto& [name, content] : program.files) {
    header["files"].push_back({name, content.size()});
    request += content;
  }
  request = header.dump() + "\n" + request + program.stdin_data;

  for (int attempt = 0; attempt < 2; ++attempt) {
    Zygote* z;
    try {
      z = &zygote(slot, l);
    } catch (const std::exception& e) {
      result.ending = Ending::kSandboxError;
      result.error = e.what();
      return result;
    }
    if (!write_all(z->process.stdin_fd, request)) {  // the zygote died: start another
      drop(slot);
      continue;
    }
    // The zygote enforces the wall clock; this deadline only catches a broken zygote.
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(l.wall_s + 10));
    std::string buffer;
    size_t nl = std::string::npos;
    while ((nl = buffer.find('\n')) == std::string::npos) {
      if (!read_until(z->process.stdout_fd, buffer, buffer.size() + 1, deadline)) break;
    }
    nlohmann::json reply = nl == std::string::npos
                               ? nlohmann::json()
                               : nlohmann::json::parse(buffer.substr(0, nl), nullptr, false);
    if (!reply.is_object()) {
      drop(slot);
      result.ending = Ending::kSandboxError;
      result.error = "the Python zygote stopped answering";
      return result;
    }
    auto lens = reply["lens"].get<std::vector<size_t>>();
    const size_t body = nl + 1 + lens[0] + lens[1] + lens[2];
    if (!read_until(z->process.stdout_fd, buffer, body, deadline)) {
      drop(slot);
      result.ending = Ending::kSandboxError;
      result.error = "the Python zygote's reply was cut short";
      return result;
    }
    size_t at = nl + 1;
    result.out = buffer.substr(at, lens[0]);
    result.err = buffer.substr(at += lens[0], lens[1]);
    result.channel = buffer.substr(at + lens[1], lens[2]);
    result.wall_s = reply.value("wall", 0.0);
    result.cpu_s = reply.value("cpu", 0.0);
    result.max_rss_kb = reply.value("rss", int64_t{0});
    EndFacts facts;
    facts.output_overflow = reply.value("overflow", false);
    facts.timed_out = reply.value("timed_out", false);
    facts.reported = true;
    facts.wait_status = reply.value("status", 0);
    classify_ending(result, facts, l);
    // The zygote could not empty its directories: the next program gets a fresh one.
    if (reply.value("retire", false)) drop(slot);
    return result;
  }
  result.ending = Ending::kSandboxError;
  result.error = "the Python zygote could not be started";
  return result;
}

RunResult PythonPool::run(const Program& program, int slot) {
  RunResult r = run_in_zygote(program, slot);
  if (r.ending != Ending::kSandboxError) return r;
  // The zygote failed (not the program): run it the slow way, for a true verdict.
  ++fallbacks_;
  return sandbox_.run(program, slot);
}

}  // namespace ys::sandbox
