#!/usr/bin/env bash
# HTTP serving benchmark: KEK's /media/ vs nginx serving the same folder, side by side in one run.
#
# One folder of live media, as a stream leaves it: a 750 KB segment, a 1.2 KB playlist, a private
# stream's playlist (KEK: a private stream key's folder, fetched with the owner's session cookie;
# nginx: the same file behind a check of the same cookie), and 1,000 distinct 750 KB segments
# fetched round-robin (every request another file). For each, wrk -t THREADS -c CONNECTIONS over
# keep-alive loopback, a warm-up, then a window: req/s, p50/p90/p99/max latency, the server's CPU
# and the whole machine's, and KEK/nginx ratios; for KEK, how many /media/ answers the fast path
# gave from the page cache, after a read on a reader thread, and libsoup (from its /metrics).
#
#   bash bench/http_serve.sh
#   WINDOW=10 CONNECTIONS=32 bash bench/http_serve.sh
#
# Environment: LOADS (which of one-segment playlist private segments: all), THREADS (2),
# CONNECTIONS (64), WARMUP (3), WINDOW (15), REPEATS (1), NGINX_WORKERS
# (1: KEK is one process with one HTTP loop), KEK_BIN (build/core/kek), KEK_PLUGIN_DIR (where that
# kek finds its plugins, for comparing an older build: default its own), OUT_DIR (bench/results),
# RESULT_TAG (suffix of the result files), KEEP_TMP (1: keep the temp folder), BENCH_NOTES (text for
# the report's Notes). Installs wrk and nginx with apt-get when missing (needs root). Everything
# listens on 127.0.0.1 only; every child is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEK=${KEK_BIN:-$ROOT/build/core/kek}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-3}
WINDOW=${WINDOW:-15}
REPEATS=${REPEATS:-1}
NGINX_WORKERS=${NGINX_WORKERS:-1}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}
LUA=$ROOT/bench/lib/http_get.lua
PY=(python3 "$ROOT/bench/lib/procmon.py")
HB=(python3 "$ROOT/bench/lib/history_bench.py")
ADMIN_PASSWORD=bench-admin-password-long
SEGMENTS=1000
SEGMENT_BYTES=768000

BENCH_NAME=http
source "$ROOT/bench/lib/common.sh"

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v nginx >/dev/null || need_apt+=(nginx)
apt_install_missing "${need_apt[@]}"
[[ -x $KEK ]] || die "$KEK not found: build KEK first (scripts/dev.sh build)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- KEK, with the auth plugin
mkdir -p "$TMP/kek/data/media"
MEDIA=$TMP/kek/data/media
cat >"$TMP/kek/kek.yaml" <<YAML
data_dir: $TMP/kek/data
database: $TMP/kek/data/kek.db
media_dir: $MEDIA
http: {address: 127.0.0.1, port: $("${PY[@]}" free-port)}
shutdown_timeout_s: 5
plugins:
  - {name: auth}
pipelines: []
${KEK_PLUGIN_DIR:+plugin_dirs: [$KEK_PLUGIN_DIR]}
YAML
(cd "$TMP/kek" && KEK_ADMIN_PASSWORD=$ADMIN_PASSWORD exec "$KEK" serve --config "$TMP/kek/kek.yaml") >"$TMP/kek/kek.log" 2>&1 &
KEK_PID=$!
PIDS+=("$KEK_PID")
deadline=$((SECONDS + 60)) line=""
while ((SECONDS < deadline)); do
  line=$(grep -m1 '^KEK_READY' "$TMP/kek/kek.log" || true)
  [[ -n $line ]] && break
  kill -0 "$KEK_PID" 2>/dev/null || die "kek exited: $(tail -5 "$TMP/kek/kek.log")"
  sleep 0.1
done
[[ -n $line ]] || die "kek not ready after 60 s: $(tail -5 "$TMP/kek/kek.log")"
URL=$(kv http "$line")

# The admin signs in and makes a private stream key: its folder live/<stream>/ is private.
read -r COOKIE PRIVATE_STREAM < <(python3 - "$URL" "$ADMIN_PASSWORD" <<'PY'
import json, sys, urllib.request
url, password = sys.argv[1], sys.argv[2]
def call(method, path, body, cookie=None, csrf=None):
    req = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    if cookie: req.add_header("Cookie", "kek_session=" + cookie)
    if csrf: req.add_header("X-CSRF-Token", csrf)
    with urllib.request.urlopen(req) as r:
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("kek_session=")]
        return json.loads(r.read() or b"{}"), (cookies[0].split(";")[0].split("=", 1)[1] if cookies else None)
login, cookie = call("POST", "/api/auth/login", {"username": "admin", "password": password})
key, _ = call("POST", "/api/me/stream-keys", {"name": "bench private", "visibility": "private"}, cookie,
              login["csrf_token"])
print(cookie, key["stream"])
PY
)
[[ -n ${PRIVATE_STREAM:-} ]] || die "could not make a private stream key"

# ---------------------------------------------------------------- the folder
log "writing $SEGMENTS segments of $SEGMENT_BYTES bytes (once)"
PUB=$MEDIA/live/pub/source PRIV=$MEDIA/live/$PRIVATE_STREAM/source
mkdir -p "$PUB" "$PRIV"
playlist() { # a live media playlist of about 1.2 KB
  printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1200\n'
  printf '#EXT-X-PROGRAM-DATE-TIME:2026-12-01T18:00:00.000Z\n'
  # Cut in bash, not by a pipe into head: head leaving early would be a SIGPIPE, and with pipefail
  # the end of the run.
  local entries
  entries=$(for i in $(seq 1200 1229); do printf '#EXTINF:2.000,\n1764612000000-%05d.ts\n' "$i"; done)
  printf '%s' "${entries:0:1050}"
  printf '\n'
}
playlist >"$PUB/index.m3u8"
cp "$PUB/index.m3u8" "$PRIV/index.m3u8"
head -c $((SEGMENT_BYTES * SEGMENTS)) /dev/urandom | split -b "$SEGMENT_BYTES" -d -a 5 --additional-suffix=.ts - "$PUB/seg-"
: >"$TMP/one-segment.txt" >"$TMP/playlist.txt" >"$TMP/private.txt" >"$TMP/segments.txt"
echo "/media/live/pub/source/seg-00000.ts" >"$TMP/one-segment.txt"
echo "/media/live/pub/source/index.m3u8" >"$TMP/playlist.txt"
echo "/media/live/$PRIVATE_STREAM/source/index.m3u8" >"$TMP/private.txt"
for ((i = 0; i < SEGMENTS; i++)); do printf '/media/live/pub/source/seg-%05d.ts\n' "$i"; done >"$TMP/segments.txt"
sync

# The guard works: no cookie, 403 or 404; the cookie, 200 (and the same bytes from both servers).
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[[ $(code "$URL/media/live/$PRIVATE_STREAM/source/index.m3u8") != 200 ]] || die "the private playlist is served without a cookie"
[[ $(code -H "Cookie: kek_session=$COOKIE" "$URL/media/live/$PRIVATE_STREAM/source/index.m3u8") == 200 ]] ||
  die "the private playlist is not served with the owner's cookie"

# ---------------------------------------------------------------- nginx, the same folder
NGINX_PORT=$("${PY[@]}" free-port)
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
$( ((EUID == 0)) && echo "user root;")
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  access_log $TMP/nginx/logs/access.log;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /media/live/$PRIVATE_STREAM/ {
      if (\$cookie_kek_session != "$COOKIE") { return 403; }
      alias $MEDIA/live/$PRIVATE_STREAM/;
    }
    location /media/ { alias $MEDIA/; }
  }
}
CONF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
  sleep 0.1
done
NGINX_URL=http://127.0.0.1:$NGINX_PORT
[[ $(code "$NGINX_URL/media/live/$PRIVATE_STREAM/source/index.m3u8") == 403 ]] || die "nginx: the private check does not work"
cmp -s <(curl -s "$URL/media/live/pub/source/seg-00007.ts") <(curl -s "$NGINX_URL/media/live/pub/source/seg-00007.ts") ||
  die "kek and nginx do not serve the same bytes"

# ---------------------------------------------------------------- the loads
RESULTS=$TMP/results.tsv
printf 'load\tserver\trep\trps\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tnon2xx\tsocket_errors\tmbytes_s\tserver_cpu_pct\tcpu_us_per_req\tmachine_busy_pct\tload1\tmedia_fast\tmedia_fast_read\tmedia_libsoup\n' >"$RESULTS"
# KEK's /media/ answers so far by who gave them (kek_http_media_answers_total): "fast fast_read
# libsoup", or "- - -" from a kek without that family.
media_answers() {
  curl -s -H "Cookie: kek_session=$COOKIE" "$URL/metrics" | awk '
    /^kek_http_media_answers_total\{via="fast_path"\}/ { f = $2 }
    /^kek_http_media_answers_total\{via="fast_path_read"\}/ { r = $2 }
    /^kek_http_media_answers_total\{via="libsoup"\}/ { l = $2 }
    END { if (f == "") print "- - -"; else print f, r, l }'
}
run_load() { # load server rep
  local load=$1 server=$2 rep=$3 url pid cookie="" r m
  if [[ $server == kek ]]; then url=$URL pid=$KEK_PID; else url=$NGINX_URL pid=$NGINX_PID; fi
  [[ $load == private ]] && cookie="kek_session=$COOKIE"
  local answers_before="- - -" answers="- - -"
  [[ $server == kek ]] && answers_before=$(media_answers)
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -s "$LUA" "$url" -- "$TMP/$load.txt" "$cookie" >/dev/null
  "${PY[@]}" measure --pid "$pid" --tree --window "$WINDOW" >"$TMP/cpu" &
  local mon=$!
  r=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WINDOW}s" --timeout 10s -s "$LUA" "$url" -- "$TMP/$load.txt" "$cookie" | tail -1)
  wait "$mon"
  m=$(cat "$TMP/cpu")
  if [[ $server == kek && $answers_before != "- - -" ]]; then
    # Over the warm-up and the window together.
    answers=$(awk -v a="$answers_before" -v b="$(media_answers)" 'BEGIN {
      split(a, x, " "); split(b, y, " "); printf "%d %d %d", y[1] - x[1], y[2] - x[2], y[3] - x[3] }')
  fi
  local cpu rps secs
  cpu=$(kv cpu_pct "$m") rps=$(kv rps "$r") secs=$(kv seconds "$r")
  log "$load $server: $r cpu=$cpu% machine_busy=$(kv machine_busy_pct "$m")% load1=$(kv load1 "$m") media_answers(fast fast_read libsoup)=$answers"
  read -r a_fast a_read a_soup <<<"$answers"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$load" "$server" "$rep" "$rps" \
    "$(kv p50_ms "$r")" "$(kv p90_ms "$r")" "$(kv p99_ms "$r")" "$(kv max_ms "$r")" "$(kv non2xx "$r")" \
    "$(kv socket_errors "$r")" "$(awk -v b="$(kv bytes "$r")" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1e6 }')" \
    "$cpu" "$(awk -v c="$cpu" -v r="$rps" 'BEGIN { if (r > 0) printf "%.1f", c * 1e4 / r; else print "n/a" }')" \
    "$(kv machine_busy_pct "$m")" "$(kv load1 "$m")" "$a_fast" "$a_read" "$a_soup" >>"$RESULTS"
}

read -r -a LOADS <<<"${LOADS:-one-segment playlist private segments}"
order=0
for ((rep = 1; rep <= REPEATS; rep++)); do
  for load in "${LOADS[@]}"; do
    # Alternate which server goes first, so drifts in background load hit both alike.
    if ((order++ % 2 == 0)); then run_load "$load" kek "$rep"; run_load "$load" nginx "$rep"
    else run_load "$load" nginx "$rep"; run_load "$load" kek "$rep"; fi
  done
done

# ---------------------------------------------------------------- report
mkdir -p "$OUT_DIR"
STAMP=$(date +%Y-%m-%d)
BASE=$OUT_DIR/http_serve-$STAMP${RESULT_TAG:+-$RESULT_TAG}
cp "$RESULTS" "$BASE.tsv"
git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -v '^??' || true) ]] && git_rev+=" + uncommitted changes"
python3 - "$RESULTS" "$BASE.md" <<PY
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def avg(load, server, key):
    v = [float(r[key]) for r in rows if r["load"] == load and r["server"] == server and r[key] not in ("", "n/a")]
    return statistics.mean(v) if v else float("nan")
present = [l for l in ("one-segment", "playlist", "private", "segments") if any(r["load"] == l for r in rows)]
names = {"one-segment": "one 750 KB segment", "playlist": "one 1.2 KB playlist",
         "private": "a private playlist, session cookie", "segments": "1,000 distinct 750 KB segments"}
goals = {"one-segment": "req/s >= 0.9x, p99 <= 2x", "playlist": "req/s >= 0.6x", "private": "-",
         "segments": "req/s >= 0.9x, p99 <= 2x"}
out = ["# HTTP serving: KEK /media/ vs nginx ($(date -u +'%Y-%m-%d %H:%M UTC'))", "",
       "The same folder served by both, one after the other in one run. Produced by \`bash bench/http_serve.sh\`.",
       "wrk -t $THREADS -c $CONNECTIONS (keep-alive, loopback; wrk runs on the same cores as the servers), "
       "${WARMUP} s warm-up, ${WINDOW} s window, $REPEATS repeat(s) averaged.", "",
       "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; "
       "load average before the run: $LOAD_BEFORE (a shared machine: other engineers' builds and tests ran beside it; "
       "\"machine busy\" is the whole machine's CPU in % of one core during each window, wrk included)",
       "- KEK: $("$KEK" --version 2>&1 | head -1) (git $git_rev), plugins: auth; one HTTP loop",
       "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes $NGINX_WORKERS, sendfile on, "
       "access_log to a file; the private folder behind \`if (\$cookie_kek_session != ...) { return 403; }\`",
       "- Server CPU: utime+stime of the server over the window, in % of one core; µs/req = CPU / req/s, "
       "which holds up better than req/s when the machine is busy", "",
       "| load | server | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | MB/s | server CPU % | CPU µs/req | machine busy % |",
       "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for load in present:
    for s in ("kek", "nginx"):
        out.append("| %s | %s | %.0f | %.2f | %.2f | %.2f | %.1f | %.0f | %.0f | %.0f | %.1f | %.0f |" % (
            names[load], s, avg(load, s, "rps"), avg(load, s, "p50_ms"), avg(load, s, "p90_ms"), avg(load, s, "p99_ms"),
            avg(load, s, "max_ms"), avg(load, s, "non2xx"), avg(load, s, "mbytes_s"), avg(load, s, "server_cpu_pct"),
            avg(load, s, "cpu_us_per_req"), avg(load, s, "machine_busy_pct")))
out += ["", "### Ratios KEK/nginx", "", "| load | req/s | p99 | CPU µs/req | goal (issue 17) |", "|---|---|---|---|---|"]
for load in present:
    def r(key):
        a, b = avg(load, "kek", key), avg(load, "nginx", key)
        return "%.2fx" % (a / b) if b and b == b and a == a else "n/a"
    out.append("| %s | %s | %s | %s | %s |" % (names[load], r("rps"), r("p99_ms"), r("cpu_us_per_req"), goals[load]))
def total(load, key):
    v = [int(r[key]) for r in rows if r["load"] == load and r["server"] == "kek" and r.get(key, "-") not in ("", "-")]
    return sum(v) if v else None
if any(total(l, "media_fast") is not None for l in present):
    out += ["", "### KEK's /media/ answers by who gave them (kek_http_media_answers_total, warm-up + window)", "",
            "| load | fast path, from the page cache | fast path, after a read on a reader thread | libsoup |",
            "|---|---|---|---|"]
    for load in present:
        out.append("| %s | %s | %s | %s |" % (names[load], total(load, "media_fast"), total(load, "media_fast_read"),
                                           total(load, "media_libsoup")))
notes = """${BENCH_NOTES:-}"""
if notes:
    out += ["", "## Notes", "", notes]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
log "wrote $BASE.md and $BASE.tsv"
