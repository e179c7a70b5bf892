# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by the datapath tier's scripts (sourced, not run): exit codes,
# the work directory, fail/skip, and comparing byte ranges of two files.

readonly T_EXIT_PASS=0 T_EXIT_FAIL=1 T_EXIT_SKIP=77 T_EXIT_ERROR=99

fail() {
	echo "FAIL: $*" >&2
	exit $T_EXIT_FAIL
}
skip() {
	echo "SKIP: $*" >&2
	exit $T_EXIT_SKIP
}

# enter_workdir PREFIX: make a fresh directory under the build tree
# (removed on exit), set $WORK to it and cd there.
enter_workdir() {
	WORK=$(mktemp -d "${MESON_BUILD_ROOT:-$PWD}/$1-XXXXXX") ||
		exit $T_EXIT_ERROR
	trap 'rm -rf "$WORK"' EXIT
	cd "$WORK" || exit $T_EXIT_ERROR
}

# extract FILE OFFSET LENGTH: LENGTH bytes of FILE from OFFSET on stdout.
extract() { dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=64k status=none; }

# same_range A AOFF B BOFF LEN: fail unless B's LEN bytes at BOFF equal
# A's LEN bytes at AOFF.
same_range() {
	cmp -s <(extract "$1" "$2" "$5") <(extract "$3" "$4" "$5") ||
		fail "$3 bytes $4+$5 differ from $1 bytes $2+$5"
}
