#!/usr/bin/env bash
# RTMP ingest benchmark: KEK vs nginx + Debian's libnginx-mod-rtmp, side by side in one run.
#
# Passthrough (RTMP in, HLS out, 2 s segments, no transcoding) of N concurrent ffmpeg publishers
# copying a 720p30 ~3 Mb/s H.264 + AAC 128k clip. Measures the server process only (KEK: the kek
# process; nginx: master + workers): CPU in % of one core over a window, memory sampled about
# once a second in that window (VmRSS; Pss and Private_Dirty from /proc/PID/smaps_rollup; the
# report gives medians), and, for one stream, the time from publish start to the first playlist on
# disk. Marginal memory per stream = (median at N - median of the same server's baseline) / N,
# the baseline being a BASE_WINDOW s window of the started server with 0 publishers after WARMUP s.
#
#   bash bench/rtmp_ingest.sh                   # levels 1 10 50 100 300, 5 s warm-up, 20 s window
#   LEVELS="1 10" WINDOW=10 bash bench/rtmp_ingest.sh
#
# Publishers: PUBLISHER=replay (default) runs every stream of a level from one process of its own
# process group (bench/lib/rtmp_publishers.py: the clip's tags replayed in real time, as ffmpeg -re
# -c copy sends them; at 300 streams one ffmpeg each would take the cores being measured);
# PUBLISHER=ffmpeg runs one ffmpeg per stream, as earlier runs did. Neither's CPU is counted.
#
# Environment: LEVELS ("1 10 50 100 300"), PUBLISHER (replay), WARMUP (5), WINDOW (20), REPEATS (1), LAT_TRIES (3),
# READY_TIMEOUT (60, per level: until every stream has a playlist), NGINX_WORKERS (1),
# KEK_BIN (build/core/kek), KEK_PLUGIN_DIR (where that binary's plugins are, for an older build copied
# aside; default: the libkek*.so beside KEK_BIN if there are any, else the ones it was built with),
# KEK_TEMPLATE_DIR (a folder with another live.yaml to compare; default: the source tree's pipelines/,
# given to every build, so a binary copied out of its build tree finds them too), OUT_DIR (bench/results), RESULT_TAG (suffix of the result files),
# KEK_BENCH_CACHE (~/.cache/kek-bench: the generated clip), KEEP_TMP (1: keep the temp folder with
# logs and media), KEK_GIT_REV (the commit KEK_BIN was built from, when not this tree's HEAD),
# BENCH_NOTES (free text for the report's Notes section), AUTOGROUP_NICE (unset; -20..19: the run,
# servers and publishers, in sessions whose autogroup gets this nice: on a busy shared machine the
# weight of the run against the others' sessions; the report's notes say so), BASE_WINDOW (10: the
# baseline window, 0 publishers), BASELINE_DEMO (0; 1: KEK also runs the demo pipeline, a 320x180
# test pattern encoded to HLS, from start to stop, so that GStreamer's plugins and pools loaded by a
# first pipeline count in KEK's baseline and not in the first stream; it costs CPU in every window),
# KEK_ENV (unset; e.g. "MALLOC_ARENA_MAX=2": variables for the kek process only, said in the report).
# Installs nginx + libnginx-mod-rtmp with apt-get when missing (needs root). Everything listens on
# 127.0.0.1 only; every child is killed on exit.
set -euo pipefail

# With AUTOGROUP_NICE, the whole run in a session of its own, so that the kernel's autogroup
# scheduling weighs it against the machine's other sessions by that nice.
if [[ -n ${AUTOGROUP_NICE:-} && -z ${KEK_RTMP_BENCH_SESSION:-} ]]; then
  KEK_RTMP_BENCH_SESSION=1 exec setsid --wait bash "$0" "$@"
fi
if [[ -n ${AUTOGROUP_NICE:-} ]]; then
  echo "$AUTOGROUP_NICE" >/proc/self/autogroup || { echo "cannot set the autogroup nice" >&2; exit 1; }
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEK=${KEK_BIN:-$ROOT/build/core/kek}
LEVELS=${LEVELS:-"1 10 50 100 300"}
PUBLISHER=${PUBLISHER:-replay}
WARMUP=${WARMUP:-5}
WINDOW=${WINDOW:-20}
REPEATS=${REPEATS:-1}
LAT_TRIES=${LAT_TRIES:-3}
READY_TIMEOUT=${READY_TIMEOUT:-60}
BASE_WINDOW=${BASE_WINDOW:-10}
BASELINE_DEMO=${BASELINE_DEMO:-0}
read -r -a KEK_ENV_ARGS <<<"${KEK_ENV:-}"
NGINX_WORKERS=${NGINX_WORKERS:-1}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}
TEMPLATE_DIR=${KEK_TEMPLATE_DIR:-$ROOT/pipelines}
[[ -f $TEMPLATE_DIR/live.yaml ]] || { echo "no live.yaml in $TEMPLATE_DIR" >&2; exit 1; }
TEMPLATE_DIR=$(cd "$TEMPLATE_DIR" && pwd)
CACHE=${KEK_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kek-bench}
PY=(python3 "$ROOT/bench/lib/procmon.py")

BENCH_NAME=rtmp
source "$ROOT/bench/lib/common.sh"
source "$ROOT/bench/lib/nginx_rtmp.sh"
# A build copied aside as one folder: its plugins are those beside it.
[[ -z ${KEK_PLUGIN_DIR:-} && -n ${KEK_BIN:-} ]] && KEK_PLUGIN_DIR=$(plugin_dir_beside "$KEK_BIN")

# ---------------------------------------------------------------- dependencies
need_apt=()
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
nginx_rtmp_need
apt_install_missing "${need_apt[@]}"
[[ -x $KEK ]] || die "$KEK not found: build KEK first (scripts/dev.sh)"
[[ -f $NGINX_RTMP_MODULE ]] || die "$NGINX_RTMP_MODULE missing"

# ---------------------------------------------------------------- the clip (made once, cached)
CLIP=$CACHE/clip-720p30-3M-g60-aac128k-30s.flv
make_clip "$CLIP" 1280x720 30 3
CLIP_INFO=$(ffprobe -v error -show_entries format=duration,bit_rate -of default=nw=1 "$CLIP" | tr '\n' ' ')

publisher_cmd() { # url -> PUB (argv)
  PUB=(ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" -c copy -f flv "$1")
}

MAX_LEVEL=0
for n in $LEVELS; do ((n > MAX_LEVEL)) && MAX_LEVEL=$n; done

# ---------------------------------------------------------------- servers
# Each start_* sets SERVER_PID, PUBLISH_BASE (publish URL = base + key), and defines how to get
# stream i's key and playlist via SERVER_KIND.
start_kek() {
  local d=$TMP/kek-$1 keys="" i
  mkdir -p "$d/data"
  for ((i = 0; i < MAX_LEVEL; i++)); do keys+="\"s$i:k$i\", "; done
  for ((i = 0; i < LAT_TRIES; i++)); do keys+="\"lat$i:lk$i\", "; done
  cat >"$d/kek.yaml" <<EOF
data_dir: $d/data
database: $d/data/kek.db
media_dir: $d/data/media
http: {address: 127.0.0.1, port: $("${PY[@]}" free-port)}
shutdown_timeout_s: 5
template_dirs: [$TEMPLATE_DIR]
${KEK_PLUGIN_DIR:+plugin_dirs: [$KEK_PLUGIN_DIR]}
plugins:
  - name: hls
  - name: thumbnails
  - name: rtmp
    args: {address: 127.0.0.1, port: $("${PY[@]}" free-port), max_connections: $((MAX_LEVEL + LAT_TRIES + 16)), max_connections_per_address: $((MAX_LEVEL + LAT_TRIES + 16)), keys: [${keys%, }]}
EOF
  if [[ $BASELINE_DEMO == 1 ]]; then
    printf 'pipelines:\n  - {id: demo, template: demo, vars: {width: "320", height: "180"}}\n' >>"$d/kek.yaml"
  else
    echo 'pipelines: []' >>"$d/kek.yaml"
  fi
  (cd "$d" && exec env "${KEK_ENV_ARGS[@]}" "$KEK" serve --config "$d/kek.yaml") >"$d/kek.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  local deadline=$((SECONDS + 30)) line=""
  while ((SECONDS < deadline)); do
    line=$(grep -m1 '^KEK_READY' "$d/kek.log" || true)
    [[ -n $line ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "kek exited: $(tail -5 "$d/kek.log")"
    sleep 0.1
  done
  [[ -n $line ]] || die "kek not ready after 30 s: $(tail -5 "$d/kek.log")"
  PUBLISH_BASE=$(kv rtmp "$line")/
  SERVER_DIR=$d
  SERVER_KIND=kek
}

start_nginx() {
  nginx_rtmp_start "$TMP/nginx-$1" 2s 12s "" "$NGINX_WORKERS"
  SERVER_PID=$NGINX_PID
  PUBLISH_BASE=$NGINX_RTMP_URL
  SERVER_DIR=$TMP/nginx-$1
  SERVER_KIND=nginx
}

stream_key() { # prefix i -> the publish name
  if [[ $SERVER_KIND == kek ]]; then [[ $1 == s ]] && echo "k$2" || echo "lk$2"; else echo "$1$2"; fi
}
playlist() { # prefix i
  # KEK: the media playlist of the "source" variant (index.m3u8 beside it is the master).
  if [[ $SERVER_KIND == kek ]]; then echo "$SERVER_DIR/data/media/live/$1$2/source/index.m3u8"
  else echo "$SERVER_DIR/hls/$1$2/index.m3u8"; fi
}
stop_server() {
  # KEK: SIGINT = clean stop (EOS to pipelines, at most shutdown_timeout_s). nginx: fast stop.
  if [[ $SERVER_KIND == kek ]]; then SIG=INT stop_pids 15 "$SERVER_PID"; else stop_pids 10 "$SERVER_PID"; fi
}

# ---------------------------------------------------------------- one load level
RESULTS=$TMP/results.tsv
printf 'kind\tserver\tstreams\trep\tcpu_pct\trss_kb\trss_max_kb\tthreads\tidle_rss_kb\tidle_cpu_pct\tready\tfresh\talive\tmachine_busy_pct\tload1\tfirst_playlist_s\trss_med_kb\trss_min_kb\tpss_med_kb\tpd_med_kb\tidle_pss_kb\tidle_pd_kb\tsamples\n' >"$RESULTS"

run_load() { # server n rep
  local server=$1 n=$2 rep=$3 i pubs=() lists=() urls=() idle m ready fresh alive=0
  log "$server: $n stream(s), repeat $rep"
  "start_$server" "load-$n-$rep"
  # The baseline: the server as the level's run has it, settled, with 0 publishers.
  sleep "$WARMUP"
  idle=$("${PY[@]}" measure --pid "$SERVER_PID" --tree --window "$BASE_WINDOW")
  log "  baseline: $idle"
  for ((i = 0; i < n; i++)); do
    lists+=("$(playlist s "$i")")
    urls+=("$PUBLISH_BASE$(stream_key s "$i")")
    [[ $PUBLISHER == replay ]] && continue
    publisher_cmd "${urls[-1]}"
    "${PUB[@]}" >"$SERVER_DIR/pub-$i.log" 2>&1 &
    pubs+=($!)
    PIDS+=($!)
    sleep 0.05
  done
  if [[ $PUBLISHER == replay ]]; then
    # One process in a process group of its own (setsid), not the server's.
    setsid python3 "$ROOT/bench/lib/rtmp_publishers.py" --clip "$CLIP" --stagger 0.05 "${urls[@]}" \
      >"$SERVER_DIR/publishers.log" 2>&1 &
    pubs+=($!)
    PIDS+=($!)
    # Its own session is its own autogroup: the same weight as the servers'.
    [[ -n ${AUTOGROUP_NICE:-} ]] && { echo "$AUTOGROUP_NICE" >"/proc/${pubs[-1]}/autogroup" 2>/dev/null || true; }
  fi
  ready=$("${PY[@]}" wait-playlists --timeout "$((READY_TIMEOUT + n / 20))" "${lists[@]}")
  log "  $ready $(grep -m1 published= "$SERVER_DIR/publishers.log" 2>/dev/null || true)"
  sleep "$WARMUP"
  m=$("${PY[@]}" measure --pid "$SERVER_PID" --tree --window "$WINDOW")
  fresh=$("${PY[@]}" fresh-playlists --max-age 6 "${lists[@]}")
  if [[ $PUBLISHER == replay ]]; then
    kill -0 "${pubs[0]}" 2>/dev/null && alive=$(kv published "$(grep -m1 published= "$SERVER_DIR/publishers.log")")
  else
    for i in "${pubs[@]}"; do kill -0 "$i" 2>/dev/null && alive=$((alive + 1)); done
  fi
  log "  $m $fresh publishers_alive=$alive"
  stop_pids 10 "${pubs[@]}"
  stop_server
  # idle_rss_kb: the baseline's median (not one sample), as rss_med_kb is the level's.
  printf 'load\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$server" "$n" "$rep" \
    "$(kv cpu_pct "$m")" "$(kv rss_kb "$m")" "$(kv rss_max_kb "$m")" "$(kv threads "$m")" \
    "$(kv rss_med_kb "$idle")" "$(kv cpu_pct "$idle")" "$(kv ready "$ready")" "$(kv fresh "$fresh")" "$alive" \
    "$(kv machine_busy_pct "$m")" "$(kv load1 "$m")" \
    "$(kv rss_med_kb "$m")" "$(kv rss_min_kb "$m")" "$(kv pss_med_kb "$m")" "$(kv pd_med_kb "$m")" \
    "$(kv pss_med_kb "$idle")" "$(kv pd_med_kb "$idle")" "$(kv samples "$m")" >>"$RESULTS"
}

run_latency() { # server
  local server=$1 i r
  log "$server: time to first playlist, $LAT_TRIES tries"
  "start_$server" latency
  sleep 1
  for ((i = 0; i < LAT_TRIES; i++)); do
    publisher_cmd "$PUBLISH_BASE$(stream_key lat "$i")"
    r=$("${PY[@]}" first-playlist --playlist "$(playlist lat "$i")" --timeout 30 -- "${PUB[@]}")
    log "  try $i: $r"
    printf 'latency\t%s\t1\t%s\t\t\t\t\t\t\t\t\t\t\t\t%s\n' "$server" "$i" "$(kv first_playlist_s "$r")" >>"$RESULTS"
    sleep 1
  done
  stop_server
}

# ---------------------------------------------------------------- the run
DATE=$(date +%Y-%m-%d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "levels: $LEVELS, warm-up $WARMUP s, window $WINDOW s, repeats $REPEATS; temp: $TMP"
log "load average now: $LOAD_BEFORE on $(nproc) cores"

order=0
for n in $LEVELS; do
  for ((rep = 1; rep <= REPEATS; rep++)); do
    # Alternate which server goes first, so slow drifts in background load hit both alike.
    if ((order++ % 2 == 0)); then run_load kek "$n" "$rep"; run_load nginx "$n" "$rep"
    else run_load nginx "$n" "$rep"; run_load kek "$n" "$rep"; fi
  done
done
if ((LAT_TRIES > 0)); then run_latency kek; run_latency nginx; fi

# ---------------------------------------------------------------- report
META=$TMP/meta.tsv
# The exact line KEK ran for a stream (the live layout generates it from the loaded plugins), as
# `kek pipelines show` prints it for the config the benchmark served.
kek_config=$(ls "$TMP"/kek-*/kek.yaml 2>/dev/null | head -1)
launch=$([[ -n $kek_config ]] && "$KEK" pipelines show live --config "$kek_config" --set stream=s0 --set app=live 2>/dev/null | tail -1 || true)
[[ -n $launch ]] || launch="? (kek pipelines show failed)"
if [[ -n ${KEK_GIT_REV:-} ]]; then git_rev=$KEK_GIT_REV  # the commit KEK_BIN was built from, when not this tree
else
  git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
  [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^??' || true) ]] && git_rev+=" + uncommitted changes"
fi
{
  printf 'key\tvalue\n'
  printf 'date\t%s\n' "$DATE $(date +%H:%M)"
  printf 'cpu_model\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  printf 'nproc\t%s\n' "$(nproc)"
  printf 'mem\t%s\n' "$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  printf 'kernel\t%s\n' "$(uname -sr)"
  printf 'load_before\t%s\n' "$LOAD_BEFORE"
  printf 'tmp_fs\t%s\n' "$(df -T "$TMP" | awk 'NR==2 {print $2 " (" $7 ")"}')"
  printf 'kek_version\t%s\n' "$("$KEK" --version 2>&1 | head -1)"
  printf 'git\t%s\n' "$git_rev"
  printf 'nginx_version\t%s\n' "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  printf 'rtmp_module_version\t%s\n' "$(dpkg-query -W -f '${Version}' libnginx-mod-rtmp 2>/dev/null || echo '?')"
  printf 'ffmpeg_version\t%s\n' "$(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
  printf 'clip\t%s\n' "1280x720 30 fps H.264 High (libx264 veryfast, -g 60, yuv420p, 3 Mb/s) + AAC-LC 128k 48 kHz stereo, FLV; ffprobe: $CLIP_INFO"
  if [[ $PUBLISHER == replay ]]; then
    printf 'publisher\t%s\n' "bench/lib/rtmp_publishers.py: every stream of a level from one process (own process group), the clip's FLV tags replayed in real time in 4096-byte chunks, looped, as ffmpeg -re -stream_loop -1 -c copy sends them; the latency tries use ffmpeg -re -i clip.flv -c copy"
  else
    printf 'publisher\t%s\n' "ffmpeg -re -stream_loop -1 -i clip.flv -c copy -f flv rtmp://127.0.0.1:PORT/live/KEY"
  fi
  printf 'levels\t%s\n' "$LEVELS"
  printf 'warmup\t%s\n' "$WARMUP"
  printf 'window\t%s\n' "$WINDOW"
  printf 'repeats\t%s\n' "$REPEATS"
  printf 'ready_timeout\t%s\n' "$READY_TIMEOUT"
  printf 'nginx_workers\t%s\n' "$NGINX_WORKERS"
  printf 'kek_launch\t%s\n' "$launch"
  printf 'kek_templates\t%s\n' "$TEMPLATE_DIR"
  printf 'base_window\t%s\n' "$BASE_WINDOW"
  printf 'baseline_demo\t%s\n' "$BASELINE_DEMO"
  printf 'kek_env\t%s\n' "${KEK_ENV:-}"
  printf 'notes\t%s\n' "${BENCH_NOTES:-}${AUTOGROUP_NICE:+ (autogroup nice of the run: $AUTOGROUP_NICE)}"
} >"$META"

mkdir -p "$OUT_DIR"
BASE=$OUT_DIR/rtmp_ingest-$DATE${RESULT_TAG:+-$RESULT_TAG}
cp "$RESULTS" "$BASE.tsv"
"${PY[@]}" render "$RESULTS" "$META" "$BASE.md"
log "wrote $BASE.md and $BASE.tsv"
