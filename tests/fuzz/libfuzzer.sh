#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the fuzz targets with clang's libFuzzer (coverage-guided) plus
# ASan and UBSan, the library sources instrumented too, and run each for
# FUZZ_SECONDS (default 4).  New inputs stay in the build directory;
# a failing input is kept as libfuzzer/crash-* and named on stderr.
#
# usage: libfuzzer.sh SOURCE_ROOT BUILD_ROOT FUZZ_DIR LIBRARY_SOURCE...
# (meson passes the library's own source list; FUZZ_TARGETS="size bdf"
# picks targets.)
set -uo pipefail

readonly T_EXIT_PASS=0 T_EXIT_FAIL=1 T_EXIT_SKIP=77

SRC=$1
BUILD=$2
FUZZ=$3
shift 3
SECONDS_EACH=${FUZZ_SECONDS:-4}
OUT=$BUILD/tests/fuzz/libfuzzer
PKGS="liburing libnvme libpci json-c blkid zlib"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

mkdir -p "$OUT/obj" || exit $T_EXIT_FAIL
cd "$OUT" || exit $T_EXIT_FAIL

echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' >probe.c
if ! clang -fsanitize=fuzzer probe.c -o probe 2>probe.err; then
	echo "SKIP: clang cannot link libFuzzer (-fsanitize=fuzzer): $(head -1 probe.err);" \
		"on Debian install libclang-rt-dev or clang's compiler-rt" >&2
	exit $T_EXIT_SKIP
fi

CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -I$SRC/include -I$BUILD -I$FUZZ \
	$(pkg-config --cflags $PKGS) $SAN"
LIBS="$(pkg-config --libs $PKGS)"

# The library (the sources meson builds it from) and the fuzz helpers.
objs=()
rm -f obj/*.o
for c in "$@" "$FUZZ/fuzz-util.c"; do
	o=obj/$(basename "${c%.c}").o
	clang $CFLAGS -fsanitize=fuzzer-no-link -c "$c" -o "$o" ||
		{ echo "FAIL: cannot compile $c" >&2; exit $T_EXIT_FAIL; }
	objs+=("$o")
done

read -ra targets <<<"${FUZZ_TARGETS:-}"
if [ ${#targets[@]} = 0 ]; then
	for f in "$FUZZ"/fuzz-*.c; do
		t=$(basename "${f%.c}")
		[ "$t" = fuzz-util ] || targets+=("${t#fuzz-}")
	done
fi

status=$T_EXIT_PASS
for t in "${targets[@]}"; do
	clang $CFLAGS -fsanitize=fuzzer "$FUZZ/fuzz-$t.c" "${objs[@]}" $LIBS \
		-o "fuzz-$t" || { echo "FAIL: cannot build fuzz-$t" >&2; exit $T_EXIT_FAIL; }
	mkdir -p "corpus-$t"
	seeds=()
	case $t in
	lspci) seeds=("$SRC/tests/check/dumps")
		[ -d /work/shared/fixtures/pciutils ] &&
			seeds+=(/work/shared/fixtures/pciutils) ;;
	*) seeds=("$FUZZ/corpus/$t") ;;
	esac
	echo "== fuzz-$t for ${SECONDS_EACH}s"
	if ! ./"fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
		-rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$OUT/crash-$t-" "corpus-$t" "${seeds[@]}" \
		>"fuzz-$t.log" 2>&1; then
		tail -40 "fuzz-$t.log" >&2
		echo "FAIL: fuzz-$t; the input is in $OUT/crash-$t-*;" \
			"replay: $OUT/fuzz-$t $OUT/crash-$t-..." >&2
		status=$T_EXIT_FAIL
	fi
	grep -E 'stat::number_of_executed_units|stat::new_units_added' "fuzz-$t.log"
done
exit $status
