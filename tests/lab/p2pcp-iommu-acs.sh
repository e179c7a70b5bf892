# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs+iommu --disk-size 64M
# lab-needs: p2pcp
#
# With an IOMMU the kernel turns ACS redirect on at the root port by
# itself: the kernel refuses P2P between the functions (EREMOTEIO), and
# p2pcp reports the refusal as before (exit 3, nothing written).
set -eu
. /lab/tests/lib.sh

expect_acs_redirect_on "$ACS_PORT"

len=$((1 << 20))
fill_src_random_dst_zero "$len"
expect_rc 3 p2pcp --length 1M "$SRC" "$DST"
out_has "the kernel refused peer-to-peer DMA"
out_has "$CMB_BDF"
out_lacks "were lost"
expect_differs "$SRC" 0 "$DST" 0 "$len"
dmesg_has "pci=disable_acs_redir=$ACS_PORT"
