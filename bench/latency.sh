#!/usr/bin/env bash
# Glass-to-glass latency: KEK's live paths beside nginx-rtmp + hls.js, in one run, in Chromium.
#
# A real-time publisher (bench/latency/publisher.py: ffmpeg, libx264 zerolatency) burns the wall
# clock into every frame (bench/latency/stamp.cjs: 40 black/white blocks, ms mod 2^32 + CRC-8);
# Debian's Chromium (playwright-core, bench/latency/reader.mjs) plays the stream and on every
# presented frame reads the stamp back from a canvas: latency = when the frame is shown - stamp.
# p50/p95 over TRIES player sessions of WINDOW s each, after WARMUP s of playing (where a player
# joins a live stream varies from one session to the next); a path whose stamps do not read right
# is discarded.
#
#   bash bench/latency.sh                      # every path, keyframes every 1 s and 2 s, ~15 min
#   PATHS="nginx-hls kek-hls" GOPS=1 bash bench/latency.sh
#
# Paths (a path whose server side is not built is reported "not available"):
#   nginx-hls      RTMP -> nginx-rtmp HLS (hls_fragment = KEK's segment_s) -> hls.js
#   kek-hls        RTMP -> KEK, template `live` (app live) -> hls.js
#   kek-srt-hls    SRT -> KEK (srt plugin), template `live` -> hls.js
#   kek-llhls      RTMP -> KEK, template `live-ll` (app ll) -> hls.js lowLatencyMode
#   kek-srt-llhls  SRT -> KEK, template `live-ll` -> hls.js lowLatencyMode
#   kek-srt-llhls-tsmux  the same with ffmpeg's MPEG-TS muxer as it comes (AAC packed ~0.35 s per
#                  PES; the SRT paths above send every frame in its own PES at once)
#   kek-whep       RTMP -> KEK, app live -> WHEP (POST /api/whep/<stream>) -> RTCPeerConnection
#   kek-whip-whep  WHIP (a Chromium page publishing a stamped canvas, H.264 + Opus) -> KEK -> WHEP
#   webrtc-loopback  the same canvas sender straight into a receiving RTCPeerConnection in the page:
#                  no server, the floor of any WebRTC path on this machine
#
# Environment: PATHS (all of the above), GOPS ("1 2": keyframe interval of the publisher, s),
# WARMUP (8), WINDOW (6), TRIES (5), STREAM_WARMUP (12: s between the publish and the first HLS
# player), FPS (30), SIZE (640x360), BITRATE (1M), SEGMENT_S (2: KEK's segment_s
# and nginx's hls_fragment), START_TIMEOUT (60), KEK_BIN (build/core/kek), NODE_MODULES
# (webui/node_modules: playwright-core, hls.js), SRT_LATENCY_MS (120, libsrt's default: the srt plugin's latency_ms and ffmpeg's latency=, in us), OUT_DIR (bench/results), RESULT_TAG (suffix of
# the result files, e.g. busy), KEEP_TMP (1: keep logs and every frame's samples), BENCH_NOTES.
# AUTOGROUP_NICE (unset; -20..19: the run in a session of its own whose autogroup gets this nice,
# the weight of the run against the machine's other sessions on a busy shared machine, as
# bench/live_ladder.sh does; the report says so).
# Everything listens on 127.0.0.1; every child is stopped on exit.
set -euo pipefail

if [[ -n ${AUTOGROUP_NICE:-} && -z ${KEK_LATENCY_SESSION:-} ]]; then
  KEK_LATENCY_SESSION=1 exec setsid --wait bash "$0" "$@"
fi
if [[ -n ${AUTOGROUP_NICE:-} ]]; then
  echo "$AUTOGROUP_NICE" >/proc/self/autogroup || { echo "cannot set the autogroup nice" >&2; exit 1; }
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEK=${KEK_BIN:-$ROOT/build/core/kek}
PLUGINS=$(cd "$(dirname "$KEK")/.." 2>/dev/null && pwd)/plugins
ALL_PATHS="nginx-hls kek-hls kek-srt-hls kek-llhls kek-srt-llhls kek-srt-llhls-tsmux kek-whep kek-whip-whep webrtc-loopback"
PATHS=${PATHS:-$ALL_PATHS}
GOPS=${GOPS:-"1 2"}
WARMUP=${WARMUP:-8}
WINDOW=${WINDOW:-6}
TRIES=${TRIES:-5}
STREAM_WARMUP=${STREAM_WARMUP:-12}
FPS=${FPS:-30}
SIZE=${SIZE:-640x360}
BITRATE=${BITRATE:-1M}
SEGMENT_S=${SEGMENT_S:-2}
START_TIMEOUT=${START_TIMEOUT:-60}
SRT_LATENCY_MS=${SRT_LATENCY_MS:-120}
NODE_MODULES=${NODE_MODULES:-$ROOT/webui/node_modules}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}
L=$ROOT/bench/latency

BENCH_NAME=latency
source "$ROOT/bench/lib/common.sh"
source "$ROOT/bench/lib/nginx_rtmp.sh"

# ---------------------------------------------------------------- dependencies
need_apt=()
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v node >/dev/null || need_apt+=(nodejs)
nginx_rtmp_need
apt_install_missing "${need_apt[@]}"
[[ -x $KEK ]] || die "$KEK not found: build KEK first (scripts/dev.sh)"
for m in playwright-core hls.js; do
  [[ -d $NODE_MODULES/$m ]] || die "$NODE_MODULES/$m missing: cd webui && npm ci (or NODE_MODULES=...)"
done
node "$L/stamp_check.mjs" >&2 || die "the stamp does not survive the codec: nothing to measure"

# ---------------------------------------------------------------- what is available
has_plugin() { [[ -f $PLUGINS/$1/libkek$1.so ]]; }
WEBRTC_PLUGIN=""
for p in webrtc whep; do has_plugin "$p" && { WEBRTC_PLUGIN=$p; break; }; done
has_plugin whip && [[ $WEBRTC_PLUGIN == whep ]] && WEBRTC_PLUGIN="whep whip"
# LL-HLS is the `llhls` layout output, registered by the dash plugin (one CMAF packaging for
# DASH and LL-HLS), and the `live-ll` template that asks for it: the template and the plugin
# must be there, and kek must accept the layout (checked once kek has its config: LL_WHY).
LL_TEMPLATE=0
[[ -f $ROOT/pipelines/live-ll.yaml ]] && has_plugin dash && LL_TEMPLATE=1
LL_WHY=""
unavailable() { # path -> why it cannot run here ("" when it can)
  case $1 in
    nginx-hls | kek-hls | webrtc-loopback) ;;
    kek-srt-hls) has_plugin srt || echo "no srt plugin in $PLUGINS" ;;
    kek-llhls | kek-srt-llhls | kek-srt-llhls-tsmux)
      [[ -f $ROOT/pipelines/live-ll.yaml ]] || { echo "no live-ll template in pipelines/"; return; }
      has_plugin dash || { echo "no dash plugin (the llhls output) in $PLUGINS"; return; }
      [[ -z $LL_WHY ]] || { echo "$LL_WHY"; return; }
      [[ $1 == kek-srt-* ]] && ! has_plugin srt && echo "no srt plugin in $PLUGINS" ;;
    kek-whep) [[ -n $WEBRTC_PLUGIN ]] || echo "no webrtc plugin in $PLUGINS" ;;
    kek-whip-whep)
      [[ -n $WEBRTC_PLUGIN ]] || { echo "no webrtc plugin in $PLUGINS"; return; }
      # A WHIP endpoint answers an empty offer with 4xx, but not 404 (no such route).
      local code
      code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/sdp' -H "Origin: $KEK_HTTP" \
        --data-binary x "$KEK_HTTP/api/whip/live" || true)
      [[ $code == 404 || $code == 000 ]] && echo "POST /api/whip/live answers $code: no WHIP in this build" ;;
    *) echo "unknown path" ;;
  esac
  return 0 # (a last `[[ ]] && echo` that did not echo must not fail the caller under set -e)
}

# ---------------------------------------------------------------- servers
stream_of() { echo "${1//-/}g${2//./}"; }   # path gop -> stream name (key: k + name)
KEK_HTTP="" KEK_RTMP="" KEK_SRT=""
start_kek() {
  local d=$TMP/kek keys="" p g extra=""
  mkdir -p "$d/data"
  for p in $PATHS; do for g in $GOPS; do keys+="\"$(stream_of "$p" "$g"):k$(stream_of "$p" "$g")\", "; done; done
  has_plugin srt && extra+="
  - name: srt
    args: {address: 127.0.0.1, port: 0, latency_ms: $SRT_LATENCY_MS}"
  ((LL_TEMPLATE)) && extra+="
  - name: dash"
  for p in $WEBRTC_PLUGIN; do extra+="
  - name: $p"; done
  cat >"$d/kek.yaml" <<CONF
data_dir: $d/data
database: $d/data/kek.db
media_dir: $d/data/media
http: {address: 127.0.0.1, port: $(python3 "$ROOT/bench/lib/procmon.py" free-port)}
shutdown_timeout_s: 5
plugins:
  - name: hls
  - name: rtmp
    args: {address: 127.0.0.1, port: $(python3 "$ROOT/bench/lib/procmon.py" free-port), apps: {live: live$( ((LL_TEMPLATE)) && echo ", ll: live-ll")}, keys: [${keys%, }]}$extra
pipelines: []
CONF
  sed -i "s/segment_s: \"2\"/segment_s: \"$SEGMENT_S\"/" "$d/kek.yaml"
  # kekdashsink logs when each LL-HLS part is on disk and the srt remuxer when each frame leaves it
  # (wall clock): bench/latency/parts.py.
  (cd "$d" && GST_DEBUG=${GST_DEBUG:+$GST_DEBUG,}kekdashsink:5,keksrtremux:6 GST_DEBUG_NO_COLOR=1 exec "$KEK" serve --config "$d/kek.yaml") >"$d/kek.log" 2>&1 &
  KEK_PID=$!
  PIDS+=("$KEK_PID")
  local line
  line=$(wait_line "$d/kek.log" '^KEK_READY' "$KEK_PID" 30) || die "kek not ready after 30 s: $(tail -5 "$d/kek.log")"
  KEK_HTTP=$(kv http "$line")
  KEK_HTTP=${KEK_HTTP%/}
  # The line names one rtmp= URL per app (live, then ll): the paths below want app live.
  KEK_RTMP=$(grep -o 'rtmp=[^ ]*/live\b' <<<"$line" | head -1 | cut -d= -f2-)
  KEK_SRT=$(kv srt "$line")
  log "kek: $line"
  # The live-ll layout must resolve (its outputs registered, its variables known), as a publish to
  # app ll would: otherwise the LL paths are not available, with kek's reason.
  if ((LL_TEMPLATE)); then
    local shown
    shown=$("$KEK" pipelines show live-ll --config "$d/kek.yaml" --set stream=s --set app=ll 2>&1) ||
      LL_WHY="kek pipelines show live-ll: $(tail -1 <<<"$shown" | tr -d '"\\' | cut -c1-160)"
  fi
}

# ---------------------------------------------------------------- one path
RESULTS=$TMP/results.jsonl
: >"$RESULTS"
record() { # json-fields... : one line of results.jsonl
  local IFS=,
  echo "{$*}" >>"$RESULTS"
}

run_path() { # path gop
  local path=$1 gop=$2 why stream origin src mode wait url="" pub="" out extra=()
  why=$(unavailable "$path")
  if [[ -n $why ]]; then
    log "$path (keyframe every $gop s): not available: $why"
    record "\"path\":\"$path\"" "\"gop_s\":$gop" "\"available\":false" "\"reason\":\"$why\""
    return
  fi
  stream=$(stream_of "$path" "$gop")
  case $path in
    nginx-hls) origin=http://127.0.0.1:$NGINX_HTTP_PORT; src=/hls/$stream/index.m3u8; mode=hls; url=$NGINX_RTMP_URL$stream ;;
    kek-hls) origin=$KEK_HTTP; src=/media/live/$stream/index.m3u8; mode=hls; url=$KEK_RTMP/k$stream ;;
    kek-srt-hls) origin=$KEK_HTTP; src=/media/live/$stream/index.m3u8; mode=hls; url="$KEK_SRT?latency=$((SRT_LATENCY_MS * 1000))&streamid=#!::r=live/k$stream,m=publish" ;;
    kek-llhls) origin=$KEK_HTTP; src=/media/ll/$stream/index.m3u8; mode=llhls; url=${KEK_RTMP%/live}/ll/k$stream ;;
    kek-srt-llhls | kek-srt-llhls-tsmux) origin=$KEK_HTTP; src=/media/ll/$stream/index.m3u8; mode=llhls; url="$KEK_SRT?latency=$((SRT_LATENCY_MS * 1000))&streamid=#!::r=ll/k$stream,m=publish" ;;
    kek-whep) origin=$KEK_HTTP; src=/api/whep/$stream; mode=whep; url=$KEK_RTMP/k$stream ;;
    kek-whip-whep) origin=$KEK_HTTP; src=/api/whep/$stream; mode=whip-whep; extra=(--whip /api/whip/live --whip-key "k$stream") ;;
    webrtc-loopback) origin=$KEK_HTTP; src=/; mode=loopback ;;
  esac
  # The reader starts the player once this answers 200 (WHEP: once the stream's HLS exists).
  case $path in nginx-hls | *-hls | *-llhls | *-llhls-tsmux) wait=$src ;; webrtc-loopback) wait="" ;; *) wait=/media/live/$stream/index.m3u8 ;; esac
  log "$path (keyframe every $gop s): $mode of $origin$src"
  if [[ -n $url ]]; then
    local ts_mux=low-delay
    [[ $path == *-tsmux ]] && ts_mux=ffmpeg-default
    python3 "$L/publisher.py" --url "$url" --size "$SIZE" --fps "$FPS" --gop-s "$gop" --bitrate "$BITRATE" --ts-mux "$ts_mux" \
      >"$TMP/pub-$path-$gop.log" 2>&1 &
    pub=$!
    PIDS+=("$pub")
    # Viewers join a stream that has been live for a while (a full playlist), not its first
    # segment: the player's start position, and so its latency, depends on it.
    [[ $mode == *hls ]] && sleep "$STREAM_WARMUP"
  fi
  out=$(node "$L/reader.mjs" --node-modules "$NODE_MODULES" --origin "$origin" --mode "$mode" --src "$src" \
    ${wait:+--wait-url "$wait"} \
    --warmup "$WARMUP" --window "$WINDOW" --tries "$TRIES" --fps "$FPS" --size "$SIZE" --start-timeout "$START_TIMEOUT" \
    --samples "$TMP/samples-$path-$gop.tsv" --trace "$TMP/trace-$path-$gop.jsonl" "${extra[@]}" 2>"$TMP/reader-$path-$gop.log" | tail -1 || true)
  [[ $out == \{* ]] || out="{\"valid\":false,\"reason\":\"reader failed: $(tail -1 "$TMP/reader-$path-$gop.log" | tr -d '"\\' | cut -c1-200)\"}"
  [[ -n $pub ]] && stop_pids 10 "$pub"
  kill -0 "$KEK_PID" 2>/dev/null || die "kek died during $path: $(tail -5 "$TMP/kek/kek.log")"
  log "  $out"
  record "\"path\":\"$path\"" "\"gop_s\":$gop" "\"available\":true" "\"result\":$out"
  sleep 2
}

# ---------------------------------------------------------------- the run
DATE=$(date +%Y-%m-%d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "paths: $PATHS; keyframe intervals: $GOPS s; warm-up $WARMUP s, window $WINDOW s; temp: $TMP"
log "load average now: $LOAD_BEFORE on $(nproc) cores"
start_kek
NGINX_HTTP_PORT=$(python3 "$ROOT/bench/lib/procmon.py" free-port)
nginx_rtmp_start "$TMP/nginx" "${SEGMENT_S}s" "$((SEGMENT_S * 6))s" "$NGINX_HTTP_PORT"

order=0
for gop in $GOPS; do
  list=$PATHS
  # nginx and KEK's plain HLS back to back, which one first alternating, so drifting load hits both.
  if ((order++ % 2)) && [[ " $list " == *" nginx-hls "* && " $list " == *" kek-hls "* ]]; then
    list=$(sed 's/\bnginx-hls\b/@/; s/\bkek-hls\b/nginx-hls/; s/@/kek-hls/' <<<"$list")
  fi
  for path in $list; do run_path "$path" "$gop"; done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^??' || true) ]] && git_rev+=" + uncommitted changes"
META=$TMP/meta.json
node -e 'const [k, ...v] = process.argv.slice(1); const o = {}; for (let i = 0; i < k.split(",").length; i++) o[k.split(",")[i]] = v[i]; console.log(JSON.stringify(o))' \
  "date,cpu,nproc,load_before,load_after,git,kek_version,nginx_version,rtmp_module,ffmpeg,chromium,hlsjs,size,fps,bitrate,segment_s,warmup,window,tries,notes,srt_latency_ms,launch_live,launch_ll" \
  "$DATE $(date +%H:%M) UTC" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" "$(nproc)" "$LOAD_BEFORE" "$LOAD_AFTER" \
  "$git_rev" "$("$KEK" --version 2>&1 | head -1)" "$(nginx -v 2>&1 | sed 's/^nginx version: //')" \
  "$(dpkg-query -W -f '${Version}' libnginx-mod-rtmp 2>/dev/null || echo '?')" "$(ffmpeg -version | head -1 | cut -d' ' -f1-3)" \
  "$(chromium --version 2>/dev/null | head -1)" "$(node -p "require('$NODE_MODULES/hls.js/package.json').version")" \
  "$SIZE" "$FPS" "$BITRATE" "$SEGMENT_S" "$WARMUP" "$WINDOW" "$TRIES" "${BENCH_NOTES:-}${AUTOGROUP_NICE:+${BENCH_NOTES:+ }The run in a session of its own with autogroup nice $AUTOGROUP_NICE (other sessions at 0).}" "$SRT_LATENCY_MS" \
  "$("$KEK" pipelines show live --config "$TMP/kek/kek.yaml" --set stream=s --set app=live 2>/dev/null | tail -1 || true)" \
  "$( ((LL_TEMPLATE)) && "$KEK" pipelines show live-ll --config "$TMP/kek/kek.yaml" --set stream=s --set app=ll 2>/dev/null | tail -1 || true)" >"$META"
mkdir -p "$OUT_DIR"
BASE=$OUT_DIR/latency-$DATE${RESULT_TAG:+-$RESULT_TAG}
node "$L/report.mjs" "$RESULTS" "$META" "$BASE"
if parts=$(python3 "$L/parts.py" "$TMP") && [[ $(wc -l <<<"$parts") -gt 2 ]]; then
  printf '\n## When KEK writes the LL-HLS parts\n\n%s\n\n%s\n' \
    "Late = the wall clock when a part is on disk minus the stamp of its first frame (bench/latency/parts.py, kekdashsink's log): the encoder, the transport, KEK's remux and the part's own length, before any player; from the third segment of each publish on." \
    "$parts" >>"$BASE.md"
fi
# The hls.js sessions' stalls (bench/latency/stalls.mjs over reader.mjs's player traces).
traces=()
for f in "$TMP"/trace-*.jsonl; do [[ -s $f ]] && traces+=("$(basename "$f" .jsonl | sed 's/^trace-//')=$f"); done
if ((${#traces[@]})) && st=$(node "$L/stalls.mjs" "${traces[@]}") && [[ -n $st ]]; then
  printf '\n## Where the players stalled\n\n%s\n\n%s\n' \
    "Each hls.js session's stalls (the <video>'s 'waiting' until 'playing' after its first frame; the wait before it is its own column; bench/latency/stalls.mjs over the page's trace): when, in s after the session's first frame, which track's SourceBuffer held under 0.1 s ahead of the playhead, how much each held, the part appended last per track (sn.part to its end, media s), and what hls.js did (stall reported: +liveSyncOnStallIncrease to its target; nudge; hole skipped). The target latency is hls.js's at the session's end (PART-HOLD-BACK, 1.5 s, + 1 s per reported stall, at most one target duration)." \
    "$st" >>"$BASE.md"
fi
log "wrote $BASE.md and $BASE.tsv"
