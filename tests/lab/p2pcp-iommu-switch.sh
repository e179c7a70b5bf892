# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch+iommu --disk-size 64M
# lab-needs: p2pcp
#
# The silent loss: behind one switch with QEMU's emulated IOMMU on the bus,
# the kernel says "bus addresses", every NVMe read completes with success,
# and the IOMMU drops SRC's writes into the CMB (a DMAR fault, nothing
# else).  p2pcp's arrival check finds it before DST is written: exit 3,
# DST byte for byte as it was (checked with sha256sum, outside p2pcp), a
# message that names the lost writes, the provider and the IOMMU.  No
# --verify mode gets an exit 0 out of it.
set -eu
. /lab/tests/lib.sh

len=$((4 << 20))
fill_random "$SRC" "$len"
fill_random "$DST" "$len"

expect_lost_writes_stop_copy "$len" --length 4M
out_has "nothing was written to DST"
out_has "IOMMU"
out_has "DMAR|AMD-Vi"
dmesg_has "DMAR: \[DMA Write"

expect_lost_writes_stop_copy "$len" --json --length 4M
out_json_has '"arrival":"lost"'
out_json_has '"exit(_code)?":3'

for v in --verify --verify=p2pmem --verify=sysmem; do
	expect_lost_writes_stop_copy "$len" "$v" --length 4M
done

# The passthrough engine gets the same arrival check.
expect_lost_writes_stop_copy "$len" --engine passthru --length 4M
expect_rc 3 p2pcp --engine passthru --json --length 4M "$SRC" "$DST"
out_json_has '"arrival":"lost"'
