#!/usr/bin/env bash
# Live ladder benchmark: KEK's live-abr template vs one ffmpeg process doing the same ladder.
#
# ONE 1080p30 ~6 Mb/s H.264 + AAC RTMP publish turned into HLS with the source passed through plus
# 720p/480p/360p x264 rungs (veryfast, zerolatency, 3000/1400/800 kbit/s, keyframe every 2 s), by
#   - kek:     `kek serve` with the rtmp plugin mapping app live to the live-abr template (HLS + DASH),
#   - kek-hls: the same template with `outputs: [hls]` (ffmpeg writes no DASH), generated at run time,
#   - kek-videoscale: kek without the swscale plugin, so its rungs are scaled by videoscale (the
#              `kek` config loads it when it is built, method SWSCALE_METHOD: bicubic by default),
#   - kek-swscale=METHOD: kek with the swscale plugin's method METHOD (bicubic, bilinear, fast-bilinear),
#   - kek-before: kek as above but the binary KEK_BEFORE_BIN (another build, main's: before/after
#              in one run, the configs' order alternating; a copy of a build as one folder, kek
#              beside its libkek*.so, runs with the plugins beside it),
#   - ffmpeg:  one ffmpeg process (decode, scale x3 as a cascade like KEK's: 720p from the source,
#              480p from 720p, 360p from 480p; libx264 x3, copy source + AAC, -f hls)
#              reading the same publish through an nginx-rtmp relay (`live on;`, no hls), or the clip
#              itself with -re when FFMPEG_INPUT=file.
#   - kek=NAME: the live-abr.yaml of bench/variants/NAME (a variant of the line, same clip, same
#              outputs), to measure a change of the line against the shipped one in one sitting,
#   - ffmpeg=slice / ffmpeg=t1: the ffmpeg ladder with its libx264 encoders forced onto sliced
#              threads (-thread_type slice; with -tune zerolatency they already are, by the SEI) or
#              on one thread each (-threads 1), to compare like with like however KEK's encoders run.
# The configs run one after the other (order alternating between repeats). Measures the server
# process only: CPU in % of one core over a window, RSS, threads, whether it keeps real time (360p
# segments per wall second and frames per wall second), time from publish start to the first
# playable master playlist, CPU per thread name, and the x264 settings each config's 720p rung was
# encoded with (read back from the x264 SEI in a segment: threads, sliced_threads, lookahead...).
#
#   bash bench/live_ladder.sh                        # kek, kek-hls, ffmpeg; 10 s warm-up, 30 s window
#   CONFIGS="kek ffmpeg" WINDOW=20 bash bench/live_ladder.sh
#   REPEATS=2 bash bench/live_ladder.sh
#   CONFIGS="kek=ladder-before kek ffmpeg ffmpeg=t1" REPEATS=2 bash bench/live_ladder.sh
#
# Environment: CONFIGS ("kek kek-hls ffmpeg"), WARMUP (10), WINDOW (30), REPEATS (1),
# READY_TIMEOUT (60: until the first playable master), FFMPEG_INPUT (rtmp | file), PERF_SECONDS (0; N:
# after each window, perf record the server N s and save the top of perf report), KEK_BIN
# (build/core/kek), SWSCALE_METHOD (bicubic | bilinear | fast-bilinear: the swscale plugin's), KEK_TEMPLATE_DIR (a folder with another live-abr.yaml; default: pipelines/),
# AUTOGROUP_NICE (unset; -20..19: the run in a session of its own, whose autogroup gets this nice: on
# a busy shared machine the weight of the run against the others' sessions, a stand-in for a quiet
# machine; the report says so), OUT_DIR (bench/results), RESULT_TAG (suffix of the result files), KEK_BENCH_CACHE
# (~/.cache/kek-bench: the generated clip), KEEP_TMP (1: keep logs and media), BENCH_NOTES (text for
# the report's Notes section).
# Installs ffmpeg/nginx/libnginx-mod-rtmp with apt-get when missing (needs root). Everything listens
# on 127.0.0.1 only; every wait is bounded; every child is killed on exit.
set -euo pipefail

# With AUTOGROUP_NICE, the whole run (servers, publisher, relay) in a session of its own, so that
# the kernel's autogroup scheduling weighs it against the machine's other sessions by that nice.
if [[ -n ${AUTOGROUP_NICE:-} && -z ${KEK_LADDER_SESSION:-} ]]; then
  KEK_LADDER_SESSION=1 exec setsid --wait bash "$0" "$@"
fi
if [[ -n ${AUTOGROUP_NICE:-} ]]; then
  echo "$AUTOGROUP_NICE" >/proc/self/autogroup || { echo "cannot set the autogroup nice" >&2; exit 1; }
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONFIGS=${CONFIGS:-"kek kek-hls ffmpeg"}
WARMUP=${WARMUP:-10}
WINDOW=${WINDOW:-30}
REPEATS=${REPEATS:-1}
READY_TIMEOUT=${READY_TIMEOUT:-60}
PERF_SECONDS=${PERF_SECONDS:-0}
FFMPEG_INPUT=${FFMPEG_INPUT:-rtmp}
TEMPLATE_DIR=${KEK_TEMPLATE_DIR:-$ROOT/pipelines}
[[ -f $TEMPLATE_DIR/live-abr.yaml ]] || { echo "no live-abr.yaml in $TEMPLATE_DIR" >&2; exit 1; }
TEMPLATE_DIR=$(cd "$TEMPLATE_DIR" && pwd)
CACHE=${KEK_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kek-bench}
PM=(python3 "$ROOT/bench/lib/procmon.py")
LD=(python3 "$ROOT/bench/lib/ladder.py")
RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
FPS=30
STREAM=cam
KEY=k

BENCH_NAME=ladder
source "$ROOT/bench/lib/common.sh"

# ---------------------------------------------------------------- dependencies
need=(ffmpeg)
[[ $FFMPEG_INPUT == rtmp && " $CONFIGS " == *" ffmpeg "* ]] && need+=(nginx "$RTMP_MODULE=libnginx-mod-rtmp")
need_commands "${need[@]}"
[[ $FFMPEG_INPUT == rtmp || $FFMPEG_INPUT == file ]] || die "FFMPEG_INPUT must be rtmp or file"
[[ " $CONFIGS " == *" kek"* ]] && need_kek

# ---------------------------------------------------------------- the clip (made once, cached)
CLIP=$CACHE/clip-1080p30-6M-g60-aac128k-30s.flv
make_clip "$CLIP" 1920x1080 $FPS 6
CLIP_INFO=$(ffprobe -v error -show_entries format=duration,bit_rate -of default=nw=1 "$CLIP" | tr '\n' ' ')

publisher_cmd() { # url -> PUB (argv)
  PUB=(ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" -c copy -f flv "$1")
}

# The ffmpeg ladder (input URL or file, output dir, progress file) -> LADDER (argv)
ladder_cmd() {
  local input=$1 out=$2 progress=$3 in_args=() enc_args=()
  case ${FFMPEG_VARIANT:-} in
  "") ;;
  slice) enc_args=(-thread_type slice) ;;
  t1) enc_args=(-threads 1) ;;
  *) die "unknown ffmpeg variant '$FFMPEG_VARIANT' (slice, t1)" ;;
  esac
  if [[ $FFMPEG_INPUT == file ]]; then in_args=(-re -stream_loop -1 -i "$input"); else in_args=(-i "$input"); fi
  LADDER=(ffmpeg -nostdin -hide_banner -loglevel warning -progress "$progress" "${in_args[@]}"
    -filter_complex "[0:v]scale=-2:720,split=2[v720][t720];[t720]scale=-2:480,split=2[v480][t480];[t480]scale=-2:360[v360]"
    -map 0:v -map "[v720]" -map "[v480]" -map "[v360]" -map 0:a -map 0:a -map 0:a -map 0:a
    -c:v:0 copy -c:v:1 libx264 -c:v:2 libx264 -c:v:3 libx264
    -preset veryfast -tune zerolatency -g 60 -keyint_min 60 -sc_threshold 0 "${enc_args[@]}"
    -profile:v:1 main -profile:v:2 main -profile:v:3 main
    -b:v:1 3000k -maxrate:v:1 3000k -bufsize:v:1 3000k
    -b:v:2 1400k -maxrate:v:2 1400k -bufsize:v:2 1400k
    -b:v:3 800k -maxrate:v:3 800k -bufsize:v:3 800k
    -c:a copy
    -f hls -hls_time 2 -hls_list_size 6 -hls_flags independent_segments+delete_segments
    -master_pl_name index.m3u8
    -var_stream_map "v:0,a:0,name:source v:1,a:1,name:720p v:2,a:2,name:480p v:3,a:3,name:360p"
    -hls_segment_filename "$out/%v/seg%05d.ts" "$out/%v/index.m3u8")
}

# ---------------------------------------------------------------- servers
# start_<config> sets SERVER_PID (the measured process), EXTRA_PID (optional, reported apart),
# OTHER_PIDS (started by the config, stopped after it), MASTER, VARIANT (the 360p playlist),
# PUBLISH_URL (empty: nothing to publish, the ladder reads the file) and PROGRESS.
start_kek_common() { # dir template_dir [scaler: swscale (default) | videoscale]
  local d=$1 tdir=$2 scaler=${3:-swscale}
  mkdir -p "$d/data"
  # The swscale plugin (optional: a kek built without it, or before it, scales with videoscale)
  # sets the rungs' scaler; SWSCALE_METHOD picks its method.
  local swscale=""
  [[ $scaler == swscale ]] && swscale="  - {name: swscale, optional: true, args: {method: ${SWSCALE_METHOD:-bicubic}}}"
  cat >"$d/kek.yaml" <<EOF
$(kek_paths "$d")
http: {address: 127.0.0.1, port: 0}
shutdown_timeout_s: 5
template_dirs: [$tdir]
$(dir=$(plugin_dir_beside "$KEK"); [[ -n $dir ]] && echo "plugin_dirs: [$dir]"; true)
plugins:
  - name: rtmp
    args: {address: 127.0.0.1, port: 0, keys: ["$STREAM:$KEY"], apps: {live: live-abr}}
  - name: hls
  - name: dash
  - name: thumbnails
$swscale
pipelines: []
EOF
  start_kek "$d"
  SERVER_PID=$KEK_PID
  local line=$KEK_READY_LINE
  grep -q 'refused' "$d/kek.log" && die "kek refused a plugin: $(grep refused "$d/kek.log")"
  PUBLISH_URL=$(kv rtmp "$line")/$KEY
  [[ $PUBLISH_URL == rtmp://127.0.0.1:* ]] || die "no rtmp URL in: $line"
  EXTRA_PID=""
  OTHER_PIDS=()
  PROGRESS=""
  MASTER=$d/data/media/live/$STREAM/index.m3u8
  VARIANT=$d/data/media/live/$STREAM/360p/index.m3u8
  RUNG720=$d/data/media/live/$STREAM/720p
  SERVER_KIND=kek
}
start_kek-hls() {
  local tdir=$TMP/templates-hls
  if [[ ! -f $tdir/live-abr.yaml ]]; then
    mkdir -p "$tdir"
    grep -q '^outputs:' "$TEMPLATE_DIR/live-abr.yaml" || die "live-abr.yaml has no outputs: line"
    sed 's/^outputs:.*/outputs: [hls]/' "$TEMPLATE_DIR/live-abr.yaml" >"$tdir/live-abr.yaml"
  fi
  start_kek_common "$1" "$tdir"
}

start_ffmpeg() {
  local d=$1 input port
  mkdir -p "$d/hls" "$d/logs"
  EXTRA_PID=""
  OTHER_PIDS=()
  if [[ $FFMPEG_INPUT == rtmp ]]; then
    port=$("${PM[@]}" free-port)
    cat >"$d/nginx.conf" <<EOF
load_module $RTMP_MODULE;
daemon off;
master_process off;
$( ((EUID == 0)) && echo "user root;")
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:$port;
    application live { live on; }
  }
}
EOF
    nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" >"$d/nginx.log" 2>&1 &
    EXTRA_PID=$!
    PIDS+=("$EXTRA_PID")
    OTHER_PIDS+=("$EXTRA_PID")
    wait_port "$port" "$EXTRA_PID" 15 || die "nginx not listening: $(cat "$d/nginx.log" "$d/logs/error.log" 2>/dev/null | tail -5)"
    PUBLISH_URL=rtmp://127.0.0.1:$port/live/$STREAM
    input=$PUBLISH_URL
  else
    PUBLISH_URL=""
    input=$CLIP
  fi
  PROGRESS=$d/progress.txt
  ladder_cmd "$input" "$d/hls" "$PROGRESS"
  MASTER=$d/hls/index.m3u8
  VARIANT=$d/hls/360p/index.m3u8
  RUNG720=$d/hls/720p
  SERVER_KIND=ffmpeg
  if [[ $FFMPEG_INPUT == rtmp ]]; then
    # Like a server: the ladder is up (playing the not yet published stream) before the publish.
    "${LADDER[@]}" >"$d/ffmpeg.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    sleep 1
    kill -0 "$SERVER_PID" 2>/dev/null || die "ffmpeg ladder exited: $(tail -5 "$d/ffmpeg.log")"
  fi
}

# kek=NAME: KEK with bench/variants/NAME/live-abr.yaml; ffmpeg=V: the ffmpeg ladder's variant V.
start_config() { # config dir
  case $1 in
  kek) start_kek_common "$2" "$TEMPLATE_DIR" ;; # (not start_kek: that is common.sh's kek serve)
  kek-videoscale) start_kek_common "$2" "$TEMPLATE_DIR" videoscale ;;
  kek-before) [[ -x ${KEK_BEFORE_BIN:-} ]] || die "kek-before needs KEK_BEFORE_BIN (another build's core/kek, or a copy of it beside its libkek*.so)"
    KEK=$KEK_BEFORE_BIN start_kek_common "$2" "$TEMPLATE_DIR" ;;
  kek-swscale=*) SWSCALE_METHOD=${1#kek-swscale=} start_kek_common "$2" "$TEMPLATE_DIR" ;;
  kek=*) start_kek_common "$2" "$(variant_dir "${1#kek=}")" ;;
  ffmpeg=*) FFMPEG_VARIANT=${1#ffmpeg=} start_ffmpeg "$2" ;;
  *) "start_$1" "$2" ;;
  esac
}
variant_dir() { (cd "$ROOT/bench/variants/$1" 2>/dev/null && pwd) || die "no bench/variants/$1"; }
known_config() {
  case $1 in
  kek=*) [[ -f $ROOT/bench/variants/${1#kek=}/live-abr.yaml ]] ;;
  kek | kek-videoscale | kek-before | kek-swscale=bicubic | kek-swscale=bilinear | kek-swscale=fast-bilinear | ffmpeg=slice | ffmpeg=t1) true ;;
  *) declare -F "start_$1" >/dev/null ;;
  esac
}

# The x264 settings a rung was encoded with: x264 writes them into an SEI of the stream's first
# frame ("x264 - core 164 - ... options: cabac=1 ref=1 ... threads=2 ... sliced_threads=1 ..."),
# so this reads the rung's oldest segments, while the first one is still listed.
x264_options() { # rung folder -> the options, or "?"
  local f o
  for f in $(ls -tr "$1"/*.ts "$1"/*.m4s 2>/dev/null | head -50); do
    # The elementary stream of the segment's first frames (in TS the SEI is cut by packet headers).
    o=$(timeout 20 ffmpeg -nostdin -v error -i "$f" -map 0:v:0 -c copy -frames:v 2 -f h264 - 2>/dev/null |
      grep -a -o -m1 'options: [a-z0-9_=:./, -]*' | head -1 | sed 's/^options: //')
    [[ -n $o ]] && { echo "$o"; return; }
  done
  echo "?"
}

stop_config() {
  # KEK: SIGINT = clean stop (EOS, at most shutdown_timeout_s). ffmpeg: SIGTERM finishes the playlists.
  if [[ $SERVER_KIND == kek ]]; then SIG=INT stop_pids 15 "$SERVER_PID"; else stop_pids 10 "$SERVER_PID"; fi
  ((${#OTHER_PIDS[@]})) && stop_pids 10 "${OTHER_PIDS[@]}"
  return 0
}

# ---------------------------------------------------------------- one config
RESULTS=$TMP/results.tsv
THREADS=$TMP/threads.tsv
: >"$THREADS"
COLS=(cpu_pct rss_kb rss_max_kb threads elapsed_s segments seg_per_s media_s frames realtime speed seg_res extra_cpu_pct machine_busy_pct load1)
{ printf 'config\trep\tok\tfirst_master_s\tvariants\tresolutions'; printf '\t%s' "${COLS[@]}"; printf '\n'; } >"$RESULTS"

run_config() { # config rep
  local cfg=$1 rep=$2 d=$TMP/$1-$2 t0 first m="" res="" ok=1 pub=""
  mkdir -p "$d"
  log "$cfg: repeat $rep"
  start_config "$cfg" "$d"
  t0=$(date +%s.%N)
  if [[ -n $PUBLISH_URL ]]; then
    publisher_cmd "$PUBLISH_URL"
    "${PUB[@]}" >"$d/publisher.log" 2>&1 &
    pub=$!
    PIDS+=("$pub")
  fi
  if [[ $SERVER_KIND == ffmpeg && $FFMPEG_INPUT == file ]]; then
    "${LADDER[@]}" >"$d/ffmpeg.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
  fi
  first=$("${LD[@]}" wait-master --master "$MASTER" --since "$t0" --timeout "$READY_TIMEOUT")
  log "  $first"
  if [[ $(kv first_master_s "$first") == nan ]]; then
    ok=0
    log "  no playable master playlist after $READY_TIMEOUT s; logs in $d (KEEP_TMP=1 keeps them)"
  else
    printf '%s\t%s\n' "$cfg" "$(x264_options "$RUNG720")" >>"$TMP/x264.tsv"
    sleep "$WARMUP"
    m=$("${LD[@]}" measure --pid "$SERVER_PID" --window "$WINDOW" --playlist "$VARIANT" --keep "$d/kept" \
      --fps "$FPS" --label "$cfg#$rep" --threads-out "$THREADS" \
      ${PROGRESS:+--progress "$PROGRESS"} ${EXTRA_PID:+--extra-pid "$EXTRA_PID"})
    res=$("${LD[@]}" resolutions --master "$MASTER")
    log "  $m"
    log "  $res"
    if ((PERF_SECONDS > 0)) && command -v perf >/dev/null; then
      # After the window, so it does not disturb the numbers above.
      log "  perf record $PERF_SECONDS s"
      timeout $((PERF_SECONDS + 30)) perf record -F 499 -g -o "$d/perf.data" -p "$SERVER_PID" -- sleep "$PERF_SECONDS" >"$d/perf.log" 2>&1 || true
      {
        echo "# $cfg, repeat $rep: perf record -F 499 -g -p <server> -- sleep $PERF_SECONDS (after the window)"
        echo "## by shared object"
        timeout 120 perf report -i "$d/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^$' | grep -v '^#' | grep '%' | head -25
        echo "## by symbol"
        timeout 120 perf report -i "$d/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep '%' | head -40
      } >"$TMP/perf-$cfg-$rep.txt" 2>&1 || true
      rm -f "$d/perf.data"
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { ok=0; log "  the server died during the window"; }
    [[ -z $pub ]] || kill -0 "$pub" 2>/dev/null || { ok=0; log "  the publisher died during the window"; }
    [[ $(kv segments "$m") -gt 0 ]] || ok=0
  fi
  [[ -n $pub ]] && stop_pids 10 "$pub"
  stop_config
  if [[ $SERVER_KIND == kek ]]; then # the exact line it ran, for the report (thread names -> branches)
    sed -n 's/.*pipeline live-cam: starting //p' "$d/kek.log" | head -1 | sed "s#$d/data/media#MEDIA#g" >"$TMP/launch-$cfg"
  fi
  {
    printf '%s\t%s\t%s\t%s\t%s\t%s' "$cfg" "$rep" "$ok" "$(kv first_master_s "$first")" "$(kv variants "$first")" \
      "$(kv resolutions "$res")"
    for c in "${COLS[@]}"; do printf '\t%s' "$(kv "$c" "$m")"; done
    printf '\n'
  } >>"$RESULTS"
  rm -rf "$d/kept"
}

# ---------------------------------------------------------------- the run
DATE=$(date +%Y-%m-%d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
read -r -a CFG_LIST <<<"$CONFIGS"
for c in "${CFG_LIST[@]}"; do known_config "$c" || die "unknown config '$c' (kek, kek-hls, kek-videoscale, kek-swscale=METHOD, kek-before, kek=VARIANT of bench/variants, ffmpeg, ffmpeg=slice, ffmpeg=t1)"; done
log "configs: $CONFIGS, warm-up $WARMUP s, window $WINDOW s, repeats $REPEATS, ffmpeg input $FFMPEG_INPUT; temp: $TMP"
log "load average now: $LOAD_BEFORE on $(nproc) cores"

for ((rep = 1; rep <= REPEATS; rep++)); do
  # Alternate the order, so slow drifts in background load hit every config alike.
  order=("${CFG_LIST[@]}")
  if ((rep % 2 == 0)); then
    order=()
    for ((i = ${#CFG_LIST[@]} - 1; i >= 0; i--)); do order+=("${CFG_LIST[i]}"); done
  fi
  for c in "${order[@]}"; do run_config "$c" "$rep"; done
done

# ---------------------------------------------------------------- report
META=$TMP/meta.tsv
launch=""
if [[ -s $TMP/launch-kek ]]; then launch=$(cat "$TMP/launch-kek")
elif [[ " $CONFIGS " == *" kek"* ]]; then
  launch=$("$KEK" pipelines show live-abr --set stream=$STREAM --set app=live --set source_width=1920 \
    --set source_height=1080 --set fps=$FPS 2>/dev/null | tail -1 || true)
fi
ladder_cmd "$([[ $FFMPEG_INPUT == file ]] && echo clip.flv || echo rtmp://127.0.0.1:PORT/live/$STREAM)" OUT OUT/progress.txt
ffcmd=""
for a in "${LADDER[@]}"; do [[ $a == *' '* || $a == *'['* ]] && ffcmd+="\"$a\" " || ffcmd+="$a "; done
git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^??' || true) ]] && git_rev+=" + uncommitted changes"
{
  printf 'key\tvalue\n'
  printf 'date\t%s\n' "$DATE $(date +%H:%M)"
  printf 'cpu_model\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  printf 'nproc\t%s\n' "$(nproc)"
  printf 'mem\t%s\n' "$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  printf 'kernel\t%s\n' "$(uname -sr)"
  printf 'load_before\t%s\n' "$LOAD_BEFORE"
  printf 'load_after\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'tmp_fs\t%s\n' "$(df -T "$TMP" | awk 'NR==2 {print $2 " (" $7 ")"}')"
  printf 'kek_version\t%s\n' "$("$KEK" --version 2>&1 | head -1 || echo '?')"
  printf 'git\t%s\n' "$git_rev"
  printf 'gst_version\t%s\n' "$(gst-inspect-1.0 --version 2>/dev/null | sed -n 's/^GStreamer //p' | head -1)"
  printf 'x264_version\t%s\n' "$(dpkg-query -W -f '${Package} ${Version}' gstreamer1.0-plugins-ugly 2>/dev/null || echo '?'), libx264 $(dpkg-query -W -f '${Version}' 'libx264-1*' 2>/dev/null | head -1 || echo '?')"
  printf 'ffmpeg_version\t%s\n' "$(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
  printf 'nginx_version\t%s\n' "$(nginx -v 2>&1 | sed 's/^nginx version: //' || echo '?')"
  printf 'rtmp_module_version\t%s\n' "$(dpkg-query -W -f '${Version}' libnginx-mod-rtmp 2>/dev/null || echo '?')"
  printf 'clip\t%s\n' "1920x1080 $FPS fps H.264 High (libx264 veryfast, -g 60, yuv420p, 6 Mb/s, testsrc2 + noise) + AAC-LC 128k 48 kHz stereo, FLV; ffprobe: $CLIP_INFO"
  printf 'publisher\t%s\n' "ffmpeg -re -stream_loop -1 -i clip.flv -c copy -f flv rtmp://127.0.0.1:PORT/live/KEY"
  printf 'warmup\t%s\n' "$WARMUP"
  printf 'window\t%s\n' "$WINDOW"
  printf 'repeats\t%s\n' "$REPEATS"
  printf 'ready_timeout\t%s\n' "$READY_TIMEOUT"
  printf 'ffmpeg_input\t%s\n' "$FFMPEG_INPUT"
  printf 'ffmpeg_cmd\t%s\n' "${ffcmd% }"
  printf 'kek_launch\t%s\n' "$launch"
  for c in "${CFG_LIST[@]}"; do
    if [[ -s $TMP/launch-$c ]]; then printf 'launch_%s\t%s\n' "$c" "$(cat "$TMP/launch-$c")"; fi
  done
  printf 'kek_outputs\t%s\n' "$(sed -n 's/^outputs: *//p' "$TEMPLATE_DIR/live-abr.yaml")"
  printf 'kek_templates\t%s\n' "$TEMPLATE_DIR"
  for c in "${CFG_LIST[@]}"; do
    case $c in
    kek=*) printf 'template_%s\t%s\n' "$c" "bench/variants/${c#kek=}/live-abr.yaml: $(sed -n '1s/^# //p' "$(variant_dir "${c#kek=}")/live-abr.yaml")" ;;
    ffmpeg=*)
      FFMPEG_VARIANT=${c#ffmpeg=} ladder_cmd IN OUT OUT/progress.txt
      printf 'template_%s\t%s\n' "$c" "the ffmpeg command above with $(case ${c#ffmpeg=} in slice) echo '-thread_type slice' ;; t1) echo '-threads 1' ;; esac) after -sc_threshold 0" ;;
    esac
  done
  [[ -f $TMP/x264.tsv ]] && sort -u "$TMP/x264.tsv" | while IFS=$'\t' read -r c o; do printf 'x264_%s\t%s\n' "$c" "$o"; done
  printf 'autogroup\t%s\n' "$(cat /proc/self/autogroup 2>/dev/null || echo '?') (sched_autogroup_enabled $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo '?'))"
  printf 'notes\t%s\n' "${BENCH_NOTES:-}"
} >"$META"

mkdir -p "$OUT_DIR"
BASE=$OUT_DIR/live_ladder-$DATE${RESULT_TAG:+-$RESULT_TAG}
cp "$RESULTS" "$BASE.tsv"
cp "$THREADS" "$BASE-threads.tsv"
if compgen -G "$TMP/perf-*.txt" >/dev/null; then cat "$TMP"/perf-*.txt >"$BASE-perf.txt"; fi
"${LD[@]}" render "$RESULTS" "$THREADS" "$META" "$BASE.md"
log "wrote $BASE.md, $BASE.tsv, $BASE-threads.tsv$([[ -f $BASE-perf.txt ]] && echo " and $BASE-perf.txt")"
