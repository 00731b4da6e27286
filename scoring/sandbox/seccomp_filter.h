// The sandbox's system-call filter, as a classic BPF program for seccomp(2).
#pragma once

#include <linux/filter.h>

#include <vector>

namespace ys::sandbox {

// Denies (with EPERM/EAFNOSUPPORT, never killing) what sandboxed code has no business
// doing: sockets other than AF_UNIX, ptrace, mounting, namespaces, kernel modules, BPF,
// keyrings, perf, reboot, cross-process memory access, and any foreign system-call ABI.
// Everything else is allowed.
std::vector<sock_filter> build_seccomp_filter();

// Installs `filter` on the calling thread (after PR_SET_NO_NEW_PRIVS). Async-signal-safe:
// callable between fork and exec. Returns 0 or an errno value.
int install_seccomp_filter(const std::vector<sock_filter>& filter);

}  // namespace ys::sandbox
