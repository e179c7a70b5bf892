# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 96M
# lab-needs: p2pcp
#
# SIGINT and SIGTERM in the middle of a P2P copy: p2pcp drains, exits
# 130/143 and prints offsets; resuming from them completes the copy
# exactly.
set -eu
. /lab/tests/lib.sh

size=$((96 << 20))
fill_random "$SRC" "$size"

interrupt() { # SIGNAL STATUS
	fill_zero "$DST" "$size"
	p2pcp --chunk-size 64k --queue-depth 2 "$SRC" "$DST" 2>/tmp/err &
	pid=$!
	wait_for_p2pmem_in_use "$pid" "$CMB_BDF"
	sleep 0.5
	expect_interrupted "$pid" "$1" "$2" "$size"
	# shellcheck disable=SC2086
	expect_rc 0 p2pcp $resume_args "$SRC" "$DST"
	expect_same "$SRC" 0 "$DST" 0 "$size"
}

interrupt INT 130
interrupt TERM 143
