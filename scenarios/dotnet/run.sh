#!/usr/bin/env bash
# scenarios/dotnet/run.sh: vtbench's .NET side (issue 9), for run_all.sh or by hand.
#
#   scenarios/dotnet/run.sh [--quick] [--runtime-async|--no-runtime-async] OUT_DIR
#       builds Vtbench.Benchmarks (Release) and runs BenchmarkDotNet, the misuse table and
#       the footprint probe into OUT_DIR, which must be absent or empty. Everything is
#       written to a staging folder beside OUT_DIR and moved into place at the end, so
#       OUT_DIR is either complete or untouched. Layout: scenarios/dotnet/README.md.
#   scenarios/dotnet/run.sh --service [--quick] OUT_DIR
#       builds Vtbench.Benchmarks (Release) and runs its service mode (the cache in front of
#       PostgreSQL through Npgsql, docs/service-format.md) into OUT_DIR, absent or empty, staged
#       and moved in as above: service.json (workstation GC, the sweep), and the GC sweep
#       (hit 0,90,99,100; 16 clients; 1 worker; closed loop) under server GC
#       (service-server-gc.json: DOTNET_gcServer=1) and under a constrained heap
#       (service-constrained-heap.json: DOTNET_GCHeapHardLimit, DOTNET_GCConserveMemory,
#       DOTNET_GCgen0size), and without Npgsql's multiplexing at hit 0,90,99
#       (service-no-multiplexing.json: one connection per request in flight), and the GC sweep
#       with the runtime-async preview build (service-runtime-async.json; left out, with a
#       line saying so, where the preview's build or run fails).
#       The server is the one the PG* variables name (the run's: run_all.sh starts it); when
#       PGHOST is not set, a private one of its own (scripts/pg_server.py run) in a fresh
#       directory under /tmp, stopped and removed at the end. --quick: service.json only, with
#       the sweep of hit 0,90,99,100, 16 clients, 1 worker, 3 repetitions of 0.02 s.
#   scenarios/dotnet/run.sh --test
#       dotnet test (xunit), then pytest tests/python/test_dotnet_results.py (the loader
#       on its fixture and the integration test: one BenchmarkDotNet benchmark, tiny job).
#
# Exit codes: 0 done; 1 a build, benchmark or test failed; 2 bad usage;
#             3 no .NET SDK (dotnet not on PATH): one line says so, nothing is written
#             (--service: also 3 when no PostgreSQL is installed, as pg_server.py).
# Progress lines go to stderr, each starting with "dotnet:".
set -euo pipefail

readonly NO_SDK_EXIT=3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PROJECT=$HERE/Vtbench.Benchmarks/Vtbench.Benchmarks.csproj
TESTS=$HERE/Vtbench.Benchmarks.Tests/Vtbench.Benchmarks.Tests.csproj
BUILD_ROOT=${VTBENCH_DOTNET_BUILD:-$REPO/build/dotnet}
PYTHON=${PYTHON:-/usr/bin/python3}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=0

usage() {
  cat <<EOF
usage: scenarios/dotnet/run.sh [--quick] [--runtime-async|--no-runtime-async] OUT_DIR
       scenarios/dotnet/run.sh --service [--quick] OUT_DIR
       scenarios/dotnet/run.sh --test

  --quick             fewer hit ratios (int 0,90,100; string 0,100) and a shorter job
  --runtime-async     also build and run the cache scenario with the runtime-async
                      preview (the default of a full run; --quick skips it)
  --no-runtime-async  skip that second build
  --service           the service scenario against PostgreSQL (the PG* variables' server,
                      else a private one) instead of the benchmarks
  --test              xunit tests, then the Python loader and integration tests

Exit codes: 0 done, 1 failed, 2 bad usage, $NO_SDK_EXIT no .NET SDK on PATH.
EOF
}

log() {
  echo "dotnet: $*" >&2
}

fail() {
  echo "dotnet: $*" >&2
  exit 1
}

fail_usage() {
  echo "run.sh: $*" >&2
  exit 2
}

require_sdk() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "dotnet: not measured (no .NET SDK: dotnet is not on PATH)" >&2
    exit "$NO_SDK_EXIT"
  fi
}

# build FLAVOUR [MSBUILD_PROPERTY...]: a Release build into $BUILD_ROOT/FLAVOUR; its log on failure.
build() {
  local flavour=$1
  shift
  local log_file=$BUILD_ROOT/$flavour.build.log
  mkdir -p "$BUILD_ROOT"
  log "building $flavour -> $BUILD_ROOT/$flavour"
  if ! dotnet build "$PROJECT" -c Release --artifacts-path "$BUILD_ROOT/$flavour" -nologo -clp:NoSummary "$@" \
    >"$log_file" 2>&1; then
    tail -n 20 "$log_file" >&2
    fail "the $flavour build failed (log: $log_file)"
  fi
}

program_dll() {
  echo "$BUILD_ROOT/$1/bin/Vtbench.Benchmarks/release/Vtbench.Benchmarks.dll"
}

run_tests() {
  require_sdk
  local started=$SECONDS
  log "dotnet test (xunit)"
  dotnet test "$TESTS" -c Release --artifacts-path "$BUILD_ROOT/tests" -nologo ||
    fail "dotnet test failed"
  build default
  log "pytest tests/python/test_dotnet_results.py"
  (cd "$REPO" && VTBENCH_DOTNET_DLL=$(program_dll default) "$PYTHON" -m pytest -q tests/python/test_dotnet_results.py) ||
    fail "pytest tests/python/test_dotnet_results.py failed"
  log "all .NET tests passed in $((SECONDS - started)) s"
}

# check_out_dir OUT_DIR: refuses (exit 2) an OUT_DIR that is a file or a non-empty directory.
check_out_dir() {
  local out_dir=$1
  if [[ -e $out_dir && ! -d $out_dir ]]; then
    fail_usage "$out_dir exists and is not a directory"
  fi
  if [[ -d $out_dir && -n $(ls -A "$out_dir") ]]; then
    fail_usage "$out_dir exists and is not empty"
  fi
}

# make_stage OUT_DIR: a new staging folder beside OUT_DIR (its path on stdout).
make_stage() {
  local parent
  parent=$(dirname "$1")
  mkdir -p "$parent"
  mktemp -d "$parent/.dotnet-staging.XXXXXX"
}

# run_benchmarks DLL OUT [ARG...]: BenchmarkDotNet into OUT (bdn.log, results/*.json, *.md).
run_benchmarks() {
  local dll=$1 out=$2
  shift 2
  dotnet "$dll" bench "$out" "$@" || fail "BenchmarkDotNet failed (see $out/bdn.log)"
}

run_all() {
  local out_dir=$1 quick=$2 runtime_async=$3
  require_sdk
  check_out_dir "$out_dir"
  local stage
  stage=$(make_stage "$out_dir")
  # shellcheck disable=SC2064  # expand now: the trap must remove this staging folder
  trap "rm -rf '$stage'" EXIT

  local started=$SECONDS quick_flag=()
  ! $quick || quick_flag=(--quick)
  log "== .NET benchmarks ($(dotnet --version)) -> $out_dir${quick_flag:+ (quick)}"
  build default
  local dll
  dll=$(program_dll default)
  dotnet "$dll" meta "$stage/meta.json" "${quick_flag[@]}" || fail "could not write meta.json"
  log "misuse table -> misuse.json"
  dotnet "$dll" misuse "$stage/misuse.json" || fail "the misuse table failed"
  log "footprint -> footprint.json"
  dotnet "$dll" footprint "$stage/footprint.json" || fail "the footprint probe failed"
  log "BenchmarkDotNet (default build)"
  run_benchmarks "$dll" "$stage/bdn" "${quick_flag[@]}"
  local default_seconds=$((SECONDS - started)) runtime_async_status=skipped
  if $runtime_async; then
    local ra_started=$SECONDS
    if build_runtime_async; then
      log "BenchmarkDotNet (runtime-async build: cache scenario, driver and suspension, int, hit 0/50/90/99/100)"
      # The runtime loads runtime-async methods only with this switch (else: TypeLoadException,
      # "the format is invalid").
      DOTNET_RuntimeAsync=1 run_benchmarks "$(program_dll runtime-async)" "$stage/runtime-async/bdn" \
        "${quick_flag[@]}" --reduced --filter '*CacheLookupInt*,*DriverInt*,*Suspension*'
      DOTNET_RuntimeAsync=1 dotnet "$(program_dll runtime-async)" meta "$stage/runtime-async/meta.json" \
        "${quick_flag[@]}" --reduced || fail "could not write runtime-async/meta.json"
      runtime_async_status=measured
    else
      runtime_async_status=build-failed
    fi
    log "runtime-async part took $((SECONDS - ra_started)) s"
  fi
  "$PYTHON" - "$stage/meta.json" "$(dotnet --version)" "$((SECONDS - started))" "$default_seconds" \
    "$runtime_async_status" <<'EOF' || fail "could not complete meta.json"
import json, sys
path, sdk, seconds, default_seconds, runtime_async = sys.argv[1:]
with open(path) as f:
    meta = json.load(f)
meta["sdk_version"] = sdk
meta["wall_seconds"] = int(seconds)
meta["default_build_wall_seconds"] = int(default_seconds)
meta["runtime_async_build"] = runtime_async
with open(path, "w") as f:
    json.dump(meta, f, indent=2)
    f.write("\n")
EOF
  [[ ! -d $out_dir ]] || rmdir "$out_dir"
  mv "$stage" "$out_dir"
  trap - EXIT
  log "== .NET part done in $((SECONDS - started)) s: $out_dir"
}

# The runtime-async preview build: its failure is recorded, not fatal.
build_runtime_async() {
  local log_file=$BUILD_ROOT/runtime-async.build.log
  log "building runtime-async -> $BUILD_ROOT/runtime-async"
  mkdir -p "$BUILD_ROOT"
  if dotnet build "$PROJECT" -c Release --artifacts-path "$BUILD_ROOT/runtime-async" -nologo -clp:NoSummary \
    -p:VtbenchRuntimeAsync=true >"$log_file" 2>&1; then
    return 0
  fi
  log "the runtime-async build failed; the run goes on without it (log: $log_file)"
  return 1
}

# The service mode's sweeps (Vtbench.Benchmarks service's flags; its defaults are the full sweep).
SERVICE_FULL=(--repetitions=4 --seconds=0.03 --warm-up-seconds=0.02)
SERVICE_QUICK=("--hit=0,90,99,100" --clients=16 --workers=1 --repetitions=3 --seconds=0.02 --warm-up-seconds=0.01)
SERVICE_GC_LOAD=(--clients=16 --workers=1 --loop=closed --repetitions=4 --seconds=0.03 --warm-up-seconds=0.02)
SERVICE_GC=("--hit=0,90,99,100" "${SERVICE_GC_LOAD[@]}")
# Without Npgsql's multiplexing: hit 100 sends no query, so it is left out.
SERVICE_NO_MULTIPLEXING=(--multiplexing=off "--hit=0,90,99" "${SERVICE_GC_LOAD[@]}")
# A constrained heap: 32 MiB at most, kept compact, and a gen0 budget of 256 KiB. The hard limit
# alone (32 or 64 MiB) left gen0's budget as it was (task at 100 % hits: 0.034 collections per
# 1000 requests either way); with GCgen0size the task forms collect 8x as often (0.28).
SERVICE_CONSTRAINED_HEAP=(DOTNET_GCHeapHardLimit=0x2000000 DOTNET_GCConserveMemory=5 DOTNET_GCgen0size=0x40000)

# run_service_runtime_async STAGE: the GC sweep with the runtime-async preview build, where the
# preview allows: a failed build or run is logged and leaves the file out, as for the benchmarks.
run_service_runtime_async() {
  local stage=$1
  build_runtime_async || return 0
  log "service (runtime-async preview, workstation GC) -> service-runtime-async.json"
  DOTNET_RuntimeAsync=1 dotnet "$(program_dll runtime-async)" service --out "$stage/service-runtime-async.json" \
    "${SERVICE_GC[@]}" || {
    rm -f "$stage/service-runtime-async.json"
    log "the runtime-async service run failed; the run goes on without it"
  }
}

# run_service OUT_DIR QUICK: the service mode's runs into OUT_DIR (staged beside it).
run_service() {
  local out_dir=$1 quick=$2
  require_sdk
  check_out_dir "$out_dir"
  if [[ -z ${PGHOST:-} ]]; then
    local server_dir quick_flag=()
    ! $quick || quick_flag=(--quick)
    server_dir=$(mktemp -d /tmp/vtb-dotnet-pg.XXXXXX)
    rmdir "$server_dir" # pg_server.py makes it, owned by the server's user
    log "PGHOST is not set: a private PostgreSQL server in $server_dir"
    exec "$PYTHON" "$REPO/scripts/pg_server.py" run "$server_dir" -- "$0" --service "${quick_flag[@]}" "$out_dir"
  fi
  local stage
  stage=$(make_stage "$out_dir")
  # shellcheck disable=SC2064  # expand now: the trap must remove this staging folder
  trap "rm -rf '$stage'" EXIT
  local started=$SECONDS
  build default
  local dll sweep=("${SERVICE_FULL[@]}")
  dll=$(program_dll default)
  ! $quick || sweep=("${SERVICE_QUICK[@]}")
  log "service (workstation GC) -> service.json"
  dotnet "$dll" service --out "$stage/service.json" "${sweep[@]}" || fail "the service run failed (workstation GC)"
  if ! $quick; then
    log "service (server GC) -> service-server-gc.json"
    DOTNET_gcServer=1 dotnet "$dll" service --out "$stage/service-server-gc.json" "${SERVICE_GC[@]}" ||
      fail "the service run failed (server GC)"
    log "service (constrained heap: ${SERVICE_CONSTRAINED_HEAP[*]}) -> service-constrained-heap.json"
    env "${SERVICE_CONSTRAINED_HEAP[@]}" dotnet "$dll" service --out "$stage/service-constrained-heap.json" \
      "${SERVICE_GC[@]}" || fail "the service run failed (constrained heap)"
    log "service (workstation GC, Npgsql without multiplexing) -> service-no-multiplexing.json"
    dotnet "$dll" service --out "$stage/service-no-multiplexing.json" "${SERVICE_NO_MULTIPLEXING[@]}" ||
      fail "the service run failed (without multiplexing)"
    run_service_runtime_async "$stage"
  fi
  [[ ! -d $out_dir ]] || rmdir "$out_dir"
  mv "$stage" "$out_dir"
  trap - EXIT
  log "== .NET service part done in $((SECONDS - started)) s: $out_dir"
}

main() {
  local quick=false runtime_async="" test_mode=false service=false out_dir=""
  while (($# > 0)); do
    case $1 in
      --quick) quick=true ;;
      --no-runtime-async) runtime_async=false ;;
      --runtime-async) runtime_async=true ;;
      --test) test_mode=true ;;
      --service) service=true ;;
      -h | --help)
        usage
        exit 0
        ;;
      -*) fail_usage "unknown option $1 (see --help)" ;;
      *)
        [[ -z $out_dir ]] || fail_usage "one OUT_DIR only (got $out_dir and $1)"
        out_dir=$1
        ;;
    esac
    shift
  done
  if $test_mode; then
    [[ -z $out_dir ]] || fail_usage "--test takes no OUT_DIR"
    run_tests
    return
  fi
  [[ -n $out_dir ]] || fail_usage "OUT_DIR is required (see --help)"
  if $service; then
    [[ -z $runtime_async ]] || fail_usage "--service takes no --runtime-async or --no-runtime-async"
    run_service "$out_dir" "$quick"
    return
  fi
  if [[ -z $runtime_async ]]; then
    runtime_async=true
    ! $quick || runtime_async=false
  fi
  run_all "$out_dir" "$quick" "$runtime_async"
}

main "$@"
