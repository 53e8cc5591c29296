#!/usr/bin/env bash
# An installed kek runs with nothing from its source tree: `meson install --destdir` into a
# temporary folder, then, in a mount namespace where the source and build folders are empty
# (tmpfs mounted over them), the installed kek serves its installed web UI and the demo stream
# plays; the example plugin, copied out of the tree and built against the installed SDK with
# `pkg-config --cflags --libs kek-sdk`, loads into it. Exit 77 (skipped) says why when the
# machine cannot run it.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)

skip() { echo "SKIP: $*"; exit 77; }
command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
unshare -rm true 2>/dev/null || skip "no user+mount namespaces here (unshare -rm): cannot hide the source tree"
[ -f "$SRC/webui/dist/index.html" ] || skip "the web UI is not built (bash scripts/dev.sh build does it)"

WORK=$(mktemp -d /tmp/kek-install-XXXXXX)
KEK_PID=
cleanup() {
  [ -n "$KEK_PID" ] && kill "$KEK_PID" 2>/dev/null && wait "$KEK_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
DEST=$WORK/root

meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet >"$WORK/install.log" 2>&1 || {
  cat "$WORK/install.log"; echo "FAIL: meson install"; exit 1; }
PREFIX=$(meson introspect "$BUILD" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
SYSCONF=$(meson introspect "$BUILD" --buildoptions | python3 -c '
import json,sys
o={x["name"]:x["value"] for x in json.load(sys.stdin)}
s=o["sysconfdir"]; print(s if s.startswith("/") else o["prefix"]+"/"+s)')
ROOT=$DEST$PREFIX
fail() { echo "FAIL: $*"; [ -f "$WORK/kek.log" ] && tail -50 "$WORK/kek.log"; exit 1; }

# What went where.
[ -x "$ROOT/bin/kek" ] || fail "no $PREFIX/bin/kek"
PLUGINS=$(dirname "$(find "$ROOT" -path '*/kek/plugins/libkekrtmp.so' | head -1)")
[ -n "$PLUGINS" ] && [ -f "$PLUGINS/libkekhls.so" ] || fail "plugins not in LIBDIR/kek/plugins"
[ -f "$ROOT/share/kek/pipelines/live.yaml" ] || fail "templates not in DATADIR/kek/pipelines"
[ -f "$ROOT/share/kek/webui/index.html" ] || fail "web UI not in DATADIR/kek/webui"
[ -f "$DEST$SYSCONF/kek/kek.yaml" ] || fail "no $SYSCONF/kek/kek.yaml"
[ -f "$ROOT/lib/systemd/system/kek.service" ] || fail "no systemd unit"
[ -f "$ROOT/include/kek/plugin.h" ] || fail "SDK headers not installed"
PC=$(find "$ROOT" -name kek-sdk.pc | head -1)
[ -n "$PC" ] || fail "no kek-sdk.pc"
grep -q "^data_dir: /var/lib/kek" "$DEST$SYSCONF/kek/kek.yaml" || fail "the installed config does not keep its data in /var/lib/kek"

# The example plugin, out of the tree, against the installed SDK only.
mkdir -p "$WORK/oot/plugins"
cp "$SRC/plugins/example/example_plugin.cpp" "$WORK/oot/"
# The .pc as it would read installed at $ROOT (a sysroot would move the system's -I paths too).
mkdir -p "$WORK/pkgconfig"
sed "s#^prefix=.*#prefix=$ROOT#" "$PC" >"$WORK/pkgconfig/kek-sdk.pc"
export PKG_CONFIG_PATH=$WORK/pkgconfig
CFLAGS=$(pkg-config --cflags kek-sdk) || fail "pkg-config --cflags kek-sdk"
LIBS=$(pkg-config --libs kek-sdk)
case "$CFLAGS" in *"$SRC"*) fail "kek-sdk.pc points into the source tree: $CFLAGS";; esac
# shellcheck disable=SC2086
g++ -shared -fPIC -O1 $CFLAGS -DKEK_VERSION='"1.0-oot"' -o "$WORK/oot/plugins/libkekexample.so" \
  "$WORK/oot/example_plugin.cpp" $LIBS 2>"$WORK/oot/build.log" || { cat "$WORK/oot/build.log"; fail "out-of-tree build"; }

# The installed config, with this test's folders and free ports, plus the out-of-tree plugin.
CONF=$WORK/kek.yaml
python3 - "$DEST$SYSCONF/kek/kek.yaml" "$CONF" "$WORK" <<'PY'
import re, sys
src, out, work = sys.argv[1:]
t = open(src).read()
t = t.replace("/var/lib/kek", work + "/state")
t = re.sub(r"port: (8080|1935|8890|8554)", "port: 0", t)
t = re.sub(r"^plugin_dirs: \[\]", "plugin_dirs: []", t, flags=re.M)
t += "\n"
open(out, "w").write(t)
PY
# Where the plugin lives: the installed folder and the out-of-tree one.
sed -i "s#^plugin_dirs: \[\]#plugin_dirs: [$PLUGINS, $WORK/oot/plugins]#" "$CONF"
sed -i "s#^plugins:#plugins:\n  - name: example#" "$CONF"

# Run it with the source and build trees hidden. GST_PLUGIN_PATH* from the test environment
# would point into the build tree: an installed kek must not need them.
cat >"$WORK/run.sh" <<RUN
mount -t tmpfs none "$BUILD"
mount -t tmpfs none "$SRC"
exec env -u GST_PLUGIN_PATH_1_0 -u GST_PLUGIN_PATH -u KEK_SOURCE_DIR -u KEK_BUILD_DIR \
  GST_REGISTRY_1_0="$WORK/registry.bin" KEK_ADMIN_PASSWORD=installed-secret-phrase \
  "$ROOT/bin/kek" serve --config "$CONF"
RUN
unshare -rm bash "$WORK/run.sh" >"$WORK/kek.log" 2>&1 &
KEK_PID=$!
for _ in $(seq 1 300); do
  grep -q "^KEK_READY" "$WORK/kek.log" && break
  kill -0 "$KEK_PID" 2>/dev/null || fail "kek exited"
  sleep 0.1
done
URL=$(grep -o "KEK_READY http=[^ ]*" "$WORK/kek.log" | cut -d= -f2)
[ -n "$URL" ] || fail "kek did not get ready"
grep -q "refused" "$WORK/kek.log" && fail "a plugin was refused"
curl -sf "${URL}api/health" >"$WORK/health.json" || fail "/api/health"
python3 - "$WORK/health.json" <<'PY' || fail "health does not list the plugins"
import json, sys
h = json.load(open(sys.argv[1]))
names = {p["name"] for p in h["plugins"]}
assert {"auth", "rtmp", "example"} <= names, names
assert not h["refused_plugins"], h["refused_plugins"]
PY
curl -sf "${URL}api/example/hello" | grep -q '"greeting"' || fail "the out-of-tree plugin does not answer"
curl -sf "$URL" | grep -qi "<div id=\"app\"" || fail "the installed web UI is not served"
for _ in $(seq 1 150); do
  curl -sf "${URL}media/live/demo/index.m3u8" 2>/dev/null | grep -q "#EXTINF" && break
  sleep 0.2
done
ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "${URL}media/live/demo/index.m3u8" >"$WORK/probe.txt" 2>&1 ||
  { cat "$WORK/probe.txt"; fail "the demo does not play"; }
grep -q h264 "$WORK/probe.txt" || fail "the demo has no H.264: $(cat "$WORK/probe.txt")"
grep -q "$SRC" "$WORK/kek.log" && fail "the installed kek mentions the source tree: $(grep "$SRC" "$WORK/kek.log" | head -3)"
kill "$KEK_PID"; wait "$KEK_PID" 2>/dev/null || true; KEK_PID=
echo "ok: installed under $PREFIX (destdir), served without the source tree, demo plays, out-of-tree plugin loads"
