#!/usr/bin/env bash
# Installs a .deb from scripts/package-deb.sh into a fresh Debian bookworm root made with
# debootstrap (as root, with Debian's archive reachable; takes some minutes), starts the
# installed kek there as the `kek` user the package created, and checks that it serves its
# health, the demo playlist and the web UI.
#   bash scripts/check-deb.sh dist/kek_0.1.0_amd64.deb
set -euo pipefail
DEB=$(realpath "$1")
ROOT=$(mktemp -d /tmp/kek-deb-root-XXXXXX)
chmod 0755 "$ROOT"  # the root of a system: the kek user must be able to enter it
PORT=${KEK_CHECK_PORT:-18437}
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
cleanup() {
  [ -n "${KEK_PID:-}" ] && kill "$KEK_PID" 2>/dev/null || true
  umount "$ROOT/proc" 2>/dev/null || true
  [ -z "${KEEP:-}" ] && rm -rf "$ROOT"
}
trap cleanup EXIT
echo "==> debootstrap bookworm into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian >"$ROOT.debootstrap.log" 2>&1
cp "$DEB" "$ROOT/tmp/kek.deb"
mount -t proc proc "$ROOT/proc"
echo "==> apt install ./kek.deb (and curl for the checks)"
chroot "$ROOT" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/kek.deb curl' >"$ROOT.apt.log" 2>&1
chroot "$ROOT" id kek
# Free ports for this check (the conffile is the operator's to edit).
sed -i "s/port: 8080/port: $PORT/; s/port: 1935/port: 0/; s/port: 8890/port: 0/; s/port: 8554/port: 0/" "$ROOT/etc/kek/kek.yaml"
echo "==> kek serve as kek, in the new root"
chroot --userspec=kek:kek "$ROOT" /bin/sh -c 'cd /var/lib/kek && KEK_ADMIN_PASSWORD=check-deb-password exec /usr/bin/kek serve' >"$ROOT.kek.log" 2>&1 &
KEK_PID=$!
for _ in $(seq 1 150); do grep -q "^KEK_READY" "$ROOT.kek.log" && break; sleep 0.2; done
grep "^KEK_READY" "$ROOT.kek.log" || { cat "$ROOT.kek.log"; echo "FAIL: kek did not start"; exit 1; }
chroot "$ROOT" curl -fsS "http://127.0.0.1:$PORT/api/health" | grep -q '"status":"ok"' || { echo "FAIL: health"; exit 1; }
for _ in $(seq 1 100); do chroot "$ROOT" curl -fsS "http://127.0.0.1:$PORT/media/live/demo/index.m3u8" 2>/dev/null | grep -q "#EXTINF" && break; sleep 0.2; done
chroot "$ROOT" curl -fsS "http://127.0.0.1:$PORT/media/live/demo/index.m3u8" | grep -q "#EXTINF" || { echo "FAIL: demo"; exit 1; }
chroot "$ROOT" curl -fsS "http://127.0.0.1:$PORT/" | grep -q 'id="app"' || { echo "FAIL: web UI"; exit 1; }
[ "$(chroot "$ROOT" stat -c %U /var/lib/kek/kek.db)" = kek ] || { echo "FAIL: the database is not the kek user's"; exit 1; }
grep -q "refused" "$ROOT.kek.log" && { grep refused "$ROOT.kek.log"; echo "FAIL: a plugin was refused"; exit 1; }
echo "ok: $(basename "$DEB") installs on a fresh bookworm root and kek serves there as user kek"
