# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch+iommu --disk-size 64M
# lab-needs: p2p-check p2praw
#
# With an IOMMU the kernel turns ACS on at the root port, which is above
# the switch both devices share: the kernel still maps bus addresses, and
# p2p-check says direct, with the warning that peer writes can then be lost
# without an error (QEMU's IOMMU drops them, as the integrity cases show).
set -eu
. /lab/tests/lib.sh

expect_iommu
expect_check_matches_kernel_src_dst "$CMB_BDF"
expect_rc 0 p2p-check "$SRC" "$CMB_BDF"
out_has "verdict +direct"
out_has "an IOMMU is active: at boot the kernel turns on ACS SV, RR, CR and UF"
out_has "peer writes can be lost without any error; p2pcp checks that its data arrived"
