# Sourced by the bench scripts (set ROOT and BENCH_NAME first): logging, the temp folder, children
# stopped on exit, installing missing Debian packages, starting kek.
# What every script reads: KEK_BIN (the kek to measure) and OUT_DIR (where results go).
KEK=${KEK_BIN:-$ROOT/build/core/kek}
OUT_DIR=${OUT_DIR:-$ROOT/bench/results}
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# ---------------------------------------------------------------- children and cleanup
PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kek-bench-${BENCH_NAME:-run}.XXXXXX")
chmod 755 "$TMP"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local p alive=()
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
  if ((${#alive[@]})); then
    kill -TERM "${alive[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      local any=0
      for p in "${alive[@]}"; do kill -0 "$p" 2>/dev/null && any=1; done
      ((any)) || break
      sleep 0.1
    done
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
  if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stop the given pids: SIGTERM (or $SIG), then SIGKILL after $1 seconds.
stop_pids() {
  local timeout=$1; shift
  (($#)) || return 0
  kill -"${SIG:-TERM}" "$@" 2>/dev/null || true
  local deadline=$((SECONDS + timeout)) p any
  while ((SECONDS < deadline)); do
    any=0
    for p in "$@"; do kill -0 "$p" 2>/dev/null && any=1; done
    ((any)) || break
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

# wait_line FILE PATTERN PID TIMEOUT: prints FILE's first line matching PATTERN once there; fails
# when PID exits or TIMEOUT s pass first (a server's ready line in its log).
wait_line() {
  local file=$1 pat=$2 pid=$3 deadline=$((SECONDS + $4)) line=""
  while ((SECONDS < deadline)); do
    line=$(grep -m1 "$pat" "$file" 2>/dev/null || true)
    [[ -n $line ]] && { echo "$line"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# wait_port PORT PID TIMEOUT: until 127.0.0.1:PORT accepts; fails when PID exits or TIMEOUT passes.
wait_port() {
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# apt_install_missing PKG...: installs the given packages with apt-get (as root).
apt_install_missing() {
  (($#)) || return 0
  log "installing $* with apt-get"
  ((EUID == 0)) || die "run as root or install: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2; }
}

# need_commands CMD[=PKG]...: installs the packages (PKG, else CMD) of the commands not on PATH;
# a CMD with a slash is a file that must exist (/usr/bin/time=time).
need_commands() {
  local missing=() c
  for c in "$@"; do
    local cmd=${c%%=*} pkg=${c#*=}
    if [[ $cmd == */* ]]; then [[ -e $cmd ]] && continue; else command -v "$cmd" >/dev/null && continue; fi
    missing+=("$pkg")
  done
  apt_install_missing "${missing[@]}"
}

# need_kek: stops the run when $KEK is not built.
need_kek() { [[ -x $KEK ]] || die "$KEK not found: build KEK first (scripts/dev.sh build)"; }

# plugin_dir_beside KEK_BINARY: the binary's folder when its libkek*.so are beside it (a build
# copied aside as one folder, for a before/after run); nothing for one in its build tree or installed.
plugin_dir_beside() {
  local dir
  dir=$(cd "$(dirname "$1")" && pwd)
  if compgen -G "$dir/libkek*.so" >/dev/null; then echo "$dir"; fi
}

# kek_paths DIR: the first lines of a kek.yaml whose data lives in DIR/data.
kek_paths() { printf 'data_dir: %s\ndatabase: %s\nmedia_dir: %s\n' "$1/data" "$1/data/kek.db" "$1/data/media"; }

# start_kek DIR [NAME=VALUE...]: `kek serve --config DIR/kek.yaml` in DIR in the background (its
# log DIR/kek.log, the given variables added to its environment), stopped on exit; waits
# ${KEK_READY_TIMEOUT:-30} s at most for its KEK_READY line. Sets KEK_PID and KEK_READY_LINE.
start_kek() {
  local d=$1; shift
  (cd "$d" && exec env "$@" "$KEK" serve --config "$d/kek.yaml") >"$d/kek.log" 2>&1 &
  KEK_PID=$!
  PIDS+=("$KEK_PID")
  KEK_READY_LINE=$(wait_line "$d/kek.log" '^KEK_READY' "$KEK_PID" "${KEK_READY_TIMEOUT:-30}") ||
    die "kek not ready after ${KEK_READY_TIMEOUT:-30} s: $(tail -5 "$d/kek.log")"
}

# make_clip PATH WxH FPS MBITS: the publishers' input, made once and cached: 30 s of H.264
# (keyframe every 60 frames, noise so the encoder has work) + 128k AAC in FLV, at MBITS Mb/s.
make_clip() {
  local clip=$1 size=$2 fps=$3 mbits=$4
  [[ -s $clip ]] && return 0
  mkdir -p "$(dirname "$clip")"
  log "generating $clip (once, ~30-120 s)"
  timeout 900 ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=$size:rate=$fps" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 30 \
    -vf "noise=alls=12:allf=t" -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
    -g 60 -keyint_min 60 -sc_threshold 0 -b:v "${mbits}M" -maxrate "${mbits}M" -bufsize "$((mbits * 2))M" \
    -c:a aac -b:a 128k -ar 48000 -ac 2 -f flv "$clip.part"
  mv "$clip.part" "$clip"
}
