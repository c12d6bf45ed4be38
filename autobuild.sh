#!/usr/bin/env bash
# Builds MyMuduo: installs missing build dependencies, configures with CMake, builds every
# chapter and final/, installs into ./install, renders the tutorial into a site, then runs the
# main job (or the tests).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./autobuild.sh [run|build|test|bench|--help] [bench options]

  run (default)  install missing dependencies, build everything, install final/ (built
                 optimised, RelWithDebInfo) into ./install, render the tutorial into
                 BUILD_DIR/site (tools/build-site), then run the main job: httpd serving
                 that site on http://127.0.0.1:8000/ until Ctrl-C
  build          the same, without running the main job
  test           install missing dependencies (with chromium and a CJK font for the browser
                 test of the site), build everything, run every test
  bench          install missing dependencies and wrk, nginx, gnuplot, build and install
                 final/ as build does (not the chapters), then run the benchmark suite
                 (final/bench/run_bench.py; options after 'bench' go to it, e.g.
                 ./autobuild.sh bench --quick; see --help there): a table on stdout,
                 BUILD_DIR/bench/results.json, docs/benchmarks.md and its plots

Environment:
  PRESET=                a configure preset of CMakePresets.json (cmake --list-presets):
                         default, release, clang-asan, tsan, asan, ubsan; it gives BUILD_DIR
                         and the configuration, and the variables below set explicitly override it
  BUILD_DIR=build        where CMake builds (one folder per configuration)
  BUILD_TYPE=Debug       CMAKE_BUILD_TYPE of the build tree (what the tests run); the library
                         installed by run and build is always RelWithDebInfo
  MYMUDUO_SANITIZE=      address | undefined | thread | address,undefined
  MYMUDUO_WERROR=OFF     ON turns warnings into errors (CI does)
  MYMUDUO_BUILD_TESTS=ON OFF builds no tests (then neither Catch2 nor Python is needed)
  CXX=                   the C++ compiler CMake uses (e.g. clang++); CMake's own default if unset
  CMAKE_PREFIX_PATH=     where CMake looks first for packages (e.g. a Catch2 v3 folder made by
                         tools/fetch-catch2-v3)
  UNITY_BUILD=OFF        ON compiles each target's sources batched into a few files
                         (CMAKE_UNITY_BUILD): about half the CPU time; CI uses it after its
                         first, file-by-file build
  DEBUG_INFO=ON          OFF compiles a Debug tree without -g: the same code, asserts and
                         warnings, about a sixth less compile time (CI's first stage);
                         LINES gives only the line tables (-g1): file and line in backtraces
                         and sanitizer reports, no variables (CI's sanitizer stage)
  MYMUDUO_SKIP_CHAPTERS= chapter folders to leave out, ';'-separated (never the newest); CI's
                         stages after the first leave out what tools/covered-chapters prints
  CTEST_ARGS=            more arguments for ctest in test, split at spaces, e.g.
                         "-LE chain|site|workbench|solutions" leaves out the tests whose result does
                         not depend on the build's configuration
  JOBS=<cores>           parallel build and test jobs
  HTTPD_PORT=8000        the port the main job's httpd listens on

Dependencies are installed by tools/install-deps (apt-get, as root or through sudo).
USAGE
}

cd "$(dirname "$0")"
ROOT=$(pwd)
die() { echo "autobuild.sh: error: $*" >&2; exit 1; }
step() { echo "==> $*"; }

MODE=${1:-run}
[ $# -gt 0 ] && shift
case "$MODE" in
  bench) ;;
  run | build | test)
    [ $# -eq 0 ] || { echo "autobuild.sh: '$MODE' takes no arguments: $*" >&2; usage >&2; exit 2; } ;;
  -h | --help | help) usage; exit 0 ;;
  *) echo "autobuild.sh: unknown command '$MODE'" >&2; usage >&2; exit 2 ;;
esac

# A configure preset of CMakePresets.json gives the build folder and the configuration (build
# type, compiler, sanitizers, unity build); what the environment sets explicitly still wins.
PRESET=${PRESET:-}
if [ -n "$PRESET" ]; then
  preset_dir=$(python3 - "$ROOT/CMakePresets.json" "$PRESET" <<'PY'
import json, sys
presets = {p["name"]: p for p in json.load(open(sys.argv[1]))["configurePresets"]}
name = sys.argv[2]
while name in presets and "binaryDir" not in presets[name]:
    name = presets[name].get("inherits")
if name not in presets:
    sys.exit(1)
print(presets[name]["binaryDir"].replace("${sourceDir}/", ""))
PY
  ) || die "CMakePresets.json has no configure preset '$PRESET' (cmake --list-presets)"
  BUILD_DIR=${BUILD_DIR:-$preset_dir}
fi
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# The main job: the newest chapter's example, installed into install/bin: the static file
# server, on the tutorial as tools/build-site renders it (HTML pages, each beside its Markdown
# file, so /README.md is still there as text/markdown). httpd gets an absolute root, and
# listens on loopback (its default, said here too): the tutorial is for this machine.
HTTPD_PORT=${HTTPD_PORT:-8000}
case "$BUILD_DIR" in /*) SITE_DIR=$BUILD_DIR/site ;; *) SITE_DIR=$ROOT/$BUILD_DIR/site ;; esac
MAIN_JOB=(httpd --root "$SITE_DIR" --port "$HTTPD_PORT" --bind 127.0.0.1)


# The tutorial as a site, for the main job: tools/build-site falls back to the Markdown files
# (and says so) when cmark-gfm is missing, so this fails only if Python cannot write the folder.
build_site() {
  step "rendering the tutorial into $SITE_DIR"
  python3 "$ROOT/tools/build-site" --root "$ROOT" --out "$SITE_DIR" || die "tools/build-site failed"
}

# Ninja where it is installed (tools/install-deps installs it): it starts the next compile as
# soon as a core is free and checks dependencies without a make process per target, about a
# tenth less time for this tree. A folder configured before keeps the generator it has.
generator_args() {  # build folder, name of the argument array to extend
  local -n _args=$2
  if [ ! -f "$1/CMakeCache.txt" ] && command -v ninja >/dev/null; then
    _args+=(-G Ninja)
  fi
}

configure_and_build() {
  local -a args=(-S "$ROOT" -B "$BUILD_DIR")
  local what
  if [ -n "$PRESET" ]; then
    # The preset's settings, and only what the environment sets on top of them.
    args+=(--preset "$PRESET")
    what="preset $PRESET"
    [ -z "${BUILD_TYPE:-}" ] || args+=(-DCMAKE_BUILD_TYPE="$BUILD_TYPE")
    [ -z "${MYMUDUO_SANITIZE:-}" ] || args+=(-DMYMUDUO_SANITIZE="$MYMUDUO_SANITIZE")
    [ -z "${UNITY_BUILD:-}" ] || args+=(-DCMAKE_UNITY_BUILD="$UNITY_BUILD")
  else
    args+=(-DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Debug}" -DMYMUDUO_SANITIZE="${MYMUDUO_SANITIZE:-}"
           -DCMAKE_UNITY_BUILD="${UNITY_BUILD:-OFF}")
    what="${BUILD_TYPE:-Debug}${MYMUDUO_SANITIZE:+, sanitize=$MYMUDUO_SANITIZE}"
    [ "${UNITY_BUILD:-OFF}" = OFF ] || what="$what, unity build"
  fi
  generator_args "$BUILD_DIR" args
  local debug_flags
  case "${DEBUG_INFO:-ON}" in
    OFF) debug_flags=-O0 ;;
    LINES) debug_flags=-g1 ;;
    *) debug_flags=-g ;;
  esac
  step "configuring ($BUILD_DIR, $what)"
  local log
  log=$(cmake "${args[@]}" \
    -DMYMUDUO_WERROR="${MYMUDUO_WERROR:-OFF}" \
    -DMYMUDUO_BUILD_TESTS="${MYMUDUO_BUILD_TESTS:-ON}" \
    -DMYMUDUO_SKIP_CHAPTERS="${MYMUDUO_SKIP_CHAPTERS:-}" \
    -DCMAKE_CXX_FLAGS_DEBUG="$debug_flags" \
    -DCMAKE_INSTALL_PREFIX="$ROOT/install") || { echo "$log"; die "CMake configuration failed"; }
  # Which Catch2 the tests use (every chapter says the same; the first one is enough).
  awk '/^-- ch[0-9]+: / { sub(/^-- ch[0-9]+: /, "==> "); print; exit }' <<<"$log"
  step "building with $JOBS jobs"
  cmake --build "$BUILD_DIR" --parallel "$JOBS" || die "build failed"
}

run_tests() {
  # Sanitizer reports must fail the test that triggered them, at once and with a stack.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  local -a extra=()
  [ -z "${CTEST_ARGS:-}" ] || read -ra extra <<<"$CTEST_ARGS"  # split at spaces, no quoting
  step "running every test ($JOBS in parallel)${CTEST_ARGS:+ with $CTEST_ARGS}"
  if ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$JOBS" "${extra[@]}"; then
    echo "autobuild.sh: all tests passed"
  else
    die "some tests failed (see above; rerun one with: ctest --test-dir $BUILD_DIR -R 'name' -V)"
  fi
}

# What ./install gets: final/ on its own, optimised as a library user wants it, without the
# tests (the build tree above, with BUILD_TYPE, is what the tests run).
install_final() {
  local dir="$BUILD_DIR-final"
  step "building final/ optimised (RelWithDebInfo) in $dir"
  local -a gen=()
  generator_args "$dir" gen
  cmake "${gen[@]}" -S "$ROOT/final" -B "$dir" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMYMUDUO_BUILD_TESTS=OFF \
    -DMYMUDUO_SANITIZE="${MYMUDUO_SANITIZE:-}" \
    -DMYMUDUO_WERROR="${MYMUDUO_WERROR:-OFF}" \
    -DCMAKE_INSTALL_PREFIX="$ROOT/install" >/dev/null || die "CMake configuration of final/ failed"
  cmake --build "$dir" --parallel "$JOBS" || die "build of final/ failed"
  step "installing into $ROOT/install"
  cmake --install "$dir" >/dev/null || die "install failed"
}

# nginx lives in /usr/sbin, which a non-root PATH may lack.
[ "$MODE" = bench ] && PATH=$PATH:/usr/sbin
# What this command needs, installed with apt-get where it is missing (see tools/install-deps).
"$ROOT/tools/install-deps" "$MODE" || die "tools/install-deps $MODE failed"
if [ "$MODE" = bench ]; then
  install_final
  step "running the benchmark suite (final/bench/run_bench.py $*)"
  exec python3 "$ROOT/final/bench/run_bench.py" --build-dir "$BUILD_DIR" --install "$ROOT/install" "$@"
fi
configure_and_build
case "$MODE" in
  test) run_tests ;;
  run | build)
    install_final
    build_site
    if [ "$MODE" = run ]; then
      step "running the main job: install/bin/${MAIN_JOB[*]}"
      echo "autobuild.sh: serving the tutorial on http://127.0.0.1:$HTTPD_PORT/ - press Ctrl-C to stop"
      exec "$ROOT/install/bin/${MAIN_JOB[0]}" "${MAIN_JOB[@]:1}"
    fi
    echo "autobuild.sh: built and installed into $ROOT/install"
    ;;
esac
