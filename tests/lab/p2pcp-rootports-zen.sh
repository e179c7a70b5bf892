# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports-zen --disk-size 64M
# lab-needs: p2pcp
#
# The same root ports with an AMD Zen CPU: the kernel routes P2P through
# the host bridge, p2pcp predicts it and copies.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((4 * mib))
expect_rc 0 p2pcp --json --verify --length 4M "$SRC" "$DST"
out_has '"verdict":"host-bridge"'
out_has '"verified":"(sysmem|p2pmem)"'
# The kernel cannot pin p2pmem as an io_uring fixed buffer: plain I/O.
out_has '"fixed_buffers":false'
expect_same "$SRC" 0 "$DST" 0 $((4 * mib))
