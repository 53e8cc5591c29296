#!/usr/bin/env bash
# One entry point for a fresh Debian bookworm machine (as root, or a user with sudo):
#   bash scripts/dev.sh serve   install what is missing, build, run `kek serve`
#   bash scripts/dev.sh test    install what is missing, build, run every test
#   bash scripts/dev.sh build   install what is missing and build
#   bash scripts/dev.sh fuzz    install clang and libFuzzer, run scripts/fuzz.sh [seconds]
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${KEK_BUILD_DIR_NAME:-build}
mode=${1:-serve}
shift || true

# Everything the build, the server and the tests need, from Debian's archive.
APT_PACKAGES=(
  build-essential meson ninja-build pkg-config git ca-certificates python3 curl
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x libgstrtspserver-1.0-dev gstreamer1.0-nice
  libsoup-3.0-dev libjson-glib-dev libsqlite3-dev libyaml-cpp-dev libsodium-dev
  libgtest-dev libgmock-dev graphviz ffmpeg libsrt-gnutls-dev libswscale-dev
  nodejs
)
# Only the tests need these: a real browser for the web UI end-to-end tests; nginx, openssl
# and promtool (prometheus) for the deployment tests; systemd-analyze for the unit; dpkg-deb
# and fakeroot for the .deb; python3-yaml to parse compose.yaml; python3-icalendar to read the
# poster's calendar feeds as calendar apps do; obs-studio and xvfb for the real OBS test.
APT_TEST_PACKAGES=(chromium nginx openssl prometheus systemd dpkg-dev fakeroot python3-yaml util-linux python3-icalendar obs-studio xvfb)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build_webui() {
  [ -f webui/package.json ] || return 0
  # npm ci only when the lock file changed since the last install.
  local stamp=webui/node_modules/.kek-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s webui/package-lock.json "$stamp"; then
    echo "==> installing web UI packages (npm ci)"
    (cd webui && npm ci --no-audit --no-fund --loglevel=error)
    cp webui/package-lock.json "$stamp"
  fi
  # Rebuild only when a source file is newer than the last build.
  if [ ! -f webui/dist/index.html ] || [ -n "$(find webui/src webui/index.html webui/vite.config.ts webui/package.json -newer webui/dist/index.html 2>/dev/null | head -1)" ]; then
    echo "==> building the web UI"
    (cd webui && npm run --silent build)
  fi
}

build_native() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=debugoptimized
  fi
  ninja -C "$BUILD" -j "$(nproc)"
}

install_apt "${APT_PACKAGES[@]}"
# Debian's nodejs comes without npm; other nodejs builds bring their own (and conflict with it).
command -v npm >/dev/null || install_apt npm
[ "$mode" = test ] && install_apt "${APT_TEST_PACKAGES[@]}"
# scripts/fuzz.sh: clang and its libFuzzer runtime, then the libFuzzer runs (no g++ build needed).
if [ "$mode" = fuzz ]; then
  install_apt clang libclang-rt-14-dev
  exec bash scripts/fuzz.sh "$@"
fi
build_native
build_webui

case "$mode" in
  serve)
    exec "$BUILD/core/kek" serve "$@"
    ;;
  build)
    ;;
  test)
    status=0
    meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || status=$?
    if [ -f webui/package.json ]; then
      (cd webui && npm run --silent test) || status=$?
    fi
    # One closing line CI can read, counted from meson's own log.
    python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"meson: {passed} passed, {failed} failed, {skipped} skipped")
PY
    exit $status
    ;;
  *)
    echo "usage: bash scripts/dev.sh serve|test|build|fuzz [args]" >&2
    exit 2
    ;;
esac
