#!/usr/bin/env bash
# Soak: one kek under a changing load for a while, watched for memory growth and lost work.
#
#   bash bench/soak.sh                       # 10 minutes
#   SOAK_SECONDS=1800 bash bench/soak.sh     # the 30-minute run
#
# Load (bench/lib/soak.py): PUBLISHERS (20) RTMP publishers (ffmpeg -re -c copy of a 320x180 clip,
# each with a stream key of its own that records) that each stay 20-90 s, disconnect and
# come back 2-15 s later; VIEWERS (4) fetching a stream's master and media playlists and newest
# segment every 0.5-2 s; a signed-in user uploading a small film through tus every 60 s (the
# library transcodes it). kek's RSS is sampled every 10 s.
# Verdicts in the report: RSS flat after warm-up (the least-squares slope of the samples after
# WARMUP_S, in MiB per hour, and the growth it predicts over the run, against FLAT_MIB (16));
# zero crashes (kek still running at the end, then stopped cleanly); every finished stream's
# recording readable (ffprobe decodes a video stream with duration > 0); every playlist of a run
# that ended says EXT-X-ENDLIST.
# Environment: SOAK_SECONDS (600), PUBLISHERS (20), VIEWERS (4), WARMUP_S (120; 600 for runs of 20
# minutes or more: 20 staggered publishers take ~10 min to all have run once), FLAT_MIB (16),
# KEK_BIN (build/core/kek), OUT_DIR (bench/results), RESULT_TAG (suffix of the result files, e.g.
# -busy), KEEP_TMP (1: keep the temp folder).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOAK_SECONDS=${SOAK_SECONDS:-600}
PUBLISHERS=${PUBLISHERS:-20}
VIEWERS=${VIEWERS:-4}
WARMUP_S=${WARMUP_S:-$(( ${SOAK_SECONDS:-600} >= 1200 ? 600 : 120 ))}
FLAT_MIB=${FLAT_MIB:-16}
PY=(python3 "$ROOT/bench/lib/procmon.py")

BENCH_NAME=soak
source "$ROOT/bench/lib/common.sh"

need_commands ffmpeg
need_kek

# The publishers' clip and the film uploaded, small so the load is kek's, not the encoders'.
CLIP=$TMP/clip.flv
UPLOAD=$TMP/film.mp4
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc=size=320x180:rate=25" -f lavfi -i sine \
  -t 20 -c:v libx264 -preset ultrafast -g 50 -pix_fmt yuv420p -c:a aac -f flv "$CLIP"
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "testsrc=size=320x180:rate=25" -f lavfi -i sine \
  -t 3 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$UPLOAD"

# kek: accounts (the load makes a user and its recorded stream keys), RTMP, the library.
d=$TMP/kek
mkdir -p "$d/data"
cat >"$d/kek.yaml" <<EOF
$(kek_paths "$d")
http: {address: 127.0.0.1, port: $("${PY[@]}" free-port)}
shutdown_timeout_s: 10
plugins:
  - name: auth
    args: {max_streams_per_user: $((PUBLISHERS + 1))}  # all the keys are one user's
  - name: hls
  - name: thumbnails
  - name: rtmp
    args: {address: 127.0.0.1, port: $("${PY[@]}" free-port), reconnect_grace_s: 0, max_connections_per_address: $((PUBLISHERS + 8))}
  - name: library
    args: {segment_s: 1, ladder: "180p:180:200"}
pipelines: []
EOF
start_kek "$d" KEK_ADMIN_PASSWORD=soak-admin-password
HTTP=$(kv http "$KEK_READY_LINE")
HTTP=${HTTP%/}
RTMP=$(kv rtmp "$KEK_READY_LINE")
log "kek $KEK_PID ready ($HTTP, $RTMP); soaking for $SOAK_SECONDS s with $PUBLISHERS publishers"

SAMPLES=$TMP/rss.tsv
started=$(date -u +%FT%TZ)
summary=$(python3 "$ROOT/bench/lib/soak.py" --http "$HTTP" --rtmp "$RTMP" --pid "$KEK_PID" --media "$d/data/media" \
  --clip "$CLIP" --upload "$UPLOAD" --seconds "$SOAK_SECONDS" --publishers "$PUBLISHERS" --viewers "$VIEWERS" \
  --out "$SAMPLES")
log "load: $summary"
alive=0
kill -0 "$KEK_PID" 2>/dev/null && alive=1
stop_rc=-1
if ((alive)); then
  kill -INT "$KEK_PID"
  for _ in $(seq 300); do kill -0 "$KEK_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$KEK_PID" 2>/dev/null; then kill -KILL "$KEK_PID"; fi
  wait "$KEK_PID" && stop_rc=0 || stop_rc=$?
fi
crashes=$(grep -cE 'SIGSEGV|SIGABRT|Segmentation fault|terminate called|AddressSanitizer|CRITICAL' "$d/kek.log" || true)

# Every recording (each finished run of each stream) decodes.
rec_total=0 rec_ok=0 rec_bad=()
while IFS= read -r f; do
  rec_total=$((rec_total + 1))
  dur=$(ffprobe -v error -select_streams v:0 -show_entries format=duration -of csv=p=0 "$f" 2>/dev/null || true)
  frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$f" 2>/dev/null || true)
  if [[ ${frames:-0} =~ ^[0-9]+$ ]] && ((frames > 0)) && [[ $dur != "0.000000" ]]; then rec_ok=$((rec_ok + 1))
  else rec_bad+=("$(basename "$(dirname "$f")")/$(basename "$f")"); fi
done < <(find "$d/data/media/recordings" -name '*.mp4' 2>/dev/null | sort)

# RSS trend after warm-up: least-squares slope.
trend=$(python3 - "$SAMPLES" "$WARMUP_S" "$FLAT_MIB" <<'EOF'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
t = [float(r[0]) for r in rows]; rss = [int(r[1]) / 1024 for r in rows]
warm = float(sys.argv[2]); flat = float(sys.argv[3])
pts = [(a, b) for a, b in zip(t, rss) if a >= warm]
if len(pts) < 3:
    print("samples=%d slope_mib_h=nan growth_mib=nan first_mib=nan last_mib=nan max_mib=nan flat=unknown" % len(pts)); sys.exit()
n = len(pts); mx = sum(a for a, _ in pts) / n; my = sum(b for _, b in pts) / n
slope = sum((a - mx) * (b - my) for a, b in pts) / sum((a - mx) ** 2 for a, _ in pts)  # MiB/s
growth = slope * (pts[-1][0] - pts[0][0])
print("samples=%d slope_mib_h=%.1f growth_mib=%.1f first_mib=%.1f last_mib=%.1f max_mib=%.1f flat=%s" % (
    n, slope * 3600, growth, pts[0][1], pts[-1][1], max(b for _, b in pts), "yes" if growth < flat else "no"))
EOF
)
log "rss: $trend"

mkdir -p "$OUT_DIR"
stamp=$(date -u +%F)
base=$OUT_DIR/soak-$stamp-${SOAK_SECONDS}s${RESULT_TAG:-}
cp "$SAMPLES" "$base.tsv"
{
  echo "# Soak: $((SOAK_SECONDS / 60)) minutes, $PUBLISHERS reconnecting publishers, $VIEWERS viewers, tus uploads"
  echo
  echo "Run $started at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) cores" \
       "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)). ${BENCH_NOTES:-}"
  echo
  echo "| check | result |"
  echo "|---|---|"
  echo "| RSS after ${WARMUP_S} s warm-up (samples every 10 s: $base.tsv) | $(kv first_mib "$trend") MiB first, $(kv last_mib "$trend") MiB last, $(kv max_mib "$trend") MiB max |"
  echo "| RSS trend (least squares) | $(kv slope_mib_h "$trend") MiB/h, $(kv growth_mib "$trend") MiB over the run: flat (< $FLAT_MIB MiB): **$(kv flat "$trend")** |"
  echo "| crashes | kek alive at the end: $([[ $alive == 1 ]] && echo yes || echo NO); clean stop: $([[ $stop_rc == 0 ]] && echo yes || echo "no (rc $stop_rc)"); crash lines in its log: $crashes |"
  echo "| publisher sessions finished | $(kv sessions "$summary") (starts: $(kv publisher_starts "$summary")) |"
  echo "| ended playlists with EXT-X-ENDLIST | $(kv endlist_ok "$summary") of $(( $(kv endlist_ok "$summary") + $(kv endlist_missing "$summary") )) (missing: $(kv missing_endlist "$summary")) |"
  echo "| recordings readable (ffprobe: video packets, duration > 0) | $rec_ok of $rec_total${rec_bad:+ (unreadable: ${rec_bad[*]})} |"
  echo "| viewer rounds (master + media playlist + newest segment) | $(kv viewer_ok "$summary") ok, $(kv viewer_err "$summary") errors, $(kv segments "$summary") segments |"
  echo "| uploads (tus, 3 s film, transcoded by the library) | $(kv uploads_ok "$summary") ok, $(kv uploads_err "$summary") failed |"
} >"$base.md"
cat "$base.md"
log "report: $base.md"
