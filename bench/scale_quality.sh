#!/usr/bin/env bash
# Scaling quality and CPU of the live ladder's scalers: videoscale (GStreamer's, what the rungs use
# without the swscale plugin) and kekswscale's methods (bicubic, bilinear, fast-bilinear), each
# run as the ladder runs them, in cascade 1080p -> 1280x720 -> 854x480 -> 640x360, over the first
# FRAMES frames of live_ladder.sh's clip. Each rung is compared (ffmpeg's psnr and ssim filters, luma)
# with a direct lanczos scale of the same frames by ffmpeg (accurate_rnd), the reference; CPU is
# gst-launch's user+sys seconds per frame minus a run that only reads the frames.
#
#   bash bench/scale_quality.sh            # FRAMES=120; the clip: ~/.cache/kek-bench (live_ladder.sh makes it)
#
# Prints a table; writes bench/results/scale_quality-DATE[-TAG].md with it (RESULT_TAG, OUT_DIR).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=scale-quality
source "$ROOT/bench/lib/common.sh"
FRAMES=${FRAMES:-120}
CLIP=$(ls "${KEK_BENCH_CACHE:-$HOME/.cache/kek-bench}"/clip-1080p30-*.flv 2>/dev/null | head -1) ||
  true
[[ -n $CLIP ]] || die "no clip: run bench/live_ladder.sh once (it generates it)"
export GST_PLUGIN_PATH_1_0=$ROOT/build/plugins
gst-inspect-1.0 kekswscale >/dev/null 2>&1 || die "no kekswscale in $ROOT/build/plugins: build first"
RUNGS=(1280x720 854x480 640x360)
SCALERS=(videoscale "kekswscale method=bicubic" "kekswscale method=bilinear" "kekswscale method=fast-bilinear")

# GStreamer's I420 rows are padded to 4 bytes (854 -> 856, its chroma 427 -> 428): ffmpeg reads a
# rung as the padded width and crops it.
padded() { echo $((($1 + 3) / 4 * 4)); }
for r in "${RUNGS[@]}"; do
  w=${r%x*}
  (($(padded "$w") / 2 == $(padded $(((w + 1) / 2))))) || die "rung $r: chroma padding this script cannot read"
done

log "decoding $FRAMES frames of $CLIP"
ffmpeg -v error -y -i "$CLIP" -frames:v "$FRAMES" -pix_fmt yuv420p -f rawvideo "$TMP/src.yuv"
for r in "${RUNGS[@]}"; do
  ffmpeg -v error -y -f rawvideo -framerate 30 -pix_fmt yuv420p -s 1920x1080 -i "$TMP/src.yuv" \
    -vf "scale=${r/x/:}:flags=lanczos+accurate_rnd+full_chroma_int" -f rawvideo "$TMP/ref-$r.yuv"
done

SRC="filesrc location=$TMP/src.yuv ! rawvideoparse width=1920 height=1080 format=i420 framerate=30/1"
cpu_s() { # gst-launch args... -> user+sys seconds
  local t
  t=$( { /usr/bin/time -f '%U %S' gst-launch-1.0 -q "$@" >/dev/null; } 2>&1 | tail -1)
  awk '{printf "%.3f", $1 + $2}' <<<"$t"
}
# shellcheck disable=SC2086
base=$(cpu_s $SRC ! fakesink)
compare() { # rung file filter -> value
  local r=$1 f=$2 w=${1%x*} h=${1#*x}
  ffmpeg -v info -f rawvideo -framerate 30 -pix_fmt yuv420p -s "$(padded "$w")x$h" -i "$f" \
    -f rawvideo -framerate 30 -pix_fmt yuv420p -s "$r" -i "$TMP/ref-$r.yuv" \
    -lavfi "[0]crop=$w:$h:0:0[a];[a][1]$3" -f null - 2>&1 |
    sed -n "s/.*$( [[ $3 == psnr ]] && echo 'PSNR y:' || echo 'SSIM Y:')\\([0-9.inf]*\\).*/\\1/p" | tail -1
}
TABLE="| scaler | CPU ms/frame (3 scales) | $(for r in "${RUNGS[@]}"; do printf '%s PSNR-Y dB | %s SSIM-Y | ' "$r" "$r"; done)"
TABLE=${TABLE% }$'\n'"|---|---:|$(for _ in "${RUNGS[@]}"; do printf -- '---:|---:|'; done)"
for s in "${SCALERS[@]}"; do
  tag=$(tr -c 'a-z0-9\n' _ <<<"$s")
  # shellcheck disable=SC2086
  cpu=$(cpu_s $SRC ! $s ! video/x-raw,width=1280,height=720 ! tee name=t1 \
    t1. ! queue ! filesink location=$TMP/$tag-1280x720.yuv \
    t1. ! queue ! $s ! video/x-raw,width=854,height=480 ! tee name=t2 \
    t2. ! queue ! filesink location=$TMP/$tag-854x480.yuv \
    t2. ! queue ! $s ! video/x-raw,width=640,height=360 ! filesink location=$TMP/$tag-640x360.yuv)
  row="| \`$s\` | $(awk -v c="$cpu" -v b="$base" -v n="$FRAMES" 'BEGIN{printf "%.2f", (c - b) * 1000 / n}') |"
  for r in "${RUNGS[@]}"; do
    row+=" $(compare "$r" "$TMP/$tag-$r.yuv" psnr) | $(compare "$r" "$TMP/$tag-$r.yuv" ssim) |"
  done
  TABLE+=$'\n'"$row"
  log "$s done"
done
DATE=$(date -u +%Y-%m-%d)
mkdir -p "$OUT_DIR"
OUT=$OUT_DIR/scale_quality-$DATE${RESULT_TAG:+-$RESULT_TAG}.md
{
  echo "# Scaling quality and CPU of the ladder's scalers ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Produced by \`bash bench/scale_quality.sh\` (FRAMES=$FRAMES of the live_ladder clip, testsrc2 + noise)."
  echo "Cascade 1080p -> 720p -> 480p -> 360p as the live ladder scales; each rung against ffmpeg's direct"
  echo "lanczos scale of the same frames (higher is closer). CPU: gst-launch user+sys over a run that"
  echo "only reads the frames, per frame, all three scales and the file writes; one run each, a rough figure."
  echo "videoscale's 854x480 and 640x360 are far from the reference by design, not by blur: the clip's caps"
  echo "carry no colorimetry, so GStreamer takes BT.709 for 1080p/720p and BT.601 below 720 lines, and"
  echo "videoscale converts the matrix (a 75 % yellow bar: Y 219 -> 209); kekswscale and ffmpeg keep the"
  echo "values and kekswscale labels its output with the input's colorimetry (bt709)."
  echo "Load average: $(cut -d' ' -f1-3 /proc/loadavg); nproc $(nproc)."
  echo
  echo "$TABLE"
} >"$OUT"
cat "$OUT"
log "wrote $OUT"
