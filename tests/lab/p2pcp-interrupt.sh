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
	# Signal only once the copy runs: p2pcp catches SIGINT/SIGTERM right
	# after mapping its buffer, so wait for the CMB's "available" to drop
	# instead of guessing a delay (a loaded host can take seconds to plan).
	tries=0
	avail=/sys/bus/pci/devices/$CMB_BDF/p2pmem/available
	while read -r a <"$avail" && [ "$a" -ge "$LAB_CMB_SIZE" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 600 ] || fail "p2pcp never mapped its buffer"
		kill -0 "$pid" 2>/dev/null || fail "p2pcp ended before mapping its buffer"
		sleep 0.05
	done
	[ "$a" -lt "$LAB_CMB_SIZE" ] || fail "cannot read $avail"
	sleep 0.5
	kill -"$1" "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	cat /tmp/err
	expect_eq "$rc" "$2" "exit status after SIG$1"
	grep -q "interrupted: copied SRC bytes \\[0, " /tmp/err || fail "no progress report"
	args=$(sed -n 's/.*resume with \(--src-offset [0-9]* --dst-offset [0-9]* --length [0-9]*\).*/\1/p' /tmp/err)
	[ -n "$args" ] || fail "no resume offsets"
	set -- $args
	[ "$2" -gt 0 ] || fail "nothing copied before the signal"
	[ "$2" -lt "$size" ] || fail "copy finished before the signal"
	# shellcheck disable=SC2086
	expect_rc 0 p2pcp $args "$SRC" "$DST"
	expect_same "$SRC" 0 "$DST" 0 "$size"
}

interrupt INT 130
interrupt TERM 143
