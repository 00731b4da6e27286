#!/usr/bin/env bash
# Installs every build and test dependency of yardstick from Debian 12 packages.
# Idempotent: safe to run again. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcurl4-openssl-dev      # remote runners (HTTP/2 via nghttp2); `data pull`
  libssl-dev                # SHA-256 of dataset files (OpenSSL libcrypto)
  nlohmann-json3-dev        # JSON
  libyaml-cpp-dev           # task specs
  libcli11-dev              # command line
  libsqlite3-dev            # the store
  libboost-dev              # Boost headers (Process)
  libboost-filesystem-dev
  libboost-regex-dev        # answer extraction (Perl-compatible, no recursion limits)
  python3 nodejs g++        # sandbox: the languages generated code is judged in
  libcpp-httplib-dev        # in-process test servers only
  libgtest-dev libgmock-dev # unit and integration tests
  libbenchmark-dev          # tests/bench
  zlib1g-dev                # gzip datasets
  libzip-dev                # datasets read from (password-protected) zip archives, e.g. GPQA
  libarchive-dev            # `data pull` unpacks tar archives, e.g. MATH.tar
  libxxhash-dev             # cache keys
  libjs-chart.js            # charts in the HTML report (embedded at build time)
  chromium                  # browser tests of the HTML report (headless)
  sqlite3 time              # bench/make_report_store.sh, /usr/bin/time -v
  clang-format
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
