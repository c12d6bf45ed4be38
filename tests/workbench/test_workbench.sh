#!/usr/bin/env bash
# tools/workbench as a reader uses it, on chapter 03, in a scratch folder:
#   start 03  -> chapter 02's code; test 03 fails and names the missing EPollPoller files;
#   the reference chapter 03 copied in -> test 03 passes; diff 03 shows no difference.
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
if run "$tmp/again.log" start 03; then fail "start 03 over an existing workbench succeeded without --force"; fi

SECONDS=0
if run "$tmp/fail.log" test 03; then cat "$tmp/fail.log"; fail "test 03 passed on chapter 02's code"; fi
cat "$tmp/fail.log"
grep -q "BUILD FAILED" "$tmp/fail.log" &&
  grep -q "^  mymuduo/net/poller/EPollPoller.h$" "$tmp/fail.log" &&
  grep -q "^  mymuduo/net/poller/EPollPoller.cc$" "$tmp/fail.log" ||
  fail "the failed build's summary does not name the missing EPollPoller files"
echo "figure: failing test 03 took ${SECONDS} s"

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
echo "test_workbench: ok"
