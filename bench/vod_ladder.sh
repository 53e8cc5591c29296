#!/usr/bin/env bash
# VOD ladder benchmark: KEK's vod-abr template vs ffmpeg, on one file.
#
# A 1080p30 H.264 + AAC clip (25 s, noise so the encoders have work) to the default 4-rung ladder
# (1080p 5 Mb/s, 720p 3 Mb/s, 480p 1.4 Mb/s, 360p 0.8 Mb/s), x264 veryfast on every rung, keyframes
# every segment (4 s), by
#   - kek:         `kek launch` of the line `kek pipelines show vod-abr` prints (CMAF: HLS + DASH over one set of segments; the
#                  1080p rung encoded too, copy=false, and no pictures, so it does what ffmpeg does),
#   - kek-copy:    the same with the 1080p rung copied from the source (what the library does),
#   - ffmpeg:      one ffmpeg process: decode, split, scale x4, libx264 x4, AAC copied, -f hls with
#                  a master playlist (EVENT playlists, so it can be watched while it runs),
#   - ffmpeg-rung: one ffmpeg process per rung, all four at once (how PeerTube transcodes).
# Each run as fast as the CPU allows. Measured: wall time, CPU time (user + sys, all processes),
# peak RSS (the sum of the processes' peaks for ffmpeg-rung), and the time from the start until the
# master playlist and every rung's playlist list a segment (first playable).
#
#   bash bench/vod_ladder.sh                  # all four configs, once
#   REPEATS=2 CONFIGS="kek ffmpeg" bash bench/vod_ladder.sh
#
# Environment: CONFIGS ("kek kek-copy ffmpeg ffmpeg-rung"), REPEATS (1), KEK_BIN (build/core/kek),
# OUT_DIR (bench/results), RESULT_TAG, KEK_BENCH_CACHE (~/.cache/kek-bench), KEEP_TMP (1: keep).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONFIGS=${CONFIGS:-"kek kek-copy ffmpeg ffmpeg-rung"}
REPEATS=${REPEATS:-1}
CACHE=${KEK_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kek-bench}
SEGMENT=4
FPS=30
GOP=$((SEGMENT * FPS))

BENCH_NAME=vod
source "$ROOT/bench/lib/common.sh"

need_commands ffmpeg /usr/bin/time=time
[[ " $CONFIGS " == *" kek"* ]] && need_kek

CLIP=$CACHE/vod-1080p30-8M-g60-aac128k-25s.mp4
if [[ ! -s $CLIP ]]; then
  mkdir -p "$CACHE"
  log "generating $CLIP (once)"
  timeout 900 ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=$FPS" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 25 \
    -vf "noise=alls=12:allf=t" -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
    -g 60 -keyint_min 60 -sc_threshold 0 -b:v 8M -maxrate 8M -bufsize 16M \
    -c:a aac -b:a 128k -ar 48000 -ac 2 -movflags +faststart "$CLIP.part.mp4"
  mv "$CLIP.part.mp4" "$CLIP"
fi
DURATION=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$CLIP")

RUNGS=(1080p:1080:5000 720p:720:3000 480p:480:1400 360p:360:800)

# Prints first=<seconds> once the master and every rung playlist list a segment (or first=none).
watch_first_playable() { # dir master rung-playlist... ; runs until killed or all found
  local dir=$1 master=$2; shift 2
  python3 - "$dir" "$master" "$@" <<'PY'
import os, sys, time
d, master, rungs = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
def has_segment(p):
    try:
        return "#EXTINF" in open(p).read()
    except OSError:
        return False
while time.monotonic() - t0 < 600:
    if os.path.exists(os.path.join(d, master)) and all(has_segment(os.path.join(d, r)) for r in rungs):
        print(f"first={time.monotonic() - t0:.2f}", flush=True)
        sys.exit(0)
    time.sleep(0.05)
print("first=none", flush=True)
PY
}

# Runs argv under /usr/bin/time in the background; TIME_FILES gets its report file.
TIME_FILES=()
timed() { # report-file argv...
  local report=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$report" "$@" >"$report.log" 2>&1 &
  PIDS+=($!)
  TIME_FILES+=("$report")
}

RESULTS=$TMP/results.tsv
: >"$RESULTS"

run_config() { # config repeat
  local config=$1 rep=$2 out=$TMP/$1-$2
  rm -rf "$out"; mkdir -p "$out"
  TIME_FILES=()
  local started=$SECONDS pids_before=${#PIDS[@]} watcher first=none
  case $config in
    kek|kek-copy)
      local copy=false; [[ $config == kek-copy ]] && copy=true
      local line
      line=$("$KEK" pipelines show vod-abr --set source="$CLIP" --set out="$out" --set width=1920 --set height=1080 \
        --set fps=$FPS/1 --set segment_s=$SEGMENT --set copy=$copy --set pictures=false 2>"$out/show.err" | tail -1) ||
        die "kek pipelines show vod-abr: $(cat "$out/show.err")"
      mkdir -p "$out/stream"
      watch_first_playable "$out/stream" packaged.m3u8 1080p/index.m3u8 720p/index.m3u8 480p/index.m3u8 360p/index.m3u8 \
        >"$out/first" &
      watcher=$!
      timed "$out/time" "$KEK" launch "$line"
      ;;
    ffmpeg)
      mkdir -p "$out/hls"
      watch_first_playable "$out/hls" master.m3u8 1080p/index.m3u8 720p/index.m3u8 480p/index.m3u8 360p/index.m3u8 \
        >"$out/first" &
      watcher=$!
      local maps=() i=0 split="[0:v]split=4" names=()
      for r in "${RUNGS[@]}"; do
        IFS=: read -r name h kbps <<<"$r"
        split+="[s$i]"; names+=("$name")
        maps+=(-map "[v$i]" -c:v:$i libx264 -preset veryfast -b:v:$i "${kbps}k" -maxrate:v:$i "${kbps}k"
          -bufsize:v:$i "$((kbps * 2))k" -map 0:a:0 -c:a:$i copy)
        i=$((i + 1))
      done
      local filter="$split"
      for j in 0 1 2 3; do IFS=: read -r _ h _ <<<"${RUNGS[$j]}"; filter+=";[s$j]scale=-2:$h[v$j]"; done
      timed "$out/time" ffmpeg -nostdin -hide_banner -loglevel error -i "$CLIP" -filter_complex "$filter" "${maps[@]}" \
        -g $GOP -keyint_min $GOP -sc_threshold 0 -pix_fmt yuv420p -f hls -hls_time $SEGMENT -hls_playlist_type event \
        -hls_segment_filename "$out/hls/%v/%05d.ts" -master_pl_name master.m3u8 \
        -var_stream_map "v:0,a:0,name:1080p v:1,a:1,name:720p v:2,a:2,name:480p v:3,a:3,name:360p" \
        "$out/hls/%v/index.m3u8"
      ;;
    ffmpeg-rung)
      mkdir -p "$out/hls"
      : >"$out/hls/master.m3u8"
      watch_first_playable "$out/hls" master.m3u8 1080p/index.m3u8 720p/index.m3u8 480p/index.m3u8 360p/index.m3u8 \
        >"$out/first" &
      watcher=$!
      for r in "${RUNGS[@]}"; do
        IFS=: read -r name h kbps <<<"$r"
        mkdir -p "$out/hls/$name"
        timed "$out/time-$name" ffmpeg -nostdin -hide_banner -loglevel error -i "$CLIP" -vf "scale=-2:$h" \
          -c:v libx264 -preset veryfast -b:v "${kbps}k" -maxrate "${kbps}k" -bufsize "$((kbps * 2))k" \
          -g $GOP -keyint_min $GOP -sc_threshold 0 -pix_fmt yuv420p -c:a copy \
          -f hls -hls_time $SEGMENT -hls_playlist_type event -hls_segment_filename "$out/hls/$name/%05d.ts" \
          "$out/hls/$name/index.m3u8"
      done
      ;;
  esac
  local p
  for p in "${PIDS[@]:$pids_before}"; do [[ $p == "$watcher" ]] || wait "$p" || log "$config: a process failed: $(cat "$out"/*.log | tail -5)"; done
  local wall=$((SECONDS - started))
  sleep 0.2
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  first=$(kv first "$(cat "$out/first")"); first=${first:-none}
  # Sum CPU and peak RSS over the processes; wall is the longest one.
  python3 - "$config" "$rep" "$first" "${TIME_FILES[@]}" >>"$RESULTS" <<'PY'
import sys
config, rep, first, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
wall = cpu = rss = 0.0
for f in files:
    e, u, s, m = open(f).read().split()[-4:]
    wall = max(wall, float(e)); cpu += float(u) + float(s); rss += int(m) / 1024
print(f"{config}\t{rep}\t{wall:.2f}\t{cpu:.2f}\t{rss:.0f}\t{first}")
PY
  log "$config #$rep: $(tail -1 "$RESULTS")"
  [[ ${KEEP_TMP:-0} == 1 ]] || rm -rf "$out/hls" "$out/stream"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq "$REPEATS"); do
  for c in $CONFIGS; do run_config "$c" "$rep"; done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$OUT_DIR"
STAMP=$(date +%Y-%m-%d)
REPORT=$OUT_DIR/vod_ladder-$STAMP${RESULT_TAG:+-$RESULT_TAG}.md
python3 - "$RESULTS" "$REPORT" "$DURATION" "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)" <<'PY'
import sys, statistics
res, out, duration, load_before, load_after, cores = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
by = {}
for c, rep, wall, cpu, rss, first in rows:
    by.setdefault(c, []).append((float(wall), float(cpu), float(rss), None if first == "none" else float(first)))
def med(c, i):
    vals = [r[i] for r in by.get(c, []) if r[i] is not None]
    return statistics.median(vals) if vals else None
base = "ffmpeg"
lines = ["# VOD ladder: KEK vod-abr vs ffmpeg", "",
         f"Clip: 1080p30 H.264 8 Mb/s + AAC, {float(duration):.1f} s; ladder 1080p/720p/480p/360p "
         "(5000/3000/1400/800 kb/s), x264 veryfast, keyframes every 4 s; as fast as the CPU allows.",
         f"Machine: {cores} cores, shared; load average before {load_before}, after {load_after}.", "",
         "| config | wall s | CPU s | peak RSS MiB | first playable s | wall / ffmpeg | CPU / ffmpeg | RSS / ffmpeg |",
         "|---|---|---|---|---|---|---|---|"]
def fmt(v, f="{:.2f}"):
    return "-" if v is None else f.format(v)
for c in by:
    w, cpu, rss, first = med(c, 0), med(c, 1), med(c, 2), med(c, 3)
    bw, bc, br = med(base, 0), med(base, 1), med(base, 2)
    ratio = lambda a, b: "-" if a is None or not b else f"{a / b:.2f}x"
    lines.append(f"| {c} | {fmt(w)} | {fmt(cpu)} | {fmt(rss, '{:.0f}')} | {fmt(first)} | {ratio(w, bw)} | {ratio(cpu, bc)} | {ratio(rss, br)} |")
lines += ["", "Medians over the repeats; every run:", "", "| config | repeat | wall s | CPU s | peak RSS MiB | first playable s |", "|---|---|---|---|---|---|"]
lines += [f"| {' | '.join(r)} |" for r in rows]
lines += ["", "kek and kek-copy write one CMAF packaging (fMP4) with HLS and DASH manifests; ffmpeg writes HLS (TS) only. ffmpeg-rung: four",
          "processes at once, CPU and RSS summed, wall the longest. First playable: the master and all four",
          "rung playlists list a segment (for ffmpeg-rung there is no master: the four playlists)."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "report: $REPORT"
