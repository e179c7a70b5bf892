# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports-zen --disk-size 64M
# lab-needs: p2p-check p2praw
#
# p2p-check's verdict for each client and provider equals what the kernel
# does with a P2P read (topology rootports-zen).
set -eu
. /lab/tests/lib.sh

expect_check_matches_kernel_src_dst "$CMB_BDF"
