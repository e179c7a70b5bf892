# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-src --disk-size 64M
# lab-needs: p2p-check p2praw
#
# p2p-check's verdict for DST and the CMB on SRC, and for SRC and its own
# CMB (one PCI function, distance 0), equals what the kernel does with a
# P2P read.
set -eu
. /lab/tests/lib.sh

expect_check_matches_kernel "$DST" "$CMB_BDF"
expect_check_matches_kernel "$SRC" "$CMB_BDF"
grep -q "distance *0" /tmp/check || fail "no distance-0 pair for SRC and its own CMB"
