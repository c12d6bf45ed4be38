#!/usr/bin/env bash
# autobuild.sh's own interface: --help succeeds and prints the usage; an unknown command fails
# with the usage on stderr, before it installs or builds anything; so do run, build and test
# given an argument (only bench takes options).
set -u
script="$(cd "$(dirname "$0")/../.." && pwd)/autobuild.sh"
failures=0
check() {  # description, condition...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

out=$("$script" --help 2>&1); rc=$?
check "--help exits 0" test "$rc" -eq 0
check "--help prints the usage" grep -q "Usage: ./autobuild.sh \[run|build|test|bench|--help\]" <<<"$out"

err=$("$script" frobnicate 2>&1 >/dev/null); rc=$?
check "an unknown command exits 2" test "$rc" -eq 2
check "an unknown command is named on stderr" grep -q "unknown command 'frobnicate'" <<<"$err"
check "an unknown command prints the usage on stderr" grep -q "Usage:" <<<"$err"

err=$("$script" test extra 2>&1 >/dev/null); rc=$?
check "test with an argument exits 2" test "$rc" -eq 2
check "test with an argument says it takes none" grep -q "'test' takes no arguments" <<<"$err"

echo "$((7 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
