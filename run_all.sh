#!/usr/bin/env bash
# run_all.sh: the suite's single entry point, run from the repository root.
#
#   ./run_all.sh [--quick] [options]   install missing Debian packages, build the gcc
#       and clang presets, run vtbench for every compiler x allocator configuration
#       (and vtbench_nocount, to show what counting costs) into results/<run-id>/,
#       write meta.json, then call the analysis scripts (docs/results-format.md).
#   ./run_all.sh --test                install, then build and run every test suite
#       (the presets gcc, clang, asan, tsan and the Python tests): what CI runs.
set -euo pipefail

# ---- The benchmark matrix and its cost: tune here. --------------------------------
FULL_COMPILERS=(gcc clang)
FULL_ALLOCATORS=(glibc mimalloc jemalloc tcmalloc)
FULL_REPETITIONS=5
FULL_MIN_TIME=0.02                  # seconds, --benchmark_min_time (a plain number in 1.7.1)
# vtbench's own selection flags per kind of run: glibc gets the whole sweep; the other
# allocators and the counting-overhead check (vtbench_nocount) the hit ratios the
# charts compare them at. --quick uses QUICK_VTBENCH_FLAGS for every run.
FULL_GLIBC_VTBENCH_FLAGS=()
# shellcheck disable=SC2054  # the commas are vtbench's list syntax
FULL_OTHER_ALLOCATOR_VTBENCH_FLAGS=(--hit=0,50,90,100)
# shellcheck disable=SC2054
FULL_NOCOUNT_VTBENCH_FLAGS=(--hit=0,50,90,100)
QUICK_CONFIGURATIONS=(gcc-glibc clang-glibc gcc-mimalloc)
QUICK_REPETITIONS=2
QUICK_MIN_TIME=0.01
# shellcheck disable=SC2054
QUICK_VTBENCH_FLAGS=(--hit=0,50,90,100 --payload=int)
NOCOUNT_FILTER='^cache_lookup/'     # what vtbench_nocount runs, with glibc, once per compiler
PINNED_CORE=1                       # taskset -c PINNED_CORE when there is more than one core
TEST_PRESETS=(gcc clang asan tsan)

# ---- What the suite needs from Debian, and how each allocator is selected. --------
DEBIAN_PACKAGES=(cmake g++ clang libclang-rt-14-dev libbenchmark-dev libgtest-dev heaptrack valgrind
  libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev libasio-dev libboost-context-dev
  libboost-fiber-dev python3-matplotlib python3-numpy python3-pytest golang-go)
KNOWN_COMPILERS=(gcc clang)
KNOWN_ALLOCATORS=(glibc mimalloc jemalloc tcmalloc)
declare -A ALLOCATOR_LIBRARY=([glibc]="" [mimalloc]=libmimalloc.so.2 [jemalloc]=libjemalloc.so.2
  [tcmalloc]=libtcmalloc_minimal.so.4)
PYTHON=/usr/bin/python3

usage() {
  cat <<EOF
usage: ./run_all.sh [--quick] [--allocators A,B] [--compilers C,D] [--filter REGEX]
                    [--out DIR] [--repetitions N]
       ./run_all.sh --test

Builds the gcc and clang presets and runs vtbench for each compiler x allocator
configuration into results/<run-id>/ (see docs/results-format.md), then draws the
charts, cross-checks the counts with heaptrack and writes REPORT.md.

  --quick             reduced sweep (${QUICK_CONFIGURATIONS[*]}; ${QUICK_VTBENCH_FLAGS[*]};
                      ${QUICK_REPETITIONS} repetitions, min time ${QUICK_MIN_TIME} s); the full
                      run is ${FULL_COMPILERS[*]} x ${FULL_ALLOCATORS[*]}, ${FULL_REPETITIONS} repetitions
  --allocators A,B    allocators to run (${KNOWN_ALLOCATORS[*]}); with --compilers
                      or alone, the matrix is every compiler x every allocator given
  --compilers C,D     compilers to run (${KNOWN_COMPILERS[*]})
  --filter REGEX      passed to --benchmark_filter (vtbench_nocount too)
  --out DIR           results directory (default results/<UTC time>-<git short rev>);
                      must not exist or be empty
  --repetitions N     --benchmark_repetitions (default ${FULL_REPETITIONS}, --quick ${QUICK_REPETITIONS})
  --test              install, build and run the tests of the presets ${TEST_PRESETS[*]},
                      then the Python tests; exit non-zero if any fails
  --help              this help

Missing Debian packages are installed when run as root, otherwise the apt-get command
to run is printed. Progress goes to stderr.
EOF
}

fail_usage() {
  echo "run_all.sh: $*" >&2
  exit 2
}

fail() {
  echo "run_all.sh: $*" >&2
  exit 1
}

log() {
  echo "$*" >&2
}

# 72 -> 1m12s
duration() {
  local seconds=$1
  if ((seconds >= 60)); then
    echo "$((seconds / 60))m$((seconds % 60))s"
  else
    echo "${seconds}s"
  fi
}

# contains WORD LIST...: whether WORD is one of LIST.
contains() {
  local word=$1 item
  shift
  for item in "$@"; do
    [[ $item == "$word" ]] && return 0
  done
  return 1
}

# parse_list ARRAY OPTION VALUE KNOWN...: sets ARRAY to VALUE's comma-separated names,
# each checked against KNOWN.
parse_list() {
  local -n parsed_names=$1
  local option=$2 value=$3 name
  shift 3
  [[ -n $value ]] || fail_usage "$option needs a comma-separated list"
  IFS=, read -r -a parsed_names <<<"$value"
  local known
  known=$(printf '%s, ' "$@")
  for name in "${parsed_names[@]}"; do
    contains "$name" "$@" || fail_usage "$option: unknown name '$name' (known: ${known%, })"
  done
}

# ---- Command line ------------------------------------------------------------------
quick=false
test_mode=false
compilers_option=()
allocators_option=()
filter=""
out_option=""
repetitions_option=""
original_command="./run_all.sh$(printf ' %q' "$@")"

parse_arguments() {
  local option value has_value
  while (($# > 0)); do
    option=$1
    has_value=false
    if [[ $option == --*=* ]]; then
      value=${option#*=}
      option=${option%%=*}
      has_value=true
    fi
    case $option in
      --help | -h | --quick | --test)
        $has_value && fail_usage "$option takes no value"
        ;;
      --allocators | --compilers | --filter | --out | --repetitions)
        if ! $has_value; then
          (($# >= 2)) || fail_usage "$option needs a value"
          value=$2
          shift
        fi
        ;;
      *) fail_usage "unknown option '$1' (see --help)" ;;
    esac
    case $option in
      --help | -h)
        usage
        exit 0
        ;;
      --quick) quick=true ;;
      --test) test_mode=true ;;
      --allocators) parse_list allocators_option --allocators "$value" "${KNOWN_ALLOCATORS[@]}" ;;
      --compilers) parse_list compilers_option --compilers "$value" "${KNOWN_COMPILERS[@]}" ;;
      --filter) filter=$value ;;
      --out) out_option=$value ;;
      --repetitions)
        [[ $value =~ ^[1-9][0-9]*$ ]] || fail_usage "--repetitions: '$value' is not a positive integer"
        repetitions_option=$value
        ;;
    esac
    shift
  done
  if $test_mode && [[ $quick == true || ${#allocators_option[@]} -gt 0 || ${#compilers_option[@]} -gt 0 ||
    -n $filter$out_option$repetitions_option ]]; then
    fail_usage "--test takes no other option"
  fi
}

# ---- Debian packages -----------------------------------------------------------------
install_missing_packages() {
  command -v dpkg-query >/dev/null || fail "dpkg-query not found: run_all.sh installs its dependencies on Debian only"
  local package missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true) == "install ok installed" ]] ||
      missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    log "All ${#DEBIAN_PACKAGES[@]} Debian packages the suite needs are installed."
    return
  fi
  if (($(id -u) != 0)); then
    log "run_all.sh: missing Debian packages (${missing[*]}); install them with:"
    echo "sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  log "Installing missing Debian packages: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

build_preset() {
  local preset=$1
  log "== Building preset $preset"
  if ! { cmake --preset "$preset" && cmake --build --preset "$preset" -j2; }; then
    fail "building the $preset preset failed"
  fi
}

# ---- --test ------------------------------------------------------------------------
run_tests() {
  local preset stage_start summary=() failures=0 stages=0
  for preset in "${TEST_PRESETS[@]}"; do
    stage_start=$SECONDS
    stages=$((stages + 1))
    log "== Testing preset $preset"
    local failed_step=""
    if ! cmake --preset "$preset"; then
      failed_step=configure
    elif ! cmake --build --preset "$preset" -j2; then
      failed_step=build
    elif ! ctest --preset "$preset" -j2 --no-tests=error; then
      failed_step=ctest
    fi
    if [[ -n $failed_step ]]; then
      failures=$((failures + 1))
      summary+=("FAIL  $preset: $failed_step failed ($(duration $((SECONDS - stage_start))))")
    else
      summary+=("PASS  $preset: configure, build, ctest ($(duration $((SECONDS - stage_start))))")
    fi
  done

  local python_tests=()
  mapfile -t python_tests < <(find tests/python -name 'test_*.py' -o -name '*_test.py' 2>/dev/null)
  if ((${#python_tests[@]} == 0)); then
    summary+=("SKIP  python: no test files in tests/python")
  else
    stages=$((stages + 1))
    stage_start=$SECONDS
    log "== Python tests"
    if "$PYTHON" -m pytest -q tests/python; then
      summary+=("PASS  python: pytest tests/python ($(duration $((SECONDS - stage_start))))")
    else
      failures=$((failures + 1))
      summary+=("FAIL  python: pytest tests/python ($(duration $((SECONDS - stage_start))))")
    fi
  fi

  log ""
  log "== Test summary"
  printf '%s\n' "${summary[@]}" >&2
  if ((failures > 0)); then
    log "run_all.sh --test: $failures of $stages stages FAILED"
    exit 1
  fi
  log "run_all.sh --test: all $stages stages passed"
}

# ---- Benchmarks ----------------------------------------------------------------------
# Set by choose_matrix and prepare_run, read by the functions after them.
configurations=()   # compiler-allocator (counting runs)
used_compilers=()   # the compilers those name, in order
all_runs=()         # configurations, then compiler-glibc-nocount per compiler
repetitions=""
min_time=""
pin=()              # taskset prefix, or empty
pinned_core=none
library_dir=""      # where the allocators' shared objects are
bench_dir=""
current_temporary=""  # the bench JSON being written, deleted if the run stops early

choose_matrix() {
  # Explicit --compilers/--allocators make a cross product; otherwise the quick or
  # full defaults.
  local compilers=() allocators=() compiler allocator configuration
  if ((${#compilers_option[@]} + ${#allocators_option[@]} > 0)) || ! $quick; then
    compilers=("${FULL_COMPILERS[@]}")
    ((${#compilers_option[@]} == 0)) || compilers=("${compilers_option[@]}")
    allocators=("${FULL_ALLOCATORS[@]}")
    ((${#allocators_option[@]} == 0)) || allocators=("${allocators_option[@]}")
    for compiler in "${compilers[@]}"; do
      for allocator in "${allocators[@]}"; do
        configurations+=("$compiler-$allocator")
      done
    done
  else
    configurations=("${QUICK_CONFIGURATIONS[@]}")
  fi
  for configuration in "${configurations[@]}"; do
    contains "${configuration%%-*}" "${used_compilers[@]}" || used_compilers+=("${configuration%%-*}")
  done
  all_runs=("${configurations[@]}")
  for compiler in "${used_compilers[@]}"; do
    all_runs+=("$compiler-glibc-nocount")
  done

  if $quick; then
    repetitions=${repetitions_option:-$QUICK_REPETITIONS}
    min_time=$QUICK_MIN_TIME
  else
    repetitions=${repetitions_option:-$FULL_REPETITIONS}
    min_time=$FULL_MIN_TIME
  fi
}

prepare_run() {
  if command -v taskset >/dev/null && (($(nproc) > 1)) && taskset -c "$PINNED_CORE" true 2>/dev/null; then
    pin=(taskset -c "$PINNED_CORE")
    pinned_core=$PINNED_CORE
  fi
  library_dir=/usr/lib/$(g++ -print-multiarch)
  local allocator
  for allocator in "${KNOWN_ALLOCATORS[@]}"; do
    if contains "$allocator" "${configurations[@]#*-}" && [[ -n ${ALLOCATOR_LIBRARY[$allocator]} &&
      ! -f $library_dir/${ALLOCATOR_LIBRARY[$allocator]} ]]; then
      fail "$library_dir/${ALLOCATOR_LIBRARY[$allocator]} not found (is the $allocator package installed?)"
    fi
  done
}

# selection_flags_for NAME ARRAY: sets ARRAY to vtbench's selection flags for run NAME.
# shellcheck disable=SC2034  # selected_flags is a nameref to the caller's ARRAY
selection_flags_for() {
  local name=$1
  local -n selected_flags=$2
  if $quick; then
    selected_flags=("${QUICK_VTBENCH_FLAGS[@]}")
  elif [[ $name == *-nocount ]]; then
    selected_flags=("${FULL_NOCOUNT_VTBENCH_FLAGS[@]}")
  elif [[ $name == *-glibc ]]; then
    selected_flags=("${FULL_GLIBC_VTBENCH_FLAGS[@]}")
  else
    selected_flags=("${FULL_OTHER_ALLOCATOR_VTBENCH_FLAGS[@]}")
  fi
}

# run_configuration NAME: one vtbench (or vtbench_nocount) run into bench/NAME.json.
run_configuration() {
  local name=$1
  local compiler=${name%%-*} allocator=${name#*-} binary=vtbench configuration_filter=$filter
  if [[ $name == *-nocount ]]; then
    allocator=${allocator%-nocount}
    binary=vtbench_nocount
    configuration_filter=${filter:-$NOCOUNT_FILTER}
  fi
  local preload=() filter_flag=() selection_flags=()
  selection_flags_for "$name" selection_flags
  [[ -z ${ALLOCATOR_LIBRARY[$allocator]} ]] || preload=(env "LD_PRELOAD=$library_dir/${ALLOCATOR_LIBRARY[$allocator]}")
  [[ -z $configuration_filter ]] || filter_flag=(--benchmark_filter="$configuration_filter")
  current_temporary=$(mktemp "$bench_dir/.$name.XXXXXX.tmp")
  local status=0
  "${pin[@]}" "${preload[@]}" "build/$compiler/harness/$binary" --allocator="$allocator" "${selection_flags[@]}" \
    "${filter_flag[@]}" --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time" \
    --benchmark_format=console --benchmark_out="$current_temporary" --benchmark_out_format=json || status=$?
  ((status == 0)) || fail "$name: $binary exited with status $status; bench/$name.json not written"
  chmod 644 "$current_temporary"
  mv "$current_temporary" "$bench_dir/$name.json"
  current_temporary=""
}

remove_temporary() {
  if [[ -n $current_temporary ]]; then
    rm -f "$current_temporary"
  fi
}

# run_analysis_script NAME ARGS...: runs scripts/NAME if it exists; false if it failed.
run_analysis_script() {
  local script=scripts/$1
  shift
  if [[ ! -f $script ]]; then
    log "-- Skipping $script: not found"
    return 0
  fi
  log "== $script $*"
  "$PYTHON" "$script" "$@"
}

# write_misuse_table DIR COMPILER: runs every misuse case for real into DIR/misuse.json.
write_misuse_table() {
  log "== vtb_misuse_table -> $1/misuse.json"
  "build/$2/scenarios/vtb_misuse_table" "$1/misuse.json" >/dev/null
}

# write_goroutine_probe DIR: bytes per parked goroutine into DIR/goroutine.json, or a file
# that says why there is no figure. Builds the probe offline (standard library only).
write_goroutine_probe() {
  local out=$1/goroutine.json
  if ! command -v go >/dev/null; then
    log "-- go not found: goroutine.json says so"
    "$PYTHON" -c 'import json, sys; json.dump({"available": False, "reason": "go not found on PATH"}, open(sys.argv[1], "w"))' "$out"
    return 0
  fi
  log "== goroutine probe -> $out"
  mkdir -p build/go-cache
  (cd scenarios/goroutine && GOCACHE="$PWD/../../build/go-cache" GOPATH="$PWD/../../build/go-path" GOPROXY=off \
    GOFLAGS=-mod=mod go build -o ../../build/goroutine-probe .) &&
    build/goroutine-probe "$out"
}

run_benchmarks() {
  choose_matrix
  local started started_seconds=$SECONDS git_revision run_id
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  git_revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  run_id=$(date -u -d "$started" +%Y%m%d-%H%M%S)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
  local out_dir=${out_option:-results/$run_id}
  if [[ -e $out_dir && -n $(ls -A "$out_dir" 2>/dev/null) ]]; then
    fail_usage "--out $out_dir: exists and is not empty"
  fi
  prepare_run

  log "== vtbench run $run_id -> $out_dir"
  log "   runs: ${all_runs[*]}"
  log "   repetitions $repetitions, min time $min_time s"
  local name run_flags=()
  for name in "${all_runs[@]}"; do
    selection_flags_for "$name" run_flags
    log "   $name: ${run_flags[*]:-whole sweep}"
  done
  log "   filter: ${filter:-(all)}; nocount filter: ${filter:-$NOCOUNT_FILTER}; pinned core: $pinned_core"
  local compiler
  for compiler in "${used_compilers[@]}"; do
    build_preset "$compiler"
  done

  bench_dir=$out_dir/bench
  mkdir -p "$bench_dir"
  local index=0 finished=0 benchmark_seconds=0 run_start eta
  for name in "${all_runs[@]}"; do
    index=$((index + 1))
    eta=unknown
    ((finished == 0)) || eta=$(duration $((benchmark_seconds * (${#all_runs[@]} - index + 1) / finished)))
    log "[$index/${#all_runs[@]}] $name - elapsed $(duration $((SECONDS - started_seconds))) - ETA $eta"
    run_start=$SECONDS
    run_configuration "$name"
    finished=$((finished + 1))
    benchmark_seconds=$((benchmark_seconds + SECONDS - run_start))
  done

  local quick_flag=()
  ! $quick || quick_flag=(--quick)
  "$PYTHON" harness/write_meta.py "$out_dir" --run-id "$run_id" --command "$original_command" "${quick_flag[@]}" \
    --started "$started" --finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --git-revision "$git_revision" \
    --repetitions "$repetitions" --min-time "$min_time" --pinned-core "$pinned_core" \
    --configurations "$(IFS=, && echo "${all_runs[*]}")"
  log "== Benchmarks done in $(duration $((SECONDS - started_seconds))): $out_dir"

  # heaptrack before the report, which shows its table.
  local heaptrack_binary=build/${used_compilers[0]}/harness/vtbench failed_scripts=()
  ! contains gcc "${used_compilers[@]}" || heaptrack_binary=build/gcc/harness/vtbench
  local probe_compiler=${heaptrack_binary#build/}
  probe_compiler=${probe_compiler%%/*}
  write_misuse_table "$out_dir" "$probe_compiler" || failed_scripts+=(vtb_misuse_table)
  write_goroutine_probe "$out_dir" || failed_scripts+=(goroutine-probe)
  run_analysis_script charts.py "$out_dir" || failed_scripts+=(charts.py)
  run_analysis_script heaptrack_check.py "$out_dir" --binary "$heaptrack_binary" || failed_scripts+=(heaptrack_check.py)
  run_analysis_script callgrind_check.py "$out_dir" --binary "$heaptrack_binary" --config "$probe_compiler-glibc" ||
    failed_scripts+=(callgrind_check.py)
  run_analysis_script report.py "$out_dir" || failed_scripts+=(report.py)
  if ((${#failed_scripts[@]} > 0)); then
    fail "the benchmark results in $out_dir are complete, but these failed: ${failed_scripts[*]}"
  fi
  log "== Done in $(duration $((SECONDS - started_seconds))): $out_dir"
}

main() {
  parse_arguments "$@"
  cd "$(dirname "${BASH_SOURCE[0]}")"
  install_missing_packages
  if $test_mode; then
    run_tests
  else
    trap remove_temporary EXIT
    trap 'log "run_all.sh: interrupted"; exit 130' INT TERM
    run_benchmarks
  fi
}

main "$@"
