# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports-zen --disk-size 64M
# lab-needs: p2praw
#
# Same root-port layout with an AMD EPYC CPU model: the kernel allows P2P
# through the host bridge on AMD Zen.
set -eu
. /lab/tests/lib.sh

grep -q AuthenticAMD /proc/cpuinfo || fail "guest CPU is not AMD"
expect_providers "$CMB_BDF"
expect_raw_copy_works "$CMB_BDF" $((2 << 20))
dmesg_lacks "cannot be used for peer-to-peer DMA"
