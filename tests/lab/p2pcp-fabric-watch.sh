# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch+iommu --disk-size 64M
# lab-needs: p2pcp
#
# The fabric watch.  Behind one switch with QEMU's emulated IOMMU, SRC's
# peer writes into the CMB fault in the IOMMU and are dropped while every
# NVMe read completes with success (p2pcp-iommu-switch).  p2pcp follows
# the kernel log from before its first read to after its last write, so
# its own report quotes the DMAR fault lines naming SRC, not only advice
# to read dmesg.  With the sentinels and the arrival probe turned off
# (P2PCP_TESTING, p2pcp(1)), the watch alone stops the copy from being
# called copied: exit 1, "done" 0, the whole range to copy again.
# Intel's DMAR fault lines are rate-limited (10 per 5 s): each run that
# checks them waits first.
set -eu
. /lab/tests/lib.sh

len=$((2 << 20))
fill_random "$SRC" "$len"
fill_random "$DST" "$len"
dmar="DMAR: \[DMA Write[^]]*\] Request device"

# The arrival probe stops the copy (exit 3); the report quotes the fault.
expect_lost_writes_stop_copy "$len" --length 2M
out_has "the kernel logged [0-9]+ IOMMU faults? for devices on the copy's path while it ran"
out_has "SRC $SRC_BDF: $dmar"

sleep 6
fill_zero "$DST" "$len"
expect_rc 1 env P2PCP_TESTING=no-arrival-check,no-sentinels p2pcp --verify --length 2M "$SRC" "$DST"
out_has "SRC $SRC_BDF: $dmar"
out_has "the fabric reported a loss on the copy's path while it ran \([0-9]+ IOMMU faults?"
out_has "nothing counts as copied; copy again with --src-offset 0 --dst-offset 0 --length $len"
out_lacks "verified"

sleep 6
expect_rc 1 env P2PCP_TESTING=no-arrival-check,no-sentinels p2pcp --json --length 2M "$SRC" "$DST"
out_json_has '"fabric":\{"watched":\['
out_json_has "\{\"pci\":\"$SRC_BDF\",\"role\":\"SRC\""
out_json_has '"kernel_log":"followed","iommu_faults":[1-9]'
out_json_has '"lines":\["DMAR:'
out_json_has '"loss":true'
out_json_has '"done":0'
out_json_has '"resume":\{"src_offset":0,"dst_offset":0,"length":2097152\}'
dmesg_has "$dmar"

# Switched off, nothing watches: the copy "succeeds" with DST != SRC,
# which is what the watch and the two checks are there to prevent.
fill_zero "$DST" "$len"
expect_rc 0 env P2PCP_TESTING=no-arrival-check,no-sentinels,no-fabric-watch p2pcp --length 2M "$SRC" "$DST"
expect_differs "$SRC" 0 "$DST" 0 "$len"

# The cache type of p2pcp's mapping: the lab's firmware sets one MTRR,
# uncachable over 3-4 GiB, where the CMB's BAR lies.
grep -q "uncachable" /proc/mtrr || fail "the lab's /proc/mtrr has no uncachable range"
expect_rc 0 p2pcp --json --dry-run --length 2M "$SRC" "$DST"
out_json_has '"buffer_cache":\{"type":"uncached","source":"/proc/mtrr","bar":"0x[0-9a-f]+-0x[0-9a-f]+"'
