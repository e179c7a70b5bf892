# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-src --disk-size 64M
# lab-needs: p2p-check p2praw
#
# p2p-check's verdict for DST and the CMB on SRC equals what the kernel does
# with a P2P read.  (SRC with its own CMB is one PCI function: the kernel
# allows it, see raw-cmb-src; p2p-check takes no pair of a device with
# itself.)
set -eu
. /lab/tests/lib.sh

expect_check_matches_kernel "$DST" "$CMB_BDF"
