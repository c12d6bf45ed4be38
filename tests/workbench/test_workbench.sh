#!/usr/bin/env bash
# tools/workbench as a reader uses it, on chapter 03, in a scratch folder:
#   start 03  -> chapter 02's code and the chapter's steps; test 03 fails and names the missing
#   EPollPoller files; step 1's files copied in -> test 03 --step 1 passes and leaves out step
#   2's tests; the reference chapter 03 copied in -> test 03 passes; diff 03 shows no difference;
#   exercise 03 1 prints hints and the solution, fails its hidden tests on the chapter's code and
#   passes them with the reference solution applied.
# Usage: test_workbench.sh [REPO_ROOT]. CXX and CMAKE_PREFIX_PATH reach the workbench's build.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
wb_tool="$root/tools/workbench"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/workbench-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wb="$tmp/wb"
fail() { echo "test_workbench: $*" >&2; exit 1; }
run() {  # log file, workbench arguments...: runs it, keeps its output, returns its status
  local log=$1; shift
  "$wb_tool" --root "$root" --dir "$wb" "$@" >"$log" 2>&1
}

run "$tmp/start.log" start 03 || { cat "$tmp/start.log"; fail "start 03 failed"; }
grep -q "mymuduo/net/poller/EPollPoller.h" "$tmp/start.log" ||
  { cat "$tmp/start.log"; fail "start 03 does not list EPollPoller.h as a file to write"; }
cmp -s "$root/chapters/02-eventloop/mymuduo/net/EventLoop.cc" "$wb/mymuduo/net/EventLoop.cc" ||
  fail "start 03 did not copy chapter 02's mymuduo/"
grep -q "^  1\. .*EPollPoller.h" "$tmp/start.log" ||
  { cat "$tmp/start.log"; fail "start 03 does not list step 1 with its files"; }
if run "$tmp/again.log" start 03; then fail "start 03 over an existing workbench succeeded without --force"; fi

SECONDS=0
if run "$tmp/fail.log" test 03; then cat "$tmp/fail.log"; fail "test 03 passed on chapter 02's code"; fi
cat "$tmp/fail.log"
grep -q "BUILD FAILED" "$tmp/fail.log" &&
  grep -q "^  mymuduo/net/poller/EPollPoller.h$" "$tmp/fail.log" &&
  grep -q "^  mymuduo/net/poller/EPollPoller.cc$" "$tmp/fail.log" ||
  fail "the failed build's summary does not name the missing EPollPoller files"
echo "figure: failing test 03 took ${SECONDS} s"

# Step 1 writes these three files; its tree holds chapter 02's tests and test_default_poller.cc.
for f in poller/EPollPoller.h poller/EPollPoller.cc poller/DefaultPoller.cc; do
  cp "$root/chapters/03-epoll-poller/mymuduo/net/$f" "$wb/mymuduo/net/$f"
done
run "$tmp/step1.log" test 03 --step 1 || { cat "$tmp/step1.log"; fail "test 03 --step 1 failed on step 1's files"; }
grep -q "^PASS  MYMUDUO_USE_POLL selects the poll backend" "$tmp/step1.log" &&
  grep -q "^Next: step 2" "$tmp/step1.log" ||
  { cat "$tmp/step1.log"; fail "test 03 --step 1 did not run step 1's test or name step 2"; }
if grep -q "epoll's event array grows" "$tmp/step1.log"; then
  cat "$tmp/step1.log"; fail "test 03 --step 1 ran a test of step 2"
fi

rm -rf "$wb/mymuduo"
cp -R "$root/chapters/03-epoll-poller/mymuduo" "$wb/mymuduo"
SECONDS=0
run "$tmp/pass.log" test 03 || { cat "$tmp/pass.log"; fail "test 03 failed on chapter 03's own code"; }
echo "figure: passing test 03 took ${SECONDS} s"
grep -q "^PASS  epoll's event array grows when a poll fills it$" "$tmp/pass.log" &&
  grep -Eq "^([0-9]+) of \1 tests of chapter 03 pass\.$" "$tmp/pass.log" ||
  { cat "$tmp/pass.log"; fail "the summary does not list the passing tests"; }

run "$tmp/diff.log" diff 03 || { cat "$tmp/diff.log"; fail "diff 03 shows differences from the reference"; }
grep -q "is the same as chapters/03-epoll-poller/mymuduo/" "$tmp/diff.log" ||
  { cat "$tmp/diff.log"; fail "diff 03 did not say the code is the same"; }
# The exercise mode: hints and solution need no build; the hidden tests fail on the chapter's
# own code and pass once the reference solution is applied to the workbench's copy.
run "$tmp/hint.log" exercise 03 1 --hint 2 || { cat "$tmp/hint.log"; fail "exercise 03 1 --hint 2 failed"; }
grep -q "^1\. " "$tmp/hint.log" && grep -q "^2\. " "$tmp/hint.log" && ! grep -q "^3\. " "$tmp/hint.log" ||
  { cat "$tmp/hint.log"; fail "--hint 2 did not print exactly hints 1 and 2"; }
run "$tmp/solution.log" exercise 03 1 --solution || fail "exercise 03 1 --solution failed"
grep -q "^diff --git" "$tmp/solution.log" || { cat "$tmp/solution.log"; fail "--solution printed no patch"; }
if run "$tmp/ex.log" exercise 03 1 --force; then cat "$tmp/ex.log"; fail "exercise 03 1 passed on the chapter's own code"; fi
grep -q "The hidden tests \[ex03\] do not pass yet" "$tmp/ex.log" ||
  { cat "$tmp/ex.log"; fail "exercise 03 1 did not report its failing hidden tests"; }
sed -n '/^diff --git/,$p' "$root/chapters/03-epoll-poller/solutions/ex1.patch" |
  (cd "$wb" && GIT_CEILING_DIRECTORIES="$tmp" git apply --include='mymuduo/*') ||
  fail "the reference solution does not apply to the workbench's mymuduo/"
run "$tmp/ex-done.log" exercise 03 1 || { cat "$tmp/ex-done.log"; fail "exercise 03 1 failed with the solution applied"; }
grep -q "^Done: exercise 1 of chapter 03" "$tmp/ex-done.log" ||
  { cat "$tmp/ex-done.log"; fail "exercise 03 1 did not say it is done"; }
echo "test_workbench: ok"
