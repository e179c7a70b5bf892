# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 96M --kernel build
# The built kernel: Debian's stock kernels have no CONFIG_FAULT_INJECTION,
# and only NVMe fault injection gives the statuses this case needs.
# lab-needs: p2pcp
#
# NVMe statuses QEMU's controller never returns (issue 12): the kernel's
# NVMe fault injection (debugfs <disk>/fault_inject) gives the next
# completion on a namespace the status we choose.  A passthrough copy that
# meets Namespace is Write Protected on a DST write, or Reservation
# Conflict on a SRC read, names the status, the side, the exact byte and
# LBA, exits 1, and the range it reports as copied is copied.
#
# The fault is armed once the copy's first chunk is in DST: from then on
# the only I/O on either namespace is the copy's (p2pcp's first checks,
# which read both sides, are over; the arrival check, which writes DST's
# first block, is off so that no check runs in between; the testing switch
# is p2pcp(1)'s TESTING).  Reading DST to see that happens before arming.
set -eu
. /lab/tests/lib.sh

size=$((96 << 20))
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# arm_status DEV STATUS: the next completion on DEV's namespace fails.
arm_status() {
	fi_dir=/sys/kernel/debug/${1#/dev/}/fault_inject
	[ -d "$fi_dir" ] || fail "no $fi_dir (kernel without NVMe fault injection?)"
	echo "$2" >"$fi_dir/status"
	echo 1 >"$fi_dir/times"
	echo 100 >"$fi_dir/probability"
}

# copy_meets DEV STATUS: a passthrough copy that meets STATUS on DEV.
copy_meets() {
	fill_src_random_dst_zero "$size"
	P2PCP_TESTING=no-arrival-check p2pcp --engine passthru \
		--chunk-size 64k --queue-depth 4 "$SRC" "$DST" 2>/tmp/err &
	pid=$!
	first=$(sha_range "$SRC" 0 65536)
	tries=0
	until [ "$(sha_range "$DST" 0 65536)" = "$first" ]; do
		kill -0 "$pid" 2>/dev/null || fail "p2pcp ended before its first chunk"
		tries=$((tries + 1))
		[ "$tries" -lt 400 ] || fail "the first chunk never reached DST"
		sleep 0.05
	done
	arm_status "$1" "$2"
	set +e
	wait "$pid"
	rc=$?
	set -e
	cat /tmp/err
	expect_eq "$rc" 1 "exit status after NVMe status $2"
	cp /tmp/err /tmp/out
}

# The reported range is exact: SRC's and DST's first DONE bytes agree,
# and the resume offsets start there.
expect_reported_prefix_copied() {
	done=$(sed -n 's/.*copied SRC bytes \[0, \([0-9]*\)).*/\1/p' /tmp/out)
	[ -n "$done" ] || fail "no copied range in the message"
	out_has "resume with --src-offset $done --dst-offset $done --length $((size - done))"
	[ "$done" -eq 0 ] || expect_same "$SRC" 0 "$DST" 0 "$done"
}

copy_meets "$DST" 0x20
out_has "write error on DST $DST at byte [0-9]+ \(block [0-9]+\): Namespace is Write Protected \(NVMe status 0x20, LBA [0-9]+\)"
expect_reported_prefix_copied
dmesg_has "fault_inject|FAULT_INJECTION"

copy_meets "$SRC" 0x83
out_has "read error on SRC $SRC at byte [0-9]+ \(block [0-9]+\): Reservation Conflict \(NVMe status 0x83, LBA [0-9]+\)"
expect_reported_prefix_copied
