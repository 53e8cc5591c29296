#!/usr/bin/env bash
# Builds kek_VERSION_ARCH.deb with dpkg-deb: a release build installed with prefix /usr into a
# staging folder, the built web UI, and the maintainer scripts that make the `kek` user and
# enable the service. The Dockerfile's build stage runs this same script.
#   bash scripts/package-deb.sh [OUT_DIR]        (default: dist/)
# Needs what scripts/dev.sh build installs, plus dpkg-deb and fakeroot.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
BUILD=${KEK_DEB_BUILD_DIR:-build-deb}
VERSION=$(sed -n "s/^  version : '\(.*\)',/\1/p" meson.build)
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d /tmp/kek-deb-XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

command -v dpkg-deb >/dev/null || { echo "package-deb: dpkg-deb is missing (apt-get install dpkg-dev)" >&2; exit 1; }
# The web UI first: meson install copies webui/dist.
if [ ! -f webui/dist/index.html ]; then
  (cd webui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
fi
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --prefix=/usr --buildtype=release -Dplugin-example=disabled >/dev/null
ninja -C "$BUILD" >/dev/null
DESTDIR="$STAGE/root" meson install -C "$BUILD" --no-rebuild --quiet
PKG=$STAGE/root
# Debian keeps units in /lib/systemd/system on bookworm; /usr/lib/systemd/system works as well.
mkdir -p "$PKG/DEBIAN"
# What the binary and the plugins link, and what their pipelines need at run time.
cat >"$PKG/DEBIAN/control" <<CONTROL
Package: kek
Version: $VERSION
Architecture: $ARCH
Maintainer: KEK developers <kek@localhost>
Section: video
Priority: optional
Depends: libc6, libstdc++6, libglib2.0-0, libgstreamer1.0-0 (>= 1.22), libgstreamer-plugins-base1.0-0,
 libgstreamer-plugins-bad1.0-0, libsoup-3.0-0, libjson-glib-1.0-0, libsqlite3-0, libyaml-cpp0.7,
 libsodium23, libsrt1.5-gnutls, libgstrtspserver-1.0-0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-bad,
 gstreamer1.0-plugins-ugly, gstreamer1.0-libav, gstreamer1.0-x, libswscale6, adduser
Recommends: graphviz, nginx
Description: self-hosted video platform and home cinema
 KEK ingests RTMP from OBS and ffmpeg, packages HLS and DASH with an adaptive ladder, records,
 keeps accounts and private media, and serves a web UI, in one process built on GStreamer.
CONTROL
echo "/etc/kek/kek.yaml" >"$PKG/DEBIAN/conffiles"
cat >"$PKG/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd kek >/dev/null; then
    adduser --system --group --home /var/lib/kek --no-create-home --quiet kek
  fi
  install -d -o kek -g kek -m 0750 /var/lib/kek
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
    systemctl enable kek.service >/dev/null || true
    systemctl restart kek.service || true
  fi
fi
POSTINST
cat >"$PKG/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl stop kek.service >/dev/null || true
  systemctl disable kek.service >/dev/null || true
fi
PRERM
chmod 0755 "$PKG/DEBIAN/postinst" "$PKG/DEBIAN/prerm"
DEB=$OUT/kek_${VERSION}_${ARCH}.deb
fakeroot dpkg-deb --build --root-owner-group "$PKG" "$DEB" >/dev/null 2>&1 || dpkg-deb --build --root-owner-group "$PKG" "$DEB" >/dev/null
echo "$DEB"
