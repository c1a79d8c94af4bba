# Sourced by tools/sanitize.sh and tools/fuzz.sh: configures and builds the ASan + UBSan + libFuzzer build
# (clang-16, build-fuzz/ or $NPU_ASAN_DIR) that the sanitized tests and the fuzz targets share (docs/fuzzing.md).
# Expects the caller to have cd'ed to the source root.

npu_san_dir=${NPU_ASAN_DIR:-build-fuzz}
export CCACHE_BASEDIR=$PWD
# -gline-tables-only makes ccache hash the build folder's path; without that a second clone (CI) misses the
# cache for every file. The line tables then name the first clone's folder, which only the symbolizer reads.
export CCACHE_NOHASHDIR=1

npu_san_configure() {
  command -v clang++-16 >/dev/null || { echo "sanitize: clang-16 missing (tools/setup.sh installs it)" >&2; return 1; }
  [ -f "$npu_san_dir/build.ninja" ] && return 0
  # -O1 with line tables: a quarter of -O2 -g's build time; asserts stay on (no NDEBUG). The RTL models of
  # NPU_RTL_CONFIGS are built too, their C++ with the same sanitizers (hw/CMakeLists.txt).
  CC=clang-16 CXX=clang++-16 cmake -S . -B "$npu_san_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    -DNPU_FUZZ=ON -DNPU_BUILD_BENCH=OFF -DNPU_BUILD_RTL_MODELS=ON >/dev/null
}

# npu_san_build [NINJA_TARGETS...]: builds into $npu_san_dir (NPU_JOBS parallel jobs, default nproc).
npu_san_build() {
  npu_san_configure || return 1
  local jobs=${NPU_JOBS:-$(nproc 2>/dev/null || echo 2)} s
  set +e
  ninja -C "$npu_san_dir" -j"$jobs" "$@" 2>&1 | grep -v -E '^\[[0-9]+/[0-9]+\] |^ninja: (Entering|leaving|no work)'
  s=${PIPESTATUS[0]}
  set -e
  [ "$s" -eq 0 ] || echo "sanitize: build in $npu_san_dir failed" >&2
  return "$s"
}
