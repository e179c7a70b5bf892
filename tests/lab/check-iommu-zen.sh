# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports-zen+iommu --disk-size 64M
# lab-needs: p2p-check p2praw
#
# p2p-check's verdict equals the kernel's on separate root ports with an
# AMD EPYC CPU model and an IOMMU: through the host bridge, allowed.
set -eu
. /lab/tests/lib.sh

expect_iommu
expect_check_matches_kernel_src_dst "$CMB_BDF"
expect_rc 1 p2p-check "$SRC" "$CMB_BDF"
out_has "which the kernel allows on AMD Zen CPUs"
