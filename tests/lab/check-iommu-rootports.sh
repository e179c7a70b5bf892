# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports+iommu --disk-size 64M
# lab-needs: p2p-check p2praw
#
# p2p-check's verdict equals the kernel's on separate root ports with an
# IOMMU (q35's host bridge is not whitelisted, the CPU is not AMD).
set -eu
. /lab/tests/lib.sh

expect_iommu
expect_check_matches_kernel_src_dst "$CMB_BDF"
