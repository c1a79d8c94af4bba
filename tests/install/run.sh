#!/bin/sh
# e2e test of the install (cmake/Install.cmake): installs the build into a temporary prefix, builds the outside
# project tests/install/consumer against it with find_package(npu) and with pkg-config, and runs it and the
# installed npuc from a folder outside the checkout. Expected values come from the shipped YAML files.
# usage: run.sh BUILD_DIR SOURCE_DIR PROJECT_VERSION
set -eu
export LC_ALL=C # byte order for the glob of config names, as the C++ side sorts them
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) version=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM # through the EXIT trap: a test stopped by its timeout leaves no prefix behind
P=$tmp/prefix
fail() {
  echo "install test: $*" >&2
  exit 1
}

cmake --install "$build" --prefix "$P" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install failed"; }
for f in bin/npuc bin/npu-modelgen bin/npu-isagen lib/cmake/npu/npuConfig.cmake lib/pkgconfig/npu.pc \
  include/npu/config/HardwareConfig.h include/npu/runtime/Device.h share/npu/configs/default.yaml \
  share/doc/npu/cli.md share/npu/rtl/verilator/build-model.sh; do
  [ -e "$P/$f" ] || fail "$P/$f was not installed"
done
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"

# The value of SECTION.KEY in a config file, read with awk (independent of the project's YAML loader).
yaml() { awk -v s="$2:" -v k="$3:" '/^[^ ]/ { in_s = ($1 == s) } in_s && $1 == k { print $2 }' "$1"; }
macs() { echo $(($(yaml "$1" core batch) * $(yaml "$1" core block_in) * $(yaml "$1" core block_out))); }
check_consumer() { # BINARY CONFIG_NAME
  y=$P/share/npu/configs/$2.yaml
  out=$("$1" "$y") || fail "$1 $y failed: $out"
  printf '%s\n' "$out"
  m=$(macs "$y")
  want=$(printf 'config %s\npeak_macs_per_cycle %s\nfunc_macs %s' "$2" "$m" "$m")
  [ "$out" = "$want" ] || fail "$1 printed '$out', expected '$want'"
}

# find_package(npu): configure, build and run the consumer.
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$P" >"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; fail "configuring the consumer failed"; }
cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; fail "building the consumer failed"; }
check_consumer "$tmp/consumer/npu-consumer" edge

# pkg-config: the same program from npu.pc alone.
flags=$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --cflags --libs npu) || fail "pkg-config npu failed"
# Every installed header compiles with the install's include folder alone (none refers to the source tree).
(cd "$P/include" && find npu -name '*.h' | sort | sed 's/.*/#include "&"/') >"$tmp/all_headers.cpp"
# shellcheck disable=SC2046
${CXX:-c++} -fsyntax-only $(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --cflags npu) "$tmp/all_headers.cpp" ||
  fail "the installed headers do not compile on their own"
[ "$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --modversion npu)" = "$version" ] || fail "npu.pc version"
# shellcheck disable=SC2086
${CXX:-c++} -O1 "$src/tests/install/consumer/main.cpp" -o "$tmp/consumer-pc" $flags || fail "pkg-config build failed"
check_consumer "$tmp/consumer-pc" default

# The installed npuc: its version, and shipped configs by name from any folder.
npuc=$P/bin/npuc
"$npuc" --version | grep -Eqx "npuc $version \(git ([0-9a-f]+(-dirty)?|unknown)\)" || fail "npuc --version"
"$npuc" config show edge | head -n 1 | grep -Fqx "config edge  ($P/share/npu/configs/edge.yaml)" ||
  fail "npuc config show edge did not read $P/share/npu/configs/edge.yaml"
names=""
for f in "$src"/configs/*.yaml; do # the glob is sorted
  n=$(basename "$f" .yaml)
  names=${names:+$names, }$n
done
if err=$("$npuc" config show nosuch 2>&1); then fail "npuc config show nosuch succeeded"; fi
printf '%s\n' "$err" | grep -Fq "shipped configs: $names in $P/share/npu/configs" || fail "unknown name: $err"
"$npuc" asm "$src/examples/asm/requant.s" --config default -o prog.npub || fail "npuc asm --config default"
"$npuc" run prog.npub --backend func --outputs func >/dev/null || fail "npuc run --backend func"

# The rtl backend of the installed npuc runs the installed model (when the build made the models).
hash=$("$npuc" config show default | sed -n 's/^hash *\([0-9a-f]\{16\}\).*/\1/p')
if [ -e "$P/lib/npu/rtl-models/npu_rtl_$hash.so" ]; then
  XDG_CACHE_HOME=$tmp/cache "$npuc" run prog.npub --backend rtl --outputs rtl >/dev/null || fail "npuc run --backend rtl"
  for f in func/*; do
    cmp "$f" "rtl/$(basename "$f")" || fail "rtl output $(basename "$f") differs from func"
  done
  [ ! -e "$tmp/cache" ] || fail "the installed npuc built an RTL model instead of using the installed one"
  echo "install test: rtl backend of the installed npuc ran the installed model"
fi
echo "install test: ok ($P)"
