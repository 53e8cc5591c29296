#!/usr/bin/env bash
# History heartbeats benchmark: how many player heartbeats a real `kek serve` takes, and how
# fast it answers them, beside the same load on /api/health and on nginx.
#
# 64 concurrent clients (wrk, 2 threads, keep-alive) over loopback. Four loads, one after the
# other, each for WINDOW s after a WARMUP:
#   heartbeats   PUT /api/me/history/{film} as USERS signed-in viewers (round-robin), each
#                report with a newer sent_at: every one is queued for the history writer thread
#                and answered 202 at once; the writer commits what queued up in one transaction
#   signed-in    GET /api/me/history/settings as the same viewers (the HTTP stack plus the session
#                lookup every signed-in request pays: the heartbeat's cost less history's own work)
#   health       GET /api/health on the same kek (the HTTP stack and main loop alone)
#   nginx        the same GETs against nginx (1 worker, `return 202`): the machine's loopback
#                HTTP ceiling with this client
# During the heartbeats, a probe GETs /api/health every 20 ms on its own connection, and the main
# thread's state is sampled from /proc (running, in poll, or blocked elsewhere: a write blocking
# the loop would show there; strace counts its system calls in the warm-up). Afterwards every
# viewer's entry must be there with a sent_at of this run, and kek's log says how many
# heartbeats shared a commit.
#
#   bash bench/history_heartbeats.sh                      # 64 clients, 5 s warm-up, 20 s windows
#   CONNECTIONS=16 WINDOW=10 bash bench/history_heartbeats.sh
#
# Environment: CONNECTIONS (64), THREADS (2, wrk's), USERS (64), WARMUP (5), WINDOW (20),
# KEK_BIN (build/core/kek), OUT_DIR (bench/results), RESULT_TAG, KEEP_TMP (1: keep the temp
# folder), BENCH_NOTES, PERF (1: perf record kek during the heartbeats into <result>-perf.txt).
# Installs wrk, nginx and ffmpeg with apt-get when missing (needs root).
# Everything listens on 127.0.0.1 only; every child is killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
USERS=${USERS:-64}
WARMUP=${WARMUP:-5}
WINDOW=${WINDOW:-20}
LUA=$ROOT/bench/lib/history_heartbeat.lua
PY=(python3 "$ROOT/bench/lib/procmon.py")
HB=(python3 "$ROOT/bench/lib/history_bench.py")
ADMIN_PASSWORD=bench-admin-password-long

BENCH_NAME=history
source "$ROOT/bench/lib/common.sh"

need_commands wrk nginx ffmpeg strace
need_kek

# ---------------------------------------------------------------- a 10-minute film to watch
mkdir -p "$TMP/films" "$TMP/kek/data"
log "making a 10 min film (160x90, 1 fps)"
timeout 300 ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i "testsrc=size=160x90:rate=1" \
  -f lavfi -i "sine=frequency=440" -t 600 -c:v libx264 -preset ultrafast -g 10 -pix_fmt yuv420p \
  -c:a aac -b:a 32k "$TMP/films/Bench Film.mp4"

# ---------------------------------------------------------------- kek
cat >"$TMP/kek/kek.yaml" <<YAML
$(kek_paths "$TMP/kek")
http: {address: 127.0.0.1, port: $("${PY[@]}" free-port), max_connections_per_address: 100000}   # the load clients share one address
shutdown_timeout_s: 10
plugins:
  - {name: auth, args: {registrations_per_address: 100000}}
  - {name: library, args: {folders: [{path: "$TMP/films", owner: admin}], scan_interval_s: 0}}
  - {name: history, args: {heartbeats_per_minute: 100000000, heartbeat_burst: 100000000}}
pipelines: []
YAML
KEK_READY_TIMEOUT=60 start_kek "$TMP/kek" KEK_ADMIN_PASSWORD="$ADMIN_PASSWORD"
URL=$(kv http "$KEK_READY_LINE")
log "kek at $URL; signing up $USERS viewers"
setup=$("${HB[@]}" setup "$URL" "$ADMIN_PASSWORD" "$USERS" "$TMP/users.txt")
ITEM=$(kv item "$setup")
DURATION=$(kv duration_s "$setup")

# ---------------------------------------------------------------- nginx (the reference)
NGINX_PORT=$("${PY[@]}" free-port)
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
$( ((EUID == 0)) && echo "user root;")
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { default_type application/json; return 202 '{"recorded":true}'; }
  }
}
CONF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
  sleep 0.1
done

# ---------------------------------------------------------------- the loads
# run_load NAME PID URL ARGS...: warm-up, then WINDOW s of wrk while measuring PID's CPU.
declare -A RESULT CPU BUSY
run_load() {
  local name=$1 pid=$2 url=$3; shift 3
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$LUA" "$url" -- "$@" >/dev/null
  "${PY[@]}" measure --pid "$pid" --tree --window "$WINDOW" >"$TMP/$name.cpu" &
  local mon=$!
  RESULT[$name]=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WINDOW}s" --timeout 10s -s "$LUA" "$url" -- "$@" | tail -1)
  wait "$mon"
  local m; m=$(cat "$TMP/$name.cpu")
  CPU[$name]=$(kv cpu_pct "$m")
  BUSY[$name]=$(kv machine_busy_pct "$m")
  log "$name: ${RESULT[$name]} cpu=${CPU[$name]}% machine_busy=${BUSY[$name]}%"
}

IDLE_PROBE=$("${HB[@]}" probe "$URL" 5)
log "idle probe: $IDLE_PROBE"
LOAD1=$(cut -d' ' -f1 /proc/loadavg)

BASE_MS=$(($(date +%s%3N)))
"${HB[@]}" probe "$URL" $((WARMUP + WINDOW)) >"$TMP/probe.txt" &
PROBE_PID=$!
# What the main thread (the pid's first thread: the event loop) does in the heartbeats' warm-up:
# a write blocking it would show as fsync/fdatasync or SQLite's lock sleeps (nanosleep).
# (strace slows what it traces, so it watches the warm-up, never the measured window.)
STRACE_SECONDS=$((WARMUP - 2))
if ((STRACE_SECONDS >= 1)); then
  (sleep 1; timeout "$STRACE_SECONDS" strace -c -p "$KEK_PID" \
    -e trace=fsync,fdatasync,nanosleep,clock_nanosleep,pwrite64,pread64,fcntl,futex,write 2>"$TMP/strace.txt" >/dev/null || true) &
  STRACE_PID=$!
fi
if [[ ${PERF:-0} == 1 ]]; then
  (sleep "$WARMUP"; perf record -q -g -p "$KEK_PID" -o "$TMP/perf.data" -- sleep "$WINDOW" >/dev/null 2>&1) &
  PERF_PID=$!
fi
(sleep "$WARMUP"; exec "${HB[@]}" mainloop "$KEK_PID" "$WINDOW") >"$TMP/mainloop.txt" &
MAINLOOP_PID=$!
run_load heartbeats "$KEK_PID" "$URL" heartbeat "$TMP/users.txt" "$ITEM" "$DURATION" "$BASE_MS" "$THREADS"
wait "$PROBE_PID"
wait "$MAINLOOP_PID" || true
MAINLOOP=$(cat "$TMP/mainloop.txt")
log "main thread during the heartbeats: $MAINLOOP"
MAIN_SYSCALLS="not traced (WARMUP < 3)"
if [[ -n ${STRACE_PID:-} ]]; then
  wait "$STRACE_PID" || true
  # strace -c's table: "% time seconds usecs/call calls [errors] syscall".
  MAIN_SYSCALLS=$(awk '$NF ~ /^(fsync|fdatasync|nanosleep|clock_nanosleep|pwrite64|pread64|fcntl|futex|write)$/ {
      n[$NF] = $4 } END { split("fsync fdatasync nanosleep clock_nanosleep pwrite64 pread64 fcntl futex write", k, " ");
      for (i = 1; i in k; i++) printf "%s%s=%d", (i > 1 ? " " : ""), k[i], n[k[i]] }' "$TMP/strace.txt")
  log "main thread in ${STRACE_SECONDS} s of heartbeats: $MAIN_SYSCALLS"
fi
LOAD_PROBE=$(cat "$TMP/probe.txt")
log "probe under heartbeats: $LOAD_PROBE"
CHECK=$("${HB[@]}" check "$URL" "$TMP/users.txt" "$ITEM" "$BASE_MS")
log "check: $CHECK"
run_load health "$KEK_PID" "$URL" get /api/health
run_load signed-in "$KEK_PID" "$URL" signed-in-get /api/me/history/settings "$TMP/users.txt" "$THREADS"
run_load nginx "$NGINX_PID" "http://127.0.0.1:$NGINX_PORT" get /

SIG=TERM stop_pids 20 "$KEK_PID"
COMMITS=$(grep -m1 'heartbeats written in' "$TMP/kek/kek.log" | sed 's/.*history: //' || true)
log "kek: $COMMITS"

# ---------------------------------------------------------------- the report
mkdir -p "$OUT_DIR"
STAMP=$(date +%Y-%m-%d)
BASE=$OUT_DIR/history_heartbeats-$STAMP${RESULT_TAG:+-$RESULT_TAG}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
{
  printf 'load\trps\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tnon2xx\tsocket_errors\tserver_cpu_pct\tcpu_us_per_req\tmachine_busy_pct\n'
  for n in heartbeats signed-in health nginx; do
    r=${RESULT[$n]}
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$(kv rps "$r")" "$(kv p50_ms "$r")" "$(kv p90_ms "$r")" \
      "$(kv p99_ms "$r")" "$(kv max_ms "$r")" "$(kv non2xx "$r")" "$(kv socket_errors "$r")" "${CPU[$n]}" \
      "$(awk -v c="${CPU[$n]}" -v r="$(kv rps "$r")" 'BEGIN { if (r > 0) printf "%.1f", c * 1e4 / r; else print "n/a" }')" "${BUSY[$n]}"
  done
} >"$BASE.tsv"
hb=${RESULT[heartbeats]} he=${RESULT[health]} ng=${RESULT[nginx]}
{
  echo "# History heartbeats, $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  echo "$CONNECTIONS concurrent keep-alive clients (wrk, $THREADS threads) over loopback, ${WARMUP} s warm-up,"
  echo "${WINDOW} s window per load; $USERS signed-in viewers of one ${DURATION} s film. $("$KEK" version 2>/dev/null | head -1),"
  echo "$(nproc) cores, load average $LOAD1 before the run. Server CPU in % of one core."
  echo
  echo "| load | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | socket errors | server CPU % | CPU µs/req | machine busy % |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  tail -n +2 "$BASE.tsv" | while IFS=$'\t' read -r n rps p50 p90 p99 max bad err cpu us busy; do
    echo "| $n | $rps | $p50 | $p90 | $p99 | $max | $bad | $err | $cpu | $us | $busy |"
  done
  echo
  echo "- heartbeats/s vs /api/health req/s on the same kek: $(ratio "$(kv rps "$hb")" "$(kv rps "$he")")"
  echo "- heartbeats/s vs nginx \`return 202\` req/s: $(ratio "$(kv rps "$hb")" "$(kv rps "$ng")")"
  echo "- heartbeat p99 vs /api/health p99: $(ratio "$(kv p99_ms "$hb")" "$(kv p99_ms "$he")")"
  us() { awk -F'\t' -v n="$1" '$1 == n { print $10 }' "$BASE.tsv"; }
  echo "- server CPU per request (robust to how much CPU the server got): heartbeat vs /api/health"
  echo "  $(ratio "$(us heartbeats)" "$(us health)"), heartbeat vs a signed-in GET $(ratio "$(us heartbeats)" "$(us signed-in)"),"
  echo "  heartbeat vs nginx $(ratio "$(us heartbeats)" "$(us nginx)")"
  echo "- the /api/health probe (one GET every 20 ms, own connection): idle $IDLE_PROBE;"
  echo "  during the heartbeats $LOAD_PROBE"
  echo "- after the heartbeats: $CHECK (every viewer's entry with a sent_at of this run)"
  echo "- writer thread: ${COMMITS:-no counters line in kek.log}"
  echo "- the main thread during the heartbeats window, sampled every 10 ms from /proc: $MAINLOOP"
  echo "  (running, waiting in poll for the next request, or blocked in anything else: a lock, a sleep, the disk)"
  echo "- the main thread's system calls in ${STRACE_SECONDS} s of the heartbeats' warm-up (strace -c): $MAIN_SYSCALLS"
  echo "  (SQLite's writes are pwrite64 and fsync/fdatasync; its lock waits nanosleep: the main thread's"
  echo "  fcntl/pread64 are the session lookups' reads, write the HTTP answers and the request log)"
  echo "- goal (issue 11): 5,000 heartbeats/s with p99 < 20 ms on 2 cores"
  echo
  echo "## Notes"
  echo
  echo "wrk runs on the same 2 cores as the server, so every server here shares them with its"
  echo "client; \`machine busy %\` (all cores, in % of one core) near $(($(nproc) * 100)) means saturated."
  echo "The machine is shared with other engineers' builds and tests: compare the rows of this"
  echo "report with each other, not with another report. With Linux's autogroup scheduling everything"
  echo "this script starts shares one CPU share against the other sessions, so PERF=1 (perf record -g"
  echo "during the heartbeats) takes from kek's share: a PERF run's heartbeats row is not comparable"
  echo "with its other rows. ${BENCH_NOTES:-}"
} >"$BASE.md"
if [[ ${PERF:-0} == 1 ]]; then
  wait "$PERF_PID" || true
  { echo "# perf of kek during the heartbeats window: CPU by thread, then the main thread's hottest symbols"
    perf report -i "$TMP/perf.data" --stdio --no-children --sort comm -g none 2>/dev/null | grep -v '^$' | grep -v '^#' | head -10
    perf report -i "$TMP/perf.data" --stdio --no-children --comm kek --sort dso,symbol -g none 2>/dev/null |
      grep -v "^$" | grep -v "^#" | sed 's/[ -]*$//' | head -40
  } >"$BASE-perf.txt"
  log "wrote $BASE-perf.txt"
fi
cat "$BASE.md"
log "wrote $BASE.md and $BASE.tsv"
