#!/usr/bin/env bash
# Coverage-guided fuzzing of every libFuzzer target (clang, ASan + UBSan, _GLIBCXX_ASSERTIONS):
#   bash scripts/fuzz.sh [seconds per target, default 60] [name filter, e.g. core-fuzz-range]
#   FUZZ_RUNS=10000000 bash scripts/fuzz.sh 0     # a fixed number of executions per target instead
# Builds build-fuzz/ (meson -Dfuzzing=true, CXX=clang++) with only the fuzz targets, then runs each
# over a scratch copy of its seed corpus, seeded from the clock (the seed is printed; -seed=N
# replays). A crash stops with the input in build-fuzz/fuzz-artifacts/; make it a unit test.
# `meson test --suite fuzz` is the short plain-g++ pass of the same targets.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-60}
FILTER=${2:-}
BUILD=${KEK_FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++ >/dev/null || ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  exec bash scripts/dev.sh fuzz "$@"  # installs clang and libFuzzer, then runs this again
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$BUILD" --buildtype=debugoptimized -Dfuzzing=true >/dev/null
fi
# name<TAB>build-relative path<TAB>seed corpus dirs... of each libFuzzer executable (not the g++
# drivers): the seeds are the folders its plain driver's test in `--suite fuzz` runs over (the
# test is named as the executable, dashed: core-fuzz-request_path -> core-fuzz-request-path).
mapfile -t targets < <(python3 -c '
import json, os, subprocess, sys
root = os.path.abspath(sys.argv[1])
intro = lambda what: json.loads(subprocess.check_output(["meson", "introspect", what, root]))
seeds = {t["name"]: [a for a in t["cmd"][1:] if os.path.isdir(a)] for t in intro("--tests")}
for t in intro("--targets"):
    if t["type"] == "executable" and "-fuzz-" in t["name"] and not t["name"].endswith("-driver"):
        path = os.path.relpath(t["filename"][0], root)
        print(t["name"], path, *seeds.get(t["name"].replace("_", "-"), []), sep="\t")
' "$BUILD" | grep -- "$FILTER" || true)
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz target matches '$FILTER'" >&2; exit 2; }
ninja -C "$BUILD" $(printf '%s\n' "${targets[@]}" | cut -f2) >/dev/null

mkdir -p "$BUILD/fuzz-artifacts"
status=0
for t in "${targets[@]}"; do
  IFS=$'\t' read -r -a fields <<<"$t"
  name=${fields[0]} path=${fields[1]} seeds=("${fields[@]:2}")
  [ ${#seeds[@]} -gt 0 ] || { echo "!! $name: no test of its driver names a seed corpus" >&2; status=1; continue; }
  work="$BUILD/fuzz-corpus/$name"  # its own: several targets fuzz a corpus named "bodies"
  mkdir -p "$work"
  seed=$(( ($(date +%s) * 1000003 + 10#$(date +%N)) % 4294967296 ))
  limits=(-max_total_time="$SECONDS_PER")
  [ -n "${FUZZ_RUNS:-}" ] && limits=(-runs="$FUZZ_RUNS")
  [ "$SECONDS_PER" = 0 ] && [ -z "${FUZZ_RUNS:-}" ] && limits=(-runs=100000)
  echo "==> $name (seed $seed, ${limits[*]})"
  if ! "$BUILD/$path" -seed="$seed" "${limits[@]}" -print_final_stats=1 -max_len=65536 \
      -artifact_prefix="$BUILD/fuzz-artifacts/$name-" "$work" "${seeds[@]}" 2>"$BUILD/fuzz-$name.log"; then
    echo "!! $name failed (seed $seed): see $BUILD/fuzz-$name.log and $BUILD/fuzz-artifacts/" >&2
    tail -30 "$BUILD/fuzz-$name.log" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE' "$BUILD/fuzz-$name.log" | tr '\n' ' '
  echo
done
exit $status
