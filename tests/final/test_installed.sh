#!/usr/bin/env bash
# Installs the build tree's final/ library into a scratch prefix, checks its headers (the public
# ones only, each compiling alone against the install), then builds a program outside
# the repository against that installed tree, twice: with find_package(mymuduo) (a small CMake
# project, consumer/) and with pkg-config. Each build runs an echo round trip over loopback; the
# CMake one also an HTTP request to an http::HttpServer (consumer/http_roundtrip.cc).
#
#   test_installed.sh BUILD_DIR CMAKE CXX LIBDIR
#   test_installed.sh --prefix PREFIX CMAKE CXX LIBDIR
#
# BUILD_DIR: the build tree to install; CMAKE: the cmake program; CXX: the compiler the tree
# uses (the consumers use it too); LIBDIR: CMAKE_INSTALL_LIBDIR of that tree. With --prefix,
# nothing is installed: the test checks an install that is already there (./install after
# ./autobuild.sh build, as .ci/run does).
set -euo pipefail
usage() { echo "usage: $0 BUILD_DIR|--prefix PREFIX CMAKE CXX LIBDIR" >&2; exit 2; }
given_prefix=
if [ "${1:-}" = --prefix ]; then
  [ $# -eq 5 ] || usage
  given_prefix=$2
  shift 2
  set -- "" "$@"
fi
[ $# -eq 4 ] || usage
build=$1 cmake=$2 cxx=$3 libdir=$4
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "test_installed: FAIL: $*" >&2; exit 1; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mymuduo-installed.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
if [ -n "$given_prefix" ]; then
  prefix=$(cd "$given_prefix" && pwd) || fail "no install at $given_prefix"
else
  prefix=$scratch/prefix
  "$cmake" --install "$build" --prefix "$prefix" >"$scratch/install.log" ||
    { cat "$scratch/install.log"; fail "cmake --install $build --prefix $prefix"; }
fi

# What a user finds after the install.
for f in "$libdir/libmymuduo.so" "$libdir/libmymuduo.a" "$libdir/cmake/mymuduo/mymuduoConfig.cmake" \
         "$libdir/cmake/mymuduo/mymuduoConfigVersion.cmake" "$libdir/pkgconfig/mymuduo.pc" \
         include/mymuduo/base/Timestamp.h include/mymuduo/net/TcpServer.h include/mymuduo/http/HttpServer.h bin/echo_server bin/httpd; do
  [ -e "$prefix/$f" ] || fail "the install has no $f"
done
# The public API and nothing more: the internal headers are not installed, and every installed
# header compiles on its own (twice included: its guard too) against the install alone.
for h in net/Acceptor.h net/Connector.h net/Poller.h net/Socket.h net/SocketsOps.h net/Timer.h \
         net/TimerQueue.h net/poller/EPollPoller.h http/HttpDate.h http/StaticFileUtil.h; do
  [ ! -e "$prefix/include/mymuduo/$h" ] || fail "the install has the internal header mymuduo/$h"
done
headers=0
while IFS= read -r h; do
  rel=${h#"$prefix/include/"}
  printf '#include "%s"\n#include "%s"\n' "$rel" "$rel" |
    "$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$prefix/include" -x c++ - ||
    fail "the installed $rel does not compile on its own"
  headers=$((headers + 1))
done < <(find "$prefix/include/mymuduo" -name '*.h' | sort)
[ "$headers" -gt 0 ] || fail "the install has no headers under include/mymuduo"

soname=$(LC_ALL=C readelf -d "$prefix/$libdir/libmymuduo.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[[ $soname =~ ^libmymuduo\.so\.[0-9]+$ ]] || fail "libmymuduo.so has SONAME '$soname', not libmymuduo.so.<major>"
[ -e "$prefix/$libdir/$soname" ] || fail "the install has no $libdir/$soname"

# 1. find_package(mymuduo CONFIG) in a CMake project configured with CMAKE_PREFIX_PATH.
"$cmake" -S "$here/consumer" -B "$scratch/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug >"$scratch/configure.log" 2>&1 ||
  { cat "$scratch/configure.log"; fail "the find_package consumer does not configure"; }
"$cmake" --build "$scratch/cmake-build" >"$scratch/build.log" 2>&1 ||
  { cat "$scratch/build.log"; fail "the find_package consumer does not build"; }
"$scratch/cmake-build/echo_roundtrip" || fail "find_package consumer (shared library): no echo"
"$scratch/cmake-build/echo_roundtrip_static" || fail "find_package consumer (static library): no echo"
"$scratch/cmake-build/http_roundtrip" || fail "find_package consumer: no HTTP answer"

# 2. pkg-config, as in the README: g++ ... $(pkg-config --cflags --libs mymuduo).
command -v pkg-config >/dev/null || fail "pkg-config is not installed (Debian: apt-get install pkg-config)"
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
flags=$(pkg-config --cflags --libs mymuduo) || fail "pkg-config does not find mymuduo in $PKG_CONFIG_PATH"
for flag in $flags; do
  case $flag in -W*) fail "pkg-config passes warning flag $flag on to users" ;; esac
done
# shellcheck disable=SC2086  # the flags are meant to split into words
"$cxx" -std=c++17 -Wall -Wextra -Werror "$here/consumer/echo_roundtrip.cc" -o "$scratch/pc-echo" \
  $flags -Wl,-rpath,"$prefix/$libdir" || fail "the pkg-config command line does not build"
"$scratch/pc-echo" || fail "pkg-config consumer: no echo"
echo "test_installed: OK ($headers public headers, each alone; find_package shared and static, pkg-config: $flags)"
