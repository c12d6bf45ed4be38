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
  test           install missing dependencies, build everything, run every test
  bench          install missing dependencies and wrk, nginx, gnuplot, build and install
                 final/ as build does (not the chapters), then run the benchmark suite
                 (final/bench/run_bench.py; options after 'bench' go to it, e.g.
                 ./autobuild.sh bench --quick; see --help there): a table on stdout,
                 BUILD_DIR/bench/results.json, docs/benchmarks.md and its plots

Environment:
  BUILD_DIR=build        where CMake builds (one folder per configuration)
  BUILD_TYPE=Debug       CMAKE_BUILD_TYPE of the build tree (what the tests run); the library
                         installed by run and build is always RelWithDebInfo
  MYMUDUO_SANITIZE=      address | undefined | thread | address,undefined
  MYMUDUO_WERROR=OFF     ON turns warnings into errors (CI does)
  MYMUDUO_BUILD_TESTS=ON OFF builds no tests (then neither Catch2 nor Python is needed)
  CXX=                   the C++ compiler CMake uses (e.g. clang++); CMake's own default if unset
  CMAKE_PREFIX_PATH=     where CMake looks first for packages (e.g. a Catch2 v3 folder made by
                         tools/fetch-catch2-v3)
  JOBS=<cores>           parallel build and test jobs
  HTTPD_PORT=8000        the port the main job's httpd listens on
USAGE
}

cd "$(dirname "$0")"
ROOT=$(pwd)

MODE=${1:-run}
[ $# -gt 0 ] && shift
case "$MODE" in
  bench) ;;
  run | build | test)
    [ $# -eq 0 ] || { echo "autobuild.sh: '$MODE' takes no arguments: $*" >&2; usage >&2; exit 2; } ;;
  -h | --help | help) usage; exit 0 ;;
  *) echo "autobuild.sh: unknown command '$MODE'" >&2; usage >&2; exit 2 ;;
esac

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Debug}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# The main job: the newest chapter's example, installed into install/bin: the static file
# server, on the tutorial as tools/build-site renders it (HTML pages, each beside its Markdown
# file, so /README.md is still there as text/markdown). httpd gets an absolute root.
HTTPD_PORT=${HTTPD_PORT:-8000}
case "$BUILD_DIR" in /*) SITE_DIR=$BUILD_DIR/site ;; *) SITE_DIR=$ROOT/$BUILD_DIR/site ;; esac
MAIN_JOB=(httpd --root "$SITE_DIR" --port "$HTTPD_PORT")

die() { echo "autobuild.sh: error: $*" >&2; exit 1; }
step() { echo "==> $*"; }

# Debian package -> a command that shows it is installed (so non-Debian systems work too).
declare -A NEEDS=(
  [cmake]=cmake
  [g++]=g++
  [make]=make
  [pkg-config]=pkg-config  # the test that links the installed library the pkg-config way
  [python3]=python3
  [curl]=curl  # the integration test of httpd talks to it with curl
)
# Optional, as Catch2 is for building: without the Markdown renderer tools/build-site still
# makes the site, of the Markdown files served as text (a warning, never a failed build).
declare -A OPTIONAL=([cmark-gfm]=cmark-gfm)
# What bench needs besides (command -> Debian package); gnuplot-nox is gnuplot without X.
if [ "$MODE" = bench ]; then
  NEEDS+=([wrk]=wrk [nginx]=nginx [gnuplot-nox]=gnuplot)
  # bench builds final/ only, without tests: no Catch2 needed.
  MYMUDUO_BUILD_TESTS=OFF
  OPTIONAL=()  # bench renders no site
fi
# ccache is not needed: CMake uses it when it is installed, and then rebuilds are faster.

# Catch2 v2 (one header, catch.hpp) or v3 (catch_test_macros.hpp and friends); either will do.
have_catch2() {
  local dir
  for dir in /usr/include /usr/local/include; do
    [ -e "$dir/catch2/catch.hpp" ] || [ -e "$dir/catch2/catch_test_macros.hpp" ] && return 0
  done
  return 1
}

# The distribution's Catch2 package: libcatch2-dev (v3: Debian 13, Ubuntu 24.04 and later) if apt
# can install it, else catch2 (v2: Debian 12, Ubuntu 22.04). Asked of apt, not guessed from
# the release name. Prints nothing if neither has an installation candidate.
catch2_package() {
  local pkg policy
  for pkg in libcatch2-dev catch2; do
    policy=$(LC_ALL=C apt-cache policy "$pkg" 2>/dev/null || true)
    if grep -q '^ *Candidate: [^(]' <<<"$policy"; then
      echo "$pkg"
      return 0
    fi
  done
}

# Without Catch2 everything but the Catch2 tests builds, so only `test` stops.
no_catch2() {
  [ "$MODE" = test ] && die "$*"
  echo "autobuild.sh: warning: $*; building without the Catch2 tests" >&2
}

install_deps() {
  local missing=() optional=() pkg
  for pkg in "${!NEEDS[@]}"; do
    command -v "${NEEDS[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
  done
  for pkg in "${!OPTIONAL[@]}"; do
    command -v "${OPTIONAL[$pkg]}" >/dev/null 2>&1 || optional+=("$pkg")
  done
  local need_catch2=false
  if [ "${MYMUDUO_BUILD_TESTS:-ON}" != OFF ] && ! have_catch2; then need_catch2=true; fi
  [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && ! $need_catch2 && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=(sudo); fi
  if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && [ ${#sudo[@]} -eq 0 ]; }; then
    # Not Debian, or neither root nor sudo: say what to install, and go on if we can.
    local pkgs="${missing[*]}"
    $need_catch2 && pkgs="$pkgs${pkgs:+ }libcatch2-dev (or catch2 where apt has no libcatch2-dev)"
    local how="install as root (Debian, Ubuntu: apt-get install $pkgs)"
    [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}; $how"
    $need_catch2 && no_catch2 "Catch2 is missing; $how"
    [ ${#optional[@]} -eq 0 ] ||
      no_renderer "${optional[*]} is missing (Debian, Ubuntu: apt-get install ${optional[*]})"
    return 0
  fi

  export DEBIAN_FRONTEND=noninteractive
  step "updating apt's package lists"
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  if $need_catch2; then
    pkg=$(catch2_package)
    if [ -n "$pkg" ]; then missing+=("$pkg"); else no_catch2 "apt offers no Catch2 package (libcatch2-dev or catch2)"; fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    IFS=$'\n' missing=($(sort <<<"${missing[*]}")); unset IFS
    step "installing missing packages: ${missing[*]}"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
      die "apt-get install failed: ${missing[*]}"
  fi
  # One at a time, apart from the rest: an optional package that fails only warns.
  for pkg in "${optional[@]}"; do
    step "installing optional package: $pkg"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$pkg" ||
      no_renderer "apt-get install $pkg failed"
  done
}

no_renderer() {
  echo "autobuild.sh: warning: $*; the site will be the Markdown files, served as text" >&2
}

# Mermaid's browser bundle, which draws the diagrams of docs/ in the rendered site: the version
# pinned by tools/site/package-lock.json, from npm. Without npm (or when it fails) the diagrams
# stay as code; nothing else depends on it.
install_mermaid() {
  [ -e "$ROOT/tools/site/node_modules/mermaid" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "autobuild.sh: warning: no npm, so no Mermaid: the site shows its diagrams as code" >&2
    return 0
  fi
  step "installing Mermaid for the site (npm ci --prefix tools/site)"
  npm ci --prefix "$ROOT/tools/site" --no-audit --no-fund ||
    echo "autobuild.sh: warning: npm ci failed: the site shows its diagrams as code" >&2
}

# The tutorial as a site, for the main job: tools/build-site falls back to the Markdown files
# (and says so) when cmark-gfm is missing, so this fails only if Python cannot write the folder.
build_site() {
  step "rendering the tutorial into $SITE_DIR"
  python3 "$ROOT/tools/build-site" --root "$ROOT" --out "$SITE_DIR" || die "tools/build-site failed"
}

configure_and_build() {
  step "configuring ($BUILD_DIR, $BUILD_TYPE${MYMUDUO_SANITIZE:+, sanitize=$MYMUDUO_SANITIZE})"
  local log
  log=$(cmake -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DMYMUDUO_SANITIZE="${MYMUDUO_SANITIZE:-}" \
    -DMYMUDUO_WERROR="${MYMUDUO_WERROR:-OFF}" \
    -DMYMUDUO_BUILD_TESTS="${MYMUDUO_BUILD_TESTS:-ON}" \
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
  step "running every test ($JOBS in parallel)"
  if ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$JOBS"; then
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
  cmake -S "$ROOT/final" -B "$dir" \
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
install_deps
[ "$MODE" = bench ] || install_mermaid
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
