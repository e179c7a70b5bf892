# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs+iommu --disk-size 64M --append pci=disable_acs_redir=0000:00:02.0
# lab-needs: p2pcp
#
# acs+iommu booted with pci=disable_acs_redir= for the root port: ACS
# control stays 0, the kernel's verdict is "bus addresses" again, and QEMU's
# IOMMU drops the peer writes (the silent loss without a switch).  p2pcp
# stops before DST is written (exit 3) and names the lost writes.
set -eu
. /lab/tests/lib.sh

[ "$ACS_PORT" = 0000:00:02.0 ] || fail "ACS_PORT is $ACS_PORT, the lab-args name 0000:00:02.0"
expect_acs_redirect_off "$ACS_PORT"

len=$((1 << 20))
fill_src_random_dst_zero "$len"
expect_lost_writes_stop_copy "$len" --length 1M
out_has "IOMMU active"
dmesg_has "DMAR: \[DMA Write"
