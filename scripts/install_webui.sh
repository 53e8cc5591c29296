#!/bin/sh
# meson install step: copies the built web UI (webui/dist, made by `npm run build`, which
# scripts/dev.sh and scripts/package-deb.sh run) to DATADIR/kek/webui under $DESTDIR.
set -eu
src="$MESON_SOURCE_ROOT/webui/dist"
dest="${DESTDIR:-}$1"
if [ ! -f "$src/index.html" ]; then
  echo "install_webui: $src is not built (npm --prefix webui ci && npm --prefix webui run build); kek will serve a page saying so" >&2
  exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$src/." "$dest/"
echo "Installing web UI to $dest"
