#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds tests/fuzz/fuzz-ingress.c with clang and libFuzzer (ASan+UBSan)
# straight from the sources it needs, whatever compiler the meson build
# uses, and runs it for a bounded time over the seeds in tests/fuzz/corpus/.
# Prints TAP.  A crash leaves its input in the build directory; copy it to
# tests/fuzz/corpus/ (named crash-<what>) once the defect is fixed, so that
# every later run replays it.
#
# usage: run-fuzz.sh SOURCE_ROOT WORK_DIR [SECONDS]
set -u

src=$1
work=$2
seconds=${3:-30}
bin="$work/fuzz-ingress"

echo "1..2"

if ! command -v clang >/dev/null 2>&1; then
  echo "ok 1 # SKIP clang is not installed (Debian: clang, libclang-rt-14-dev)"
  echo "ok 2 # SKIP no fuzz target"
  exit 0
fi
mkdir -p "$work" || exit 1
# Debian ships libFuzzer's runtime apart from clang (libclang-rt-14-dev).
printf 'int LLVMFuzzerTestOneInput (const char *d, unsigned long n) { return 0; }\n' >"$work/probe.c"
if ! clang -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
  echo "ok 1 # SKIP clang has no libFuzzer runtime (Debian: libclang-rt-14-dev)"
  echo "ok 2 # SKIP no fuzz target"
  exit 0
fi

mkdir -p "$work/corpus" "$work/artifacts" || exit 1
log="$work/build.log"
# shellcheck disable=SC2046  # pkg-config output is a list of words
if clang -g -O1 -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE -DGST_USE_UNSTABLE_API \
     -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
     -I"$src/src" \
     $(pkg-config --cflags gstreamer-1.0 gstreamer-net-1.0 gstreamer-check-1.0 gio-2.0) \
     "$src/tests/fuzz/fuzz-ingress.c" "$src/src/media/wb-ingress.c" \
     $(pkg-config --libs gstreamer-1.0 gstreamer-net-1.0 gstreamer-check-1.0 gio-2.0) \
     -o "$bin" >"$log" 2>&1; then
  echo "ok 1 - fuzz-ingress built with clang -fsanitize=fuzzer,address,undefined"
else
  echo "not ok 1 - fuzz-ingress does not build (see $log)"
  sed 's/^/# /' "$log"
  echo "not ok 2 # no fuzz target"
  exit 1
fi

# Seeds (and kept crash inputs) are replayed first; new finds go to the
# work corpus, never into the source tree.
run_log="$work/fuzz.log"
# GLib and GStreamer keep their one-time allocations: the suite's
# suppressions (meson's test environment sets these already).
: "${LSAN_OPTIONS:=suppressions=$src/tests/lsan.supp:print_suppressions=0}"
: "${ASAN_OPTIONS:=detect_odr_violation=0:fast_unwind_on_malloc=0}"
export LSAN_OPTIONS ASAN_OPTIONS
"$bin" -max_total_time="$seconds" -runs=2000000 -max_len=2048 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "$src/tests/fuzz/corpus" >"$run_log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run_log" | tail -n 1)
if [ "$rc" -eq 0 ]; then
  echo "ok 2 - fuzz-ingress: ${runs:-?} inputs in at most ${seconds} s, no crash"
else
  echo "not ok 2 - fuzz-ingress failed (exit $rc); input kept in $work/artifacts/"
  tail -n 60 "$run_log" | sed 's/^/# /'
  exit 1
fi
