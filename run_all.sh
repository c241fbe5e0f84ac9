#!/usr/bin/env bash
# run_all.sh: the suite's single entry point, run from the repository root.
#
#   ./run_all.sh [--quick] [options]   install missing Debian packages, build the gcc
#       and clang benchmark binaries, run every compiler x allocator configuration twice
#       into results/<run-id>/: a timing pass (vtbench, nothing counted, repetitions
#       interleaved) into bench/ and a counting pass (vtbench_counting, a fixed number of
#       iterations after a warm-up run) into counts/; the full run adds an A/A check
#       (one vtbench against itself as interleaved processes) into aa/; write meta.json,
#       then call the analysis scripts (docs/results-format.md).
#       Where dotnet is on the PATH, the same scenarios run on .NET with BenchmarkDotNet
#       (scenarios/dotnet/run.sh) into results/<run-id>/dotnet/.
#   ./run_all.sh --test                install, lint, then build and run every test suite
#       (the presets gcc, clang, asan, tsan, the .NET tests where dotnet is on the PATH,
#       and the Python tests): what CI runs.
#   ./run_all.sh --compare REV_A REV_B  build vtbench (gcc preset) at two git revisions,
#       each in a worktree of its own, run them as interleaved processes
#       (scripts/interleave.py) on a selection, and print the comparison judged against
#       the noise (scripts/compare) with a chart of the changes and their noise bands.
set -euo pipefail

# ---- The benchmark matrix and its cost: tune here. --------------------------------
# The full run's C++ part must stay within 15 minutes on a 2-core machine: every
# configuration gets the timing and the counting pass; glibc (both compilers) gets the
# whole sweep, the other allocators the cache scenario's async db at four hit ratios and
# the factories, which is what the allocator comparison shows.
FULL_COMPILERS=(gcc clang)
# FULL_ALLOCATORS: every allocator of harness/allocators.tsv, in its order (read below).
FULL_REPETITIONS=11                 # at least 9 (the U test), and more for the fast-state filter
FULL_MIN_TIME=0.02                  # seconds, --benchmark_min_time (a plain number in 1.7.1)
# vtbench's own selection flags and a --benchmark_filter per kind of run; --quick uses
# the QUICK_ ones for every run. An explicit --filter replaces the filter of every run.
FULL_GLIBC_VTBENCH_FLAGS=()
FULL_GLIBC_FILTER=""
# The other allocators' own passes: int payload only (what the latency chart and the
# report's per-allocator figures read; their ratios to glibc come from the allocator
# comparison below), which keeps the full run within its budget.
# shellcheck disable=SC2054  # the commas are vtbench's list syntax
FULL_OTHER_ALLOCATOR_VTBENCH_FLAGS=(--hit=comparison --payload=int --db=async)
FULL_OTHER_ALLOCATOR_FILTER='^(cache_lookup|factory)/'
QUICK_CONFIGURATIONS=(gcc-glibc gcc-mimalloc)
QUICK_REPETITIONS=5
QUICK_MIN_TIME=0.01
# shellcheck disable=SC2054
QUICK_VTBENCH_FLAGS=(--hit=comparison --payload=int)
QUICK_FILTER=""
COUNTING_ITERATIONS=2000            # the counting pass: two whole key cycles, so counts are exact
# The unchecked pass (full run, glibc configurations): vtbench_unchecked, built with
# ValueTask's misuse tracking compiled out, times what REPORT.md splits C5's miss-path gap
# with; callgrind_check.py measures the same benchmarks into callgrind-unchecked.json.
# shellcheck disable=SC2054
UNCHECKED_VTBENCH_FLAGS=(--impl=task,value_task --hit=ends --payload=int --db=async)
UNCHECKED_FILTER='^cache_lookup/'
# shellcheck disable=SC2054
UNCHECKED_CALLGRIND_FLAGS=(--impl=task,value_task --hit=ends --output=callgrind-unchecked.json)
# The A/A check (full run): the first glibc configuration's vtbench against itself as
# interleaved processes (scripts/interleave.py, as --compare runs two revisions) into aa/,
# on a subset spanning fast (sync, value_task hits: ~4 ns) and slow (task misses, string
# payloads, factories) benchmarks; REPORT.md states its false-positive rate and noise bands.
AA_ROUNDS=10
AA_REPETITIONS=3
# shellcheck disable=SC2054
AA_VTBENCH_FLAGS=(--impl=sync,task,value_task,value_task_source --hit=ends --payload=int,string --db=async)
AA_FILTER='^(cache_lookup|factory)/'
# The allocator comparison (each compiler with glibc and another allocator): that compiler's
# vtbench under every allocator of the matrix as interleaved processes (scripts/interleave.py,
# one side per allocator) into allocators/<compiler>/<allocator>/; REPORT.md's allocator
# section is computed from it, on the implementations whose cost is an allocation on some
# path, and sync, the layout control.
# shellcheck disable=SC2054
ALLOCATOR_VTBENCH_FLAGS=(--impl=sync,task,task_from_result,value_task_coroutine,value_task,value_task_source,pooled_value_task
  --hit=ends --payload=int --db=async)
ALLOCATOR_FILTER='^cache_lookup/'
ALLOCATOR_ROUNDS=10
QUICK_ALLOCATOR_ROUNDS=5
ALLOCATOR_REPETITIONS=3
# scripts/heaptrack_check.py checks one implementation per allocation pattern the claims
# rest on (a frame on every call, C3; nothing on a hit and a wrapped Task on a miss, C4,
# C5; a pooled source that allocates nothing, C6), at the `ends` sweep.
# shellcheck disable=SC2054
HEAPTRACK_FLAGS=(--impl=task,value_task,value_task_source --hit=ends)
# scripts/callgrind_check.py (cachegrind, about 1 s a run, two at a time): the full run
# measures every implementation at 0/90/100 % hits; --quick five of them at 0 and 100 %.
FULL_CALLGRIND_FLAGS=()
# shellcheck disable=SC2054
QUICK_CALLGRIND_FLAGS=(--impl=sync,task,value_task,value_task_source,pooled_value_task --hit=ends --iterations=10000)
PINNED_CORE=1                       # taskset -c PINNED_CORE when there is more than one core
TEST_PRESETS=(gcc clang asan tsan)
BENCHMARK_TARGETS=(vtbench vtbench_counting vtb_misuse_table vtbench_service vtbench_service_counting)
FULL_ONLY_TARGETS=(vtbench_unchecked)  # the full run's unchecked pass; --quick does not build it
DOTNET_NO_SDK_EXIT=3                # scenarios/dotnet/run.sh's exit status when dotnet is absent
# --compare: rounds of one process per side (shuffled order), a few repetitions each; the
# process is the unit of the statistics, so the repetitions go into processes.
COMPARE_ROUNDS=10                   # scripts/interleave.py's default: what finds a 10 % change (see there)
COMPARE_REPETITIONS=3
COMPARE_MIN_TIME=$FULL_MIN_TIME
COMPARE_TARGET=vtbench

# ---- What the suite needs from Debian, and how each allocator is selected. --------
# The allocators' own packages come from harness/allocators.tsv (read below).
DEBIAN_PACKAGES=(cmake g++ clang libclang-rt-14-dev libbenchmark-dev libgtest-dev heaptrack valgrind
  libasio-dev libboost-context-dev libboost-fiber-dev python3-matplotlib python3-numpy python3-scipy
  python3-pytest golang-go clang-format shellcheck pyflakes3 postgresql-15 libpq-dev)
KNOWN_COMPILERS=(gcc clang)
ALLOCATOR_TABLE=harness/allocators.tsv
PYTHON=/usr/bin/python3
MAX_REPETITIONS=1000                # --repetitions above this would run for days

usage() {
  cat <<EOF
usage: ./run_all.sh [--quick] [--allocators A,B] [--compilers C,D] [--filter REGEX]
                    [--out DIR] [--repetitions N]
       ./run_all.sh --compare REV_A REV_B [--filter REGEX] [--impl A,B] [--hit H,I]
                    [--rounds N] [--repetitions N] [--out DIR]
       ./run_all.sh --test

Builds the gcc and clang benchmark binaries and runs each compiler x allocator
configuration into results/<run-id>/ (see docs/results-format.md): a timing pass
(vtbench, nothing counted, ${FULL_REPETITIONS} interleaved repetitions) and a counting
pass (vtbench_counting, ${COUNTING_ITERATIONS} iterations per benchmark after a warm-up
run); the full run (not --quick) adds an A/A check: the first glibc configuration's
vtbench against itself, ${AA_ROUNDS} rounds of one process a side in a shuffled order (aa/);
each compiler run under glibc and another allocator gets the allocator comparison: its
vtbench under every allocator as interleaved processes (${ALLOCATOR_ROUNDS} rounds, --quick
${QUICK_ALLOCATOR_ROUNDS}, of one process an allocator; allocators/), which REPORT.md's
allocator section is computed from.
Then draws the charts, cross-checks the counts with heaptrack and the costs with
valgrind, and writes REPORT.md.

  --quick             reduced sweep (${QUICK_CONFIGURATIONS[*]}; ${QUICK_VTBENCH_FLAGS[*]};
                      ${QUICK_REPETITIONS} repetitions, min time ${QUICK_MIN_TIME} s; GCC only, so
                      REPORT.md has no Clang figures); the full run is
                      ${FULL_COMPILERS[*]} x ${FULL_ALLOCATORS[*]}, ${FULL_REPETITIONS} repetitions
  --allocators A,B    allocators to run (${KNOWN_ALLOCATORS[*]}, the rows of
                      $ALLOCATOR_TABLE); with --compilers or alone, the matrix is
                      every compiler x every allocator given
  --compilers C,D     compilers to run (${KNOWN_COMPILERS[*]})
  --filter REGEX      passed to --benchmark_filter, in both passes
  --out DIR           results directory (default results/<UTC time>-<git short rev>);
                      must not exist or be empty; a run that fails or is interrupted
                      before its benchmarks are done removes what it wrote there
  --repetitions N     --benchmark_repetitions of the timing pass, 1 to ${MAX_REPETITIONS}
                      (default ${FULL_REPETITIONS}, --quick ${QUICK_REPETITIONS}; with --compare, of each
                      process: default ${COMPARE_REPETITIONS})
  --test              install, lint (clang-format, shellcheck, pyflakes), build and
                      run the tests of the presets ${TEST_PRESETS[*]}, the .NET tests
                      (where dotnet is on the PATH), then the Python tests; exit
                      non-zero if any fails
  --compare REV_A REV_B
                      build vtbench (gcc preset) at both git revisions in temporary
                      worktrees, run ${COMPARE_ROUNDS} rounds of one process per revision in a
                      shuffled order (${COMPARE_REPETITIONS} repetitions a process, pinned), and print
                      scripts/compare's judged comparison; writes the processes' JSON,
                      comparison.txt and changes.png (each change with its noise
                      band) into --out (default results/compare-<UTC time>-<A>-<B>).
                      The same revision twice is an A/A run. The worktrees are removed
                      on every exit.
  --impl A,B, --hit H,I
                      with --compare: vtbench's selection of cache_lookup
                      implementations and hit ratios (vtbench --help)
  --rounds N          with --compare: processes per revision, 4 to ${MAX_REPETITIONS} (default ${COMPARE_ROUNDS})
  --help              this help

Missing Debian packages are installed when run as root, otherwise the apt-get command
to run is printed. Progress goes to stderr.
EOF
}

# read_allocator_table: KNOWN_ALLOCATORS (in table order) and ALLOCATOR_LIBRARY (by
# name) from harness/allocators.tsv, the one allocator table; its packages join
# DEBIAN_PACKAGES.
KNOWN_ALLOCATORS=()
declare -A ALLOCATOR_LIBRARY=()
read_allocator_table() {
  local name package library marker extra
  [[ -r $ALLOCATOR_TABLE ]] || fail "$ALLOCATOR_TABLE: cannot read the allocator table"
  while read -r name package library marker extra; do
    [[ -z $name || $name == \#* ]] && continue
    [[ -n $marker && -z $extra ]] || fail "$ALLOCATOR_TABLE: the row of '$name' does not have 4 columns"
    KNOWN_ALLOCATORS+=("$name")
    ALLOCATOR_LIBRARY[$name]=${library#-}
    contains "$package" "${DEBIAN_PACKAGES[@]}" || DEBIAN_PACKAGES+=("$package")
  done <"$ALLOCATOR_TABLE"
  FULL_ALLOCATORS=("${KNOWN_ALLOCATORS[@]}")
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
# each checked against KNOWN, none twice.
parse_list() {
  local -n parsed_names=$1
  local option=$2 value=$3 name seen=()
  shift 3
  [[ -n $value ]] || fail_usage "$option needs a comma-separated list"
  IFS=, read -r -a parsed_names <<<"$value,"
  local known
  known=$(printf '%s, ' "$@")
  for name in "${parsed_names[@]}"; do
    [[ -n $name ]] || fail_usage "$option: '$value' has an empty name"
    contains "$name" "$@" || fail_usage "$option: unknown name '$name' (known: ${known%, })"
    ! contains "$name" "${seen[@]}" || fail_usage "$option: '$name' is given twice"
    seen+=("$name")
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
compare_revisions=()
rounds_option=""
selection_option=() # --impl and --hit, as vtbench flags
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
      --compare)
        $has_value && fail_usage "--compare takes two revisions: --compare REV_A REV_B"
        (($# >= 3)) || fail_usage "--compare needs two revisions: --compare REV_A REV_B"
        ;;
      --allocators | --compilers | --filter | --out | --repetitions | --impl | --hit | --rounds)
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
      --filter)
        [[ -n $value ]] || fail_usage "--filter: the regular expression is empty"
        filter=$value
        ;;
      --out)
        [[ -n $value ]] || fail_usage "--out: the directory name is empty"
        out_option=$value
        ;;
      --repetitions)
        if ! [[ $value =~ ^[1-9][0-9]{0,3}$ ]] || ((value > MAX_REPETITIONS)); then
          fail_usage "--repetitions: '$value' is not an integer from 1 to $MAX_REPETITIONS"
        fi
        repetitions_option=$value
        ;;
      --compare)
        [[ -n $2 && -n $3 ]] || fail_usage "--compare: a revision is empty"
        compare_revisions=("$2" "$3")
        shift 2
        ;;
      --impl | --hit)
        [[ -n $value ]] || fail_usage "$option needs a comma-separated list"
        selection_option+=("$option=$value")
        ;;
      --rounds)
        if ! [[ $value =~ ^[1-9][0-9]{0,3}$ ]] || ((value < 4 || value > MAX_REPETITIONS)); then
          fail_usage "--rounds: '$value' is not an integer from 4 to $MAX_REPETITIONS"
        fi
        rounds_option=$value
        ;;
    esac
    shift
  done
  if ((${#compare_revisions[@]} > 0)); then
    if $test_mode || $quick || ((${#allocators_option[@]} + ${#compilers_option[@]} > 0)); then
      fail_usage "--compare takes only --filter, --impl, --hit, --rounds, --repetitions and --out"
    fi
  elif ((${#selection_option[@]} > 0)) || [[ -n $rounds_option ]]; then
    fail_usage "--impl, --hit and --rounds go with --compare"
  fi
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

# build_benchmarks PRESET: configures PRESET and builds only what a run needs (the
# tests are --test's business).
build_benchmarks() {
  local preset=$1 targets=("${BENCHMARK_TARGETS[@]}")
  $quick || targets+=("${FULL_ONLY_TARGETS[@]}")
  log "== Building ${targets[*]} ($preset preset)"
  if ! { run_interruptibly cmake --preset "$preset" >/dev/null &&
    run_interruptibly cmake --build --preset "$preset" -j2 --target "${targets[@]}"; }; then
    fail "building the $preset preset failed"
  fi
}

# ---- --test ------------------------------------------------------------------------
# lint: the formatter and the linters, each over every file of its kind in the checkout:
# clang-format (.clang-format) on the C++ sources, shellcheck on the shell scripts,
# pyflakes on the Python scripts and their tests. Prints what each finds; false if any
# finds something.
lint() {
  local cxx_files=() shell_files=() python_files=() clean=true
  mapfile -t cxx_files < <(git ls-files '*.cpp' '*.hpp')
  mapfile -t shell_files < <(git ls-files '*.sh' '.ci/run')
  mapfile -t python_files < <(git ls-files 'scripts/*.py' 'scripts/compare' 'tests/python/*.py')
  ((${#cxx_files[@]} > 0 && ${#shell_files[@]} > 0 && ${#python_files[@]} > 0)) ||
    { log "lint: git ls-files found no files to check (not a git checkout?)"; return 1; }
  log "lint: clang-format --dry-run --Werror on ${#cxx_files[@]} C++ files"
  clang-format --dry-run --Werror "${cxx_files[@]}" || clean=false
  log "lint: shellcheck on ${shell_files[*]}"
  shellcheck "${shell_files[@]}" || clean=false
  log "lint: pyflakes3 on ${#python_files[@]} Python files"
  pyflakes3 "${python_files[@]}" || clean=false
  $clean
}

run_tests() {
  local preset stage_start summary=() failures=0 stages=1
  stage_start=$SECONDS
  log "== Lint"
  if lint; then
    summary+=("PASS  lint: clang-format, shellcheck, pyflakes ($(duration $((SECONDS - stage_start))))")
  else
    failures=$((failures + 1))
    summary+=("FAIL  lint: clang-format, shellcheck or pyflakes found something ($(duration $((SECONDS - stage_start))))")
  fi
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

  stage_start=$SECONDS
  if ! command -v dotnet >/dev/null; then
    summary+=("SKIP  dotnet: no .NET SDK (dotnet not on PATH): the C# scenario's tests did not run")
  else
    stages=$((stages + 1))
    log "== .NET tests (scenarios/dotnet/run.sh --test)"
    if scenarios/dotnet/run.sh --test; then
      summary+=("PASS  dotnet: xunit, loader and integration tests ($(duration $((SECONDS - stage_start))))")
    else
      failures=$((failures + 1))
      summary+=("FAIL  dotnet: scenarios/dotnet/run.sh --test ($(duration $((SECONDS - stage_start))))")
    fi
  fi

  local python_tests=()
  mapfile -t python_tests < <(find tests/python -name 'test_*.py' -o -name '*_test.py' 2>/dev/null)
  if ((${#python_tests[@]} == 0)); then
    summary+=("SKIP  python: no test files in tests/python")
  else
    stages=$((stages + 1))
    stage_start=$SECONDS
    log "== Python tests"
    # The .NET integration test ran in the dotnet stage.
    if VTBENCH_SKIP_DOTNET_INTEGRATION=1 "$PYTHON" -m pytest -q tests/python; then
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
configurations=()   # compiler-allocator, in run order
used_compilers=()   # the compilers those name, in order
repetitions=""
min_time=""
pin=()              # taskset prefix, or empty
pinned_core=none
library_dir=""      # where the allocators' shared objects are
out_dir=""
started=""            # the run's start (UTC) and id, set by check_out_directory
run_id=""
created_out_dir=false # whether this run created out_dir
claimed_out_dir=false # whether out_dir passed its checks (then a failed run removes what it wrote)
dotnet_status=""      # set by run_dotnet_side: measured, no-sdk or failed

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

# selection_for NAME FLAGS_ARRAY FILTER_VARIABLE: vtbench's selection flags and the
# --benchmark_filter (empty: all) for configuration NAME.
# shellcheck disable=SC2034  # both are namerefs to the caller's variables
selection_for() {
  local name=$1
  local -n selected_flags=$2 selected_filter=$3
  if $quick; then
    selected_flags=("${QUICK_VTBENCH_FLAGS[@]}")
    selected_filter=$QUICK_FILTER
  elif [[ $name == *-glibc ]]; then
    selected_flags=("${FULL_GLIBC_VTBENCH_FLAGS[@]}")
    selected_filter=$FULL_GLIBC_FILTER
  else
    selected_flags=("${FULL_OTHER_ALLOCATOR_VTBENCH_FLAGS[@]}")
    selected_filter=$FULL_OTHER_ALLOCATOR_FILTER
  fi
  [[ -z $filter ]] || selected_filter=$filter
}

# run_pass NAME PASS: one pass of configuration NAME; PASS is timing (vtbench into
# bench/NAME.json), counting (vtbench_counting into counts/NAME.json) or unchecked
# (vtbench_unchecked, timed like the timing pass, into unchecked/NAME.json).
run_pass() {
  local name=$1 pass=$2
  local compiler=${name%%-*} allocator=${name#*-}
  local binary=vtbench directory=bench pass_flags=()
  local preload=() filter_flag=() selection_flags=() selection_filter=""
  selection_for "$name" selection_flags selection_filter
  if [[ $pass == timing || $pass == unchecked ]]; then
    pass_flags=(--benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time"
      --benchmark_enable_random_interleaving=true)
    if [[ $pass == unchecked ]]; then
      binary=vtbench_unchecked
      directory=unchecked
      selection_flags=("${UNCHECKED_VTBENCH_FLAGS[@]}")
      selection_filter=$UNCHECKED_FILTER
    fi
  else
    binary=vtbench_counting
    directory=counts
    # With a fixed iteration count, any warm-up time makes Google Benchmark run the
    # benchmark once, untimed and uncounted, before the counted run.
    pass_flags=(--iterations="$COUNTING_ITERATIONS" --benchmark_min_warmup_time=0.000001 --benchmark_repetitions=1)
  fi
  [[ -z ${ALLOCATOR_LIBRARY[$allocator]} ]] || preload=(env "LD_PRELOAD=$library_dir/${ALLOCATOR_LIBRARY[$allocator]}")
  [[ -z $selection_filter ]] || filter_flag=(--benchmark_filter="$selection_filter")
  mkdir -p "$out_dir/$directory"
  local status=0 temporary
  temporary=$(mktemp "$out_dir/$directory/.$name.XXXXXX.tmp")
  local command=("${pin[@]}" "${preload[@]}" "build/$compiler/harness/$binary" --allocator="$allocator"
    "${selection_flags[@]}" "${filter_flag[@]}" "${pass_flags[@]}" --benchmark_format=console
    --benchmark_out="$temporary" --benchmark_out_format=json)
  if [[ $pass == timing ]]; then
    run_interruptibly "${command[@]}" || status=$?
  else
    run_interruptibly "${command[@]}" >/dev/null || status=$?
  fi
  if ((status != 0)); then
    rm -f "$temporary"
    fail "$name: $binary exited with status $status; $directory/$name.json not written"
  fi
  chmod 644 "$temporary"
  mv "$temporary" "$out_dir/$directory/$name.json"
}

# run_aa_check NAME: configuration NAME's vtbench against itself as interleaved processes
# into aa/A and aa/B (the A/A check).
run_aa_check() {
  local name=$1 binary=build/${1%%-*}/harness/vtbench pin_flag=()
  [[ $pinned_core == none ]] || pin_flag=(--pin "$pinned_core")
  run_interruptibly "$PYTHON" scripts/interleave.py --out "$out_dir/aa" --side "A=$binary" --side "B=$binary" \
    --rounds "$AA_ROUNDS" --repetitions "$AA_REPETITIONS" --min-time "$min_time" "${pin_flag[@]}" \
    -- --allocator="${name#*-}" "${AA_VTBENCH_FLAGS[@]}" --benchmark_filter="$AA_FILTER" ||
    fail "$name: the A/A check (scripts/interleave.py) failed; aa/ not written"
}

# allocators_of COMPILER: the allocators the matrix runs COMPILER under, glibc first.
allocators_of() {
  local compiler=$1 name
  for name in "${configurations[@]}"; do
    [[ ${name%%-*} == "$compiler" && ${name#*-} == glibc ]] && echo glibc
  done
  for name in "${configurations[@]}"; do
    [[ ${name%%-*} == "$compiler" && ${name#*-} != glibc ]] && echo "${name#*-}"
  done
  return 0
}

# run_allocator_comparison COMPILER: COMPILER's vtbench under each of its allocators as
# interleaved processes, one side per allocator (preloaded, and checked by --allocator),
# into allocators/COMPILER/<allocator>/.
run_allocator_comparison() {
  local compiler=$1 binary=build/$1/harness/vtbench allocator side_flags=() pin_flag=() rounds=$ALLOCATOR_ROUNDS
  ! $quick || rounds=$QUICK_ALLOCATOR_ROUNDS
  [[ $pinned_core == none ]] || pin_flag=(--pin "$pinned_core")
  while read -r allocator; do
    side_flags+=(--side "$allocator=$binary" --side-flag "$allocator=--allocator=$allocator")
    [[ -z ${ALLOCATOR_LIBRARY[$allocator]} ]] ||
      side_flags+=(--preload "$allocator=$library_dir/${ALLOCATOR_LIBRARY[$allocator]}")
  done < <(allocators_of "$compiler")
  mkdir -p "$out_dir/allocators"
  run_interruptibly "$PYTHON" scripts/interleave.py --out "$out_dir/allocators/$compiler" "${side_flags[@]}" \
    --rounds "$rounds" --repetitions "$ALLOCATOR_REPETITIONS" --min-time "$min_time" "${pin_flag[@]}" \
    -- "${ALLOCATOR_VTBENCH_FLAGS[@]}" --benchmark_filter="$ALLOCATOR_FILTER" ||
    fail "$compiler: the allocator comparison (scripts/interleave.py) failed; allocators/$compiler not written"
}

# run_interruptibly COMMAND...: runs COMMAND as a job of its own and waits for it, so
# that a signal to run_all.sh is handled at once (bash runs a trap only after the
# foreground command ends) and stop_on_signal can stop the whole job, its children too.
child_job=""
run_interruptibly() {
  local status=0
  "$@" </dev/null &
  child_job=$!
  wait "$child_job" || status=$?
  child_job=""
  return "$status"
}

# stop_on_signal NAME STATUS: stops the running job, then exits (clean_up_after_failure
# removes what the run wrote).
stop_on_signal() {
  log "run_all.sh: interrupted (SIG$1)"
  if [[ -n $child_job ]]; then
    kill -TERM -- "-$child_job" 2>/dev/null || true
    wait "$child_job" 2>/dev/null || true
  fi
  exit "$2"
}

# clean_up_after_failure STATUS: when the run did not finish its benchmarks (no meta.json
# yet, or a --compare that failed: it writes none), removes what it wrote into the results directory,
# which it found absent or empty: the directory itself if the run created it, else
# everything in it. Nothing else is touched.
clean_up_after_failure() {
  local status=$1
  if ((status == 0)) || ! $claimed_out_dir || [[ ! -d $out_dir || -e $out_dir/meta.json ]]; then
    return
  fi
  if $created_out_dir; then
    rm -rf "$out_dir"
  else
    find "$out_dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  fi
  log "run_all.sh: removed what this run wrote in $out_dir"
}

# on_exit: what every exit of a run does: --compare's worktrees go, and a failed run's
# results.
on_exit() {
  local status=$?
  remove_compare_worktrees
  clean_up_after_failure "$status"
}

# ---- --compare REV_A REV_B --------------------------------------------------------
compare_temporary=""  # the worktrees' directory, removed by remove_compare_worktrees
compare_worktrees=()

remove_compare_worktrees() {
  local worktree
  for worktree in "${compare_worktrees[@]}"; do
    git worktree remove --force "$worktree" 2>/dev/null || true
  done
  [[ -z $compare_temporary ]] || rm -rf "$compare_temporary"
  compare_worktrees=()
  compare_temporary=""
}

# resolve_revision REV: the commit REV names, or a usage error naming it.
resolve_revision() {
  git rev-parse --verify --quiet "$1^{commit}" || fail_usage "--compare: unknown revision '$1'"
}

# build_revision REV COMMIT DIR: a worktree of COMMIT at DIR with its vtbench built by the
# gcc preset; one line naming the revision when it does not build.
build_revision() {
  local revision=$1 commit=$2 worktree=$3 log_file=$3.build.log last
  git worktree add --quiet --detach "$worktree" "$commit" || fail "--compare: cannot check out '$revision' into $worktree"
  compare_worktrees+=("$worktree")
  log "== Building $COMPARE_TARGET at $revision (${commit:0:12}) in $worktree"
  # The gcc build preset is its configure preset's binary directory, built as it is here.
  if ! { run_interruptibly cmake -S "$worktree" --preset gcc &&
    run_interruptibly cmake --build "$worktree/build/gcc" -j2 --target "$COMPARE_TARGET"; } >"$log_file" 2>&1; then
    last=$(grep -m1 -E 'error|Error' "$log_file" || tail -n1 "$log_file")
    fail "--compare: revision '$revision' (${commit:0:12}) does not build with the gcc preset: ${last:0:300}"
  fi
}

compare_revisions_main() {
  local started_seconds=$SECONDS commits=() binaries=() index
  commits[0]=$(resolve_revision "${compare_revisions[0]}")
  commits[1]=$(resolve_revision "${compare_revisions[1]}")
  if [[ -z $out_option ]]; then
    out_option=results/compare-$(date -u +%Y%m%d-%H%M%S)-${commits[0]:0:7}-${commits[1]:0:7}
  fi
  check_out_directory
  install_missing_packages
  prepare_run
  compare_temporary=$(mktemp -d "${TMPDIR:-/tmp}/vtbench-compare.XXXXXX")
  build_revision "${compare_revisions[0]}" "${commits[0]}" "$compare_temporary/A"
  binaries[0]=$compare_temporary/A/build/gcc/harness/$COMPARE_TARGET
  if [[ ${commits[0]} == "${commits[1]}" ]]; then
    log "-- Both revisions are ${commits[0]:0:12}: an A/A run of one binary"
    binaries[1]=${binaries[0]}
  else
    build_revision "${compare_revisions[1]}" "${commits[1]}" "$compare_temporary/B"
    binaries[1]=$compare_temporary/B/build/gcc/harness/$COMPARE_TARGET
  fi
  local flags=("${selection_option[@]}") pin_flag=()
  [[ -z $filter ]] || flags+=("--benchmark_filter=$filter")
  [[ $pinned_core == none ]] || pin_flag=(--pin "$pinned_core")
  log "== Interleaving ${compare_revisions[0]} (A) and ${compare_revisions[1]} (B): ${flags[*]:-every benchmark}"
  run_interruptibly "$PYTHON" scripts/interleave.py --out "$out_dir/processes" \
    --side "A=${binaries[0]}" --side "B=${binaries[1]}" --rounds "${rounds_option:-$COMPARE_ROUNDS}" \
    --repetitions "${repetitions_option:-$COMPARE_REPETITIONS}" --min-time "$COMPARE_MIN_TIME" "${pin_flag[@]}" \
    -- "${flags[@]}"
  local labels=()
  for index in 0 1; do
    labels+=("${compare_revisions[index]} (${commits[index]:0:12}: $(git log -1 --format=%s "${commits[index]}" | cut -c1-60))")
  done
  scripts/compare "$out_dir/processes/A" "$out_dir/processes/B" --labels "${labels[@]}" \
    --chart "$out_dir/changes.png" >"$out_dir/comparison.txt"
  cat "$out_dir/comparison.txt"
  log "== Compared in $(duration $((SECONDS - started_seconds))): $out_dir/comparison.txt, $out_dir/changes.png"
}

# run_dotnet_side DIR [--quick]: the C# scenarios on .NET into DIR; without a .NET SDK
# one line says so and DIR is not written (REPORT.md then says "not measured").
run_dotnet_side() {
  local dir=$1 status=0 started=$SECONDS
  shift
  log "== .NET side: scenarios/dotnet/run.sh $* $dir"
  run_interruptibly scenarios/dotnet/run.sh "$@" "$dir" || status=$?
  if ((status == DOTNET_NO_SDK_EXIT)); then
    log "-- .NET not measured: no .NET SDK (dotnet is not on the PATH)"
    dotnet_status=no-sdk
    return 0
  fi
  if ((status != 0)); then
    dotnet_status=failed
    return 1
  fi
  dotnet_status=measured
  log "== .NET side done in $(duration $((SECONDS - started)))"
}

# run_service_scenario [--quick]: the service scenario (scripts/service_run.py) with the first
# compiler's glibc build, against the run's own PostgreSQL server; not with --filter (a
# narrowed run), and "not measured" where PostgreSQL is missing.
run_service_scenario() {
  local compiler=${used_compilers[0]} started=$SECONDS
  if [[ -n $filter ]]; then
    log "-- Service scenario: not run (--filter narrows the run to benchmarks)"
    return 0
  fi
  log "== Service scenario ($compiler-glibc, the run's own PostgreSQL server)"
  run_interruptibly "$PYTHON" scripts/service_run.py "$out_dir" --build "build/$compiler" --config "$compiler-glibc" \
    "$@" || return 1
  log "== Service scenario done in $(duration $((SECONDS - started)))"
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
  run_interruptibly "$PYTHON" "$script" "$@"
}

# write_misuse_table DIR COMPILER: runs every misuse case for real into DIR/misuse.json.
write_misuse_table() {
  log "== vtb_misuse_table -> $1/misuse.json"
  run_interruptibly "build/$2/scenarios/vtb_misuse_table" "$1/misuse.json" >/dev/null
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

# check_out_directory: picks the results directory and claims it before anything is
# installed or built: it must be absent (then it is created) or an empty directory, and
# writable.
check_out_directory() {
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  run_id=$(date -u -d "$started" +%Y%m%d-%H%M%S)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)
  out_dir=${out_option:-results/$run_id}
  if [[ -e $out_dir && ! -d $out_dir ]]; then
    fail_usage "--out $out_dir: not a directory"
  fi
  if [[ -e $out_dir && -n $(ls -A "$out_dir" 2>/dev/null) ]]; then
    fail_usage "--out $out_dir: exists and is not empty"
  fi
  [[ -e $out_dir ]] || created_out_dir=true
  mkdir -p "$out_dir" 2>/dev/null || fail_usage "--out $out_dir: cannot create the directory"
  claimed_out_dir=true
  local probe=$out_dir/.vtbench-write-check
  { : >"$probe" && rm -f "$probe"; } 2>/dev/null || fail_usage "--out $out_dir: not writable"
}

run_benchmarks() {
  choose_matrix
  local started_seconds=$SECONDS git_revision
  git_revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  prepare_run

  log "== vtbench run $run_id -> $out_dir"
  log "   configurations: ${configurations[*]}"
  log "   timing pass: vtbench, $repetitions interleaved repetitions, min time $min_time s"
  log "   counting pass: vtbench_counting, $COUNTING_ITERATIONS iterations after a warm-up run"
  $quick || log "   unchecked pass (glibc): vtbench_unchecked ${UNCHECKED_VTBENCH_FLAGS[*]}"
  $quick || log "   A/A check: ${AA_ROUNDS} rounds x 2 interleaved processes, ${AA_REPETITIONS} repetitions each: ${AA_VTBENCH_FLAGS[*]}; filter $AA_FILTER"
  log "   allocator comparison (a compiler with glibc and another allocator): $($quick && echo "$QUICK_ALLOCATOR_ROUNDS" || echo "$ALLOCATOR_ROUNDS") rounds x one process an allocator, ${ALLOCATOR_REPETITIONS} repetitions each: ${ALLOCATOR_VTBENCH_FLAGS[*]}; filter $ALLOCATOR_FILTER"
  local name run_flags=() run_filter=""
  for name in "${configurations[@]}"; do
    selection_for "$name" run_flags run_filter
    log "   $name: ${run_flags[*]:-whole sweep}; filter ${run_filter:-(all)}"
  done
  log "   pinned core: $pinned_core"
  local compiler
  for compiler in "${used_compilers[@]}"; do
    build_benchmarks "$compiler"
  done

  local passes=() pass index=0 finished=0 benchmark_seconds=0 run_start eta aa_configuration=""
  for name in "${configurations[@]}"; do
    passes+=("$name:timing" "$name:counting")
    if ! $quick && [[ $name == *-glibc && -z $filter ]]; then
      passes+=("$name:unchecked")
    fi
    [[ -n $aa_configuration || $name != *-glibc ]] || aa_configuration=$name
  done
  local compiler_allocators
  for compiler in "${used_compilers[@]}"; do
    mapfile -t compiler_allocators < <(allocators_of "$compiler")
    if [[ -z $filter && ${#compiler_allocators[@]} -ge 2 && ${compiler_allocators[0]} == glibc ]]; then
      passes+=("$compiler:allocators")
    fi
  done
  if $quick; then
    log "   A/A check: none (--quick)"
  elif [[ -z $aa_configuration ]]; then
    log "   A/A check: none (no glibc configuration)"
  else
    passes+=("$aa_configuration:aa")
  fi
  for pass in "${passes[@]}"; do
    index=$((index + 1))
    eta=unknown
    ((finished == 0)) || eta=$(duration $((benchmark_seconds * (${#passes[@]} - index + 1) / finished)))
    log "[$index/${#passes[@]}] ${pass%%:*}, ${pass#*:} pass - elapsed $(duration $((SECONDS - started_seconds))) - ETA $eta"
    run_start=$SECONDS
    if [[ ${pass#*:} == aa ]]; then
      run_aa_check "${pass%%:*}"
    elif [[ ${pass#*:} == allocators ]]; then
      run_allocator_comparison "${pass%%:*}"
    else
      run_pass "${pass%%:*}" "${pass#*:}"
    fi
    finished=$((finished + 1))
    benchmark_seconds=$((benchmark_seconds + SECONDS - run_start))
  done

  local quick_flag=() failed_scripts=()
  ! $quick || quick_flag=(--quick)
  run_dotnet_side "$out_dir/dotnet" "${quick_flag[@]}" || failed_scripts+=(scenarios/dotnet/run.sh)
  run_service_scenario "${quick_flag[@]}" || failed_scripts+=(service_run.py)
  "$PYTHON" scripts/write_meta.py "$out_dir" --run-id "$run_id" --command "$original_command" "${quick_flag[@]}" \
    --started "$started" --finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --git-revision "$git_revision" \
    --repetitions "$repetitions" --min-time "$min_time" --pinned-core "$pinned_core" \
    --counting-iterations "$COUNTING_ITERATIONS" --dotnet "$dotnet_status" \
    --configurations "$(IFS=, && echo "${configurations[*]}")"
  log "== Benchmarks done in $(duration $((SECONDS - started_seconds))): $out_dir"

  # The cross-checks use GCC's binaries where they were built: heaptrack the counting
  # binary (whose own counts it checks), cachegrind the timing binary (nothing counted).
  local probe_compiler=${used_compilers[0]}
  ! contains gcc "${used_compilers[@]}" || probe_compiler=gcc
  write_misuse_table "$out_dir" "$probe_compiler" || failed_scripts+=(vtb_misuse_table)
  write_goroutine_probe "$out_dir" || failed_scripts+=(goroutine-probe)
  run_analysis_script heaptrack_check.py "$out_dir" --binary "build/$probe_compiler/harness/vtbench_counting" \
    "${HEAPTRACK_FLAGS[@]}" ||
    failed_scripts+=(heaptrack_check.py)
  local callgrind_flags=("${FULL_CALLGRIND_FLAGS[@]}")
  ! $quick || callgrind_flags=("${QUICK_CALLGRIND_FLAGS[@]}")
  run_analysis_script callgrind_check.py "$out_dir" --binary "build/$probe_compiler/harness/vtbench" \
    --config "$probe_compiler-glibc" "${callgrind_flags[@]}" || failed_scripts+=(callgrind_check.py)
  if [[ -d $out_dir/unchecked ]]; then
    run_analysis_script callgrind_check.py "$out_dir" --binary "build/$probe_compiler/harness/vtbench_unchecked" \
      --config "$probe_compiler-glibc" "${UNCHECKED_CALLGRIND_FLAGS[@]}" || failed_scripts+=(callgrind_check.py)
  fi
  run_analysis_script charts.py "$out_dir" || failed_scripts+=(charts.py)
  run_analysis_script report.py "$out_dir" || failed_scripts+=(report.py)
  if ((${#failed_scripts[@]} > 0)); then
    fail "the benchmark results in $out_dir are complete, but these failed: ${failed_scripts[*]}"
  fi
  log "== Done in $(duration $((SECONDS - started_seconds))): $out_dir"
}

main() {
  local invoked_from=$PWD
  cd "$(dirname "${BASH_SOURCE[0]}")"
  read_allocator_table
  parse_arguments "$@"
  [[ -z $out_option || $out_option == /* ]] || out_option=$invoked_from/$out_option
  if $test_mode; then
    install_missing_packages
    run_tests
  else
    set -m # every run_interruptibly job gets a process group of its own
    trap on_exit EXIT
    trap 'stop_on_signal INT 130' INT
    trap 'stop_on_signal TERM 143' TERM
    if ((${#compare_revisions[@]} > 0)); then
      compare_revisions_main
    else
      check_out_directory
      install_missing_packages
      run_benchmarks
    fi
  fi
}

main "$@"
