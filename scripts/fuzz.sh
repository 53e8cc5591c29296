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
# name<TAB>build-relative path<TAB>source dir of each libFuzzer executable (not the g++ drivers)
mapfile -t targets < <(meson introspect --targets "$BUILD" | python3 -c '
import json, os, sys
root = os.path.abspath(sys.argv[1])
for t in json.load(sys.stdin):
    if t["type"] == "executable" and "-fuzz-" in t["name"] and not t["name"].endswith("-driver"):
        path = os.path.relpath(t["filename"][0], root)
        print(t["name"], path, os.path.dirname(t["defined_in"]), sep="\t")
' "$BUILD" | grep -- "$FILTER" || true)
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz target matches '$FILTER'" >&2; exit 2; }
ninja -C "$BUILD" $(printf '%s\n' "${targets[@]}" | cut -f2) >/dev/null

mkdir -p "$BUILD/fuzz-artifacts"
status=0
for t in "${targets[@]}"; do
  IFS=$'\t' read -r name path srcdir <<<"$t"
  corpus_name=${name#*-fuzz-}
  seeds="$srcdir/fuzz/corpus/$corpus_name"
  [ -d "$seeds" ] || seeds="$srcdir/corpus/$corpus_name"
  extra=()
  [ "$corpus_name" = config ] && extra+=("$srcdir/corpus/template")
  work="$BUILD/fuzz-corpus/$corpus_name"
  mkdir -p "$work"
  seed=$(( ($(date +%s) * 1000003 + 10#$(date +%N)) % 4294967296 ))
  limits=(-max_total_time="$SECONDS_PER")
  [ -n "${FUZZ_RUNS:-}" ] && limits=(-runs="$FUZZ_RUNS")
  [ "$SECONDS_PER" = 0 ] && [ -z "${FUZZ_RUNS:-}" ] && limits=(-runs=100000)
  echo "==> $name (seed $seed, ${limits[*]})"
  if ! "$BUILD/$path" -seed="$seed" "${limits[@]}" -print_final_stats=1 -max_len=65536 \
      -artifact_prefix="$BUILD/fuzz-artifacts/$name-" "$work" "$seeds" "${extra[@]}" 2>"$BUILD/fuzz-$name.log"; then
    echo "!! $name failed (seed $seed): see $BUILD/fuzz-$name.log and $BUILD/fuzz-artifacts/" >&2
    tail -30 "$BUILD/fuzz-$name.log" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE' "$BUILD/fuzz-$name.log" | tr '\n' ' '
  echo
done
exit $status
