# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch+iommu --disk-size 64M
# lab-needs: p2pcp
#
# Verification that cannot compare stale with stale.  The testing switches
# P2PCP_TESTING=no-arrival-check,no-sentinels,no-fabric-watch (see p2pcp(1),
# TESTING) turn off the loss checks of the copy (the fabric watch would see
# the DMAR faults: p2pcp-fabric-watch), so the copy through the lossy IOMMU
# "succeeds" with DST != SRC, as p2pcp did before the checks existed.
# Then --verify in every mode must not exit 0: p2pmem reads are poisoned
# per side, so a dropped read shows as lost data, and sysmem reads are the
# ground truth.  With the checks on, the copy itself stops (exit 3).
set -eu
. /lab/tests/lib.sh

len=$((2 << 20))
fill_random "$SRC" "$len"

for v in --verify=p2pmem --verify=sysmem --verify; do
	fill_zero "$DST" "$len"
	set +e
	P2PCP_TESTING=no-arrival-check,no-sentinels,no-fabric-watch p2pcp "$v" --length 2M \
		"$SRC" "$DST" >/tmp/out 2>&1
	rc=$?
	set -e
	sed 's/^/  | /' /tmp/out
	[ "$rc" != 0 ] || fail "p2pcp $v exited 0 with the loss checks off"
	expect_eq "$rc" 4 "exit status of $v"
	expect_differs "$SRC" 0 "$DST" 0 "$len"
done
out_has "differs from SRC"
# The poisoned p2pmem mode names the lost read, not a data difference.
fill_zero "$DST" "$len"
expect_rc 4 env P2PCP_TESTING=no-arrival-check,no-sentinels,no-fabric-watch p2pcp --verify=p2pmem --length 2M "$SRC" "$DST"
out_has "verify: reads of SRC $SRC into the p2pmem of $CMB_BDF were lost"

# Without the testing switches: stopped before DST is written.
expect_rc 3 p2pcp --verify=p2pmem --length 2M "$SRC" "$DST"
