#!/usr/bin/env python3
"""How late KEK writes each LL-HLS part, per path and track, from a bench/latency.sh run's logs.

kekdashsink logs (GST_DEBUG=kekdashsink:5) when every part is on disk, on the wall clock, with
the running time of its first sample; the live layouts' running time is the publisher's FLV
timestamp (0 at its first frame), and bench/latency/publisher.py logs the stamp of its frame 0
(start_ms). So a part's lateness = written (wall) - (start_ms + first sample's running time):
the encoder, the transport (RTMP or SRT), KEK's remux and the part's own length (a part is
written once its last sample is in: ~part_s). What the player adds on top is the playlist and
its buffer. RTMP and SRT into the same layout differ only in what comes before KEK's sink.

  parts.py TMP_DIR          # the run's temp dir (KEEP_TMP=1): kek/kek.log, pub-PATH-GOP.log
Prints one markdown table (path, track, parts, median / p95 lateness, a/v: audio - video of the
same part) to stdout.
"""
import glob
import os
import re
import statistics
import sys

PART = re.compile(r"<(?P<el>[^>]+)> (?P<track>\S+): part (?P<seg>\d+)\.(?P<idx>\d+) dts (?P<dts>-?\d+) ns "
                  r"\(origin -?\d+\) written at (?P<wall>\d+) us wall")
# The srt plugin's remuxer (GST_DEBUG=keksrtremux:6): when each FLV tag leaves it, by its timestamp.
REMUX = re.compile(r"(?P<track>video|audio) tag at (?P<ms>\d+) ms out at (?P<wall>\d+) us wall")
START = re.compile(r"publisher: start_ms=(?P<ms>[\d.]+)")


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main():
    tmp = sys.argv[1]
    starts = []  # (start_ms, path-gop)
    for log in glob.glob(os.path.join(tmp, "pub-*.log")):
        with open(log, errors="replace") as f:
            for line in f:
                m = START.search(line)
                if m:
                    starts.append((float(m["ms"]), os.path.basename(log)[4:-4]))
                    break
    starts.sort()
    parts = {}  # (path, track) -> [(seg, idx, lateness ms)]
    remux = {}  # (path, track) -> [(wall ms, lateness ms)]: SRT's remuxer output
    with open(os.path.join(tmp, "kek", "kek.log"), errors="replace") as f:
        for line in f:
            m = PART.search(line)
            if not m:
                r = REMUX.search(line)
                if r:
                    wall_ms = int(r["wall"]) / 1000
                    owner = [s for s in starts if s[0] <= wall_ms]
                    if owner:
                        start_ms, path = owner[-1]
                        remux.setdefault((path, r["track"]), []).append((wall_ms, wall_ms - (start_ms + int(r["ms"]))))
                continue
            wall_ms = int(m["wall"]) / 1000
            owner = [s for s in starts if s[0] <= wall_ms]
            if not owner:
                continue
            start_ms, path = owner[-1]
            late = wall_ms - (start_ms + int(m["dts"]) / 1e6)
            parts.setdefault((path, m["track"]), []).append((int(m["seg"]), int(m["idx"]), late))
    print("| path | track | parts | median late ms | p95 late ms | audio - video, median ms |")
    print("|---|---|---:|---:|---:|---:|")
    for (path, track), rows in sorted(parts.items()):
        # The first segments (the pipeline starting) are not the steady state the players see.
        steady = [r for r in rows if r[0] > rows[0][0] + 2] or rows
        lates = [r[2] for r in steady]
        av = ""
        if track == "audio":
            video = {}
            for (p, t), vrows in parts.items():
                if p == path and t != "audio":
                    video = {(s, i): late for s, i, late in vrows}
            diffs = [late - video[(s, i)] for s, i, late in steady if (s, i) in video]
            av = f"{statistics.median(diffs):.0f}" if diffs else ""
        print(f"| {path} | {track} | {len(steady)} | {statistics.median(lates):.0f} | {pct(lates, 0.95):.0f} | {av} |")

    for (path, track), rows in sorted(remux.items()):
        steady = [late for wall, late in rows if wall > rows[0][0] + 4000] or [late for _, late in rows]
        print(f"| {path} | {track} frames out of the SRT remuxer | {len(steady)} | {statistics.median(steady):.0f} "
              f"| {pct(steady, 0.95):.0f} | |")


if __name__ == "__main__":
    main()
