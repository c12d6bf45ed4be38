#!/usr/bin/env bash
# Builds MyMuduo: installs missing build dependencies, configures with CMake, builds every
# chapter and final/, installs into ./install, then runs the main job (or the tests).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./autobuild.sh [run|build|test|--help]

  run (default)  install missing dependencies, build everything, install into ./install,
                 then run the main job (the newest chapter's example program)
  build          the same, without running the main job
  test           install missing dependencies, build everything, run every test

Environment:
  BUILD_DIR=build        where CMake builds (one folder per configuration)
  BUILD_TYPE=Debug       CMAKE_BUILD_TYPE
  MYMUDUO_SANITIZE=      address | undefined | thread | address,undefined
  MYMUDUO_WERROR=OFF     ON turns warnings into errors (CI does)
  JOBS=<cores>           parallel build and test jobs
USAGE
}

# The main job: the newest chapter's example, installed into install/bin.
MAIN_JOB=(echo_server --port 2007)

cd "$(dirname "$0")"
ROOT=$(pwd)
MODE=${1:-run}
case "$MODE" in
  run | build | test) ;;
  -h | --help | help) usage; exit 0 ;;
  *) echo "autobuild.sh: unknown command '$MODE'" >&2; usage >&2; exit 2 ;;
esac

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Debug}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

die() { echo "autobuild.sh: error: $*" >&2; exit 1; }
step() { echo "==> $*"; }

# Debian package -> a file that shows it is installed (so non-Debian systems work too).
declare -A NEEDS=(
  [cmake]=cmake
  [g++]=g++
  [make]=make
  [catch2]=/usr/include/catch2/catch.hpp
  [python3]=python3
  [ccache]=ccache
)

have() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

install_deps() {
  local missing=()
  for pkg in "${!NEEDS[@]}"; do
    have "${NEEDS[$pkg]}" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  IFS=$'\n' missing=($(sort <<<"${missing[*]}")); unset IFS
  step "installing missing packages: ${missing[*]}"
  local apt=(apt-get install -y --no-install-recommends "${missing[@]}")
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${missing[*]}; install them with your package manager (Debian: ${apt[*]})"
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo; run as root: apt-get update && ${apt[*]}"
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  "${sudo[@]}" "${apt[@]}" || die "apt-get install failed: ${apt[*]}"
}

configure_and_build() {
  step "configuring ($BUILD_DIR, $BUILD_TYPE${MYMUDUO_SANITIZE:+, sanitize=$MYMUDUO_SANITIZE})"
  cmake -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DMYMUDUO_SANITIZE="${MYMUDUO_SANITIZE:-}" \
    -DMYMUDUO_WERROR="${MYMUDUO_WERROR:-OFF}" \
    -DCMAKE_INSTALL_PREFIX="$ROOT/install" >/dev/null || die "CMake configuration failed"
  step "building with $JOBS jobs"
  cmake --build "$BUILD_DIR" --parallel "$JOBS" || die "build failed"
}

run_tests() {
  # Sanitizer reports must fail the test that triggered them, at once and with a stack.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  step "running every test ($JOBS in parallel)"
  if ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$JOBS"; then
    echo "autobuild.sh: all tests passed"
  else
    die "some tests failed (see above; rerun one with: ctest --test-dir $BUILD_DIR -R 'name' -V)"
  fi
}

install_deps
configure_and_build
case "$MODE" in
  test) run_tests ;;
  run | build)
    step "installing into $ROOT/install"
    cmake --install "$BUILD_DIR" >/dev/null || die "install failed"
    if [ "$MODE" = run ]; then
      step "running the main job: install/bin/${MAIN_JOB[*]} (try: nc 127.0.0.1 2007; stop: Ctrl-C)"
      exec "$ROOT/install/bin/${MAIN_JOB[0]}" "${MAIN_JOB[@]:1}"
    fi
    echo "autobuild.sh: built and installed into $ROOT/install"
    ;;
esac
