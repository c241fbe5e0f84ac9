#!/usr/bin/env bash
# vtbench's command line end to end: bad values (ours, and Google Benchmark's that its
# 1.7.1 would answer with usage and exit 0) give one stderr line naming them and exit 2,
# --allocator refuses a mislabelled run, --list prints the vocabulary, and a
# fixed-iteration run writes JSON with the vtbench context (counters present in
# vtbench_counting, absent in vtbench).
# usage: cli_test.sh VTBENCH_COUNTING VTBENCH [PRELOADABLE_ALLOCATOR_SO ALLOCATOR_NAME]
set -euo pipefail

if [[ $# -ne 2 && $# -ne 4 ]]; then
  echo "usage: cli_test.sh VTBENCH_COUNTING VTBENCH [ALLOCATOR_SO ALLOCATOR_NAME]" >&2
  exit 2
fi
vtbench=$1
vtbench_timing=$2
other_allocator_so=${3:-}
other_allocator=${4:-}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_usage_error WORD ARGS...: exit 2 and exactly one stderr line containing WORD.
expect_usage_error() {
  local word=$1 status=0
  shift
  "$@" >"$scratch/stdout" 2>"$scratch/stderr" || status=$?
  local lines
  lines=$(wc -l <"$scratch/stderr")
  if [[ $status -ne 2 || $lines -ne 1 ]] || ! grep -qF -- "$word" "$scratch/stderr"; then
    fail "$* -> exit $status, $lines stderr lines: $(head -c 300 "$scratch/stderr")"
  else
    echo "ok: ${*:2} -> exit 2: $(cat "$scratch/stderr")"
  fi
}

expect_usage_error 150 "$vtbench" --hit=150
expect_usage_error abc "$vtbench" --hit=abc
expect_usage_error foo "$vtbench" --allocator=foo
expect_usage_error nope "$vtbench" --impl=nope
expect_usage_error float "$vtbench" --payload=float
expect_usage_error never "$vtbench" --db=never
expect_usage_error "'0'" "$vtbench" --iterations=0
expect_usage_error "'50' is given twice" "$vtbench" --hit=50,50
expect_usage_error "'task' is given twice" "$vtbench" --impl=task,task
expect_usage_error "'xml'" "$vtbench" --benchmark_format=xml
expect_usage_error "'xml'" "$vtbench" --benchmark_out_format=xml
expect_usage_error "'min'" "$vtbench" --benchmark_time_unit=min
expect_usage_error "'-3'" "$vtbench" --benchmark_repetitions=-3
expect_usage_error "active allocator is glibc" "$vtbench" --allocator=mimalloc
if [[ -n $other_allocator_so ]]; then
  expect_usage_error "active allocator is $other_allocator" env LD_PRELOAD="$other_allocator_so" "$vtbench" --allocator=glibc
fi

status=0
"$vtbench" --benchmark_no_such_flag >/dev/null 2>"$scratch/stderr" || status=$?
[[ $status -eq 2 ]] || fail "an unknown --benchmark_ flag -> exit $status"

"$vtbench" --help >"$scratch/help" || fail "--help exited non-zero"
grep -qF -- "--list" "$scratch/help" || fail "--help does not describe --list"
grep -qF -- "--hit=" "$scratch/help" || fail "--help does not describe the scenarios' flags"
grep -qF -- "--benchmark_filter" "$scratch/help" || fail "--help does not show Google Benchmark's flags"

"$vtbench" --list >"$scratch/vocabulary.json" || fail "--list exited non-zero"
# The scripts' tests read a copy of the vocabulary (tests/python/fixtures/vocabulary.json):
# it must be what vtbench publishes.
if [[ -n ${VTB_FIXTURE_VOCABULARY:-} ]] &&
  ! /usr/bin/python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
    "$scratch/vocabulary.json" "$VTB_FIXTURE_VOCABULARY"; then
  fail "--list differs from $VTB_FIXTURE_VOCABULARY (refresh it and the fixtures' vtb_vocabulary from vtbench --list)"
fi
first_implementation=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["implementations"][0]["name"])' \
  "$scratch/vocabulary.json") || fail "--list printed no vocabulary"

# check_json FILE COUNTING: every iteration entry ran exactly 100 iterations, the
# context carries the vtbench keys, and counters are present exactly when counting.
check_json() {
  /usr/bin/python3 - "$1" "$2" <<'PYTHON'
import json, sys
path, counting = sys.argv[1], sys.argv[2]
results = json.load(open(path))
context = results["context"]
for key in ("vtb_allocator", "vtb_allocator_version", "vtb_allocator_library", "vtb_compiler",
            "vtb_compiler_version", "vtb_cxx_flags", "vtb_build_type", "vtb_counting", "vtb_git_revision",
            "vtb_benchmark_library_build", "vtb_vocabulary"):
    assert context.get(key), f"context lacks {key}"
vocabulary = json.loads(context["vtb_vocabulary"])
assert vocabulary["hit_percent_sweeps"]["ends"] == [0, 100], vocabulary["hit_percent_sweeps"]
assert context["vtb_allocator"] == "glibc", context["vtb_allocator"]
assert context["vtb_counting"] == counting, context["vtb_counting"]
runs = [entry for entry in results["benchmarks"] if entry["run_type"] == "iteration"]
assert runs, "no benchmark ran"
for entry in runs:
    assert entry["iterations"] == 100, (entry["name"], entry["iterations"])
    assert ("allocs_per_op" in entry) == (counting == "on"), entry["name"]
PYTHON
}

for binary in "$vtbench" "$vtbench_timing"; do
  counting=on
  [[ $binary == "$vtbench_timing" ]] && counting=off
  if "$binary" --allocator=glibc --impl="$first_implementation" --hit=ends --payload=int --iterations=100 \
      --benchmark_filter='^cache_lookup/' --benchmark_out="$scratch/out.json" --benchmark_out_format=json \
      >/dev/null 2>"$scratch/stderr"; then
    if check_json "$scratch/out.json" "$counting"; then
      echo "ok: $(basename "$binary") fixed-iteration run, counting $counting"
    else
      fail "$(basename "$binary") JSON check"
    fi
  else
    fail "$(basename "$binary") run: $(head -c 300 "$scratch/stderr")"
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all command-line checks passed"
