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
len=$((2 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
expect_same "$SRC" 0 "$DST" 0 "$len"
dmesg_lacks "cannot be used for peer-to-peer DMA"
