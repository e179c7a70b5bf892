# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M --append nvme_core.multipath=N
# lab-needs: p2pcp
#
# The cure p2pcp names for the multipath head node works: with
# nvme_core.multipath=N the same copy goes peer to peer.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((2 * mib))
expect_rc 0 p2pcp --json --length 2M "$SRC" "$DST"
out_has '"mode":"p2p"'
expect_same "$SRC" 0 "$DST" 0 $((2 * mib))
