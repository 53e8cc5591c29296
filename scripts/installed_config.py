#!/usr/bin/env python3
"""Writes the kek.yaml that `meson install` puts in SYSCONFDIR/kek/: config/kek.yaml (the
embedded default, so both list the same plugins and pipelines) with the data folders of an
installed system instead of the source tree's var/. Usage: installed_config.py IN OUT STATEDIR"""
import re
import sys

src, out, state = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(src, encoding="utf-8").read()
header = (
    "# KEK's configuration, installed by `meson install` (or the .deb) as SYSCONFDIR/kek/kek.yaml.\n"
    "# `kek serve` reads this file when given no --config. Environment variables KEK_<KEY> override\n"
    "# single keys, with __ between levels: KEK_HTTP__PORT=9090, KEK_DATA_DIR=/srv/kek.\n"
)
# Drop the source-tree header comment (everything before the first key).
body = text[re.search(r"^\w", text, re.M).start():]
replacements = {
    "data_dir": f"{state}                # everything kek writes: the database, media, secrets (systemd's StateDirectory)",
    "database": f"{state}/kek.db         # one SQLite file (WAL mode)",
    "media_dir": f"{state}/media         # served under /media/ (live/, vod/, avatars/)",
    "webui_dir": '""                # the built web UI; empty: DATADIR/kek/webui of this installation',
    "plugin_dirs": "[]              # empty: LIBDIR/kek/plugins of this installation",
    "template_dirs": "[]            # empty: DATADIR/kek/pipelines of this installation",
}
for key, value in replacements.items():
    body, n = re.subn(rf"^{key}:.*$", f"{key}: {value}", body, count=1, flags=re.M)
    if n != 1:
        sys.exit(f"installed_config.py: {src} has no top-level '{key}:' line")
open(out, "w", encoding="utf-8").write(header + "\n" + body)
