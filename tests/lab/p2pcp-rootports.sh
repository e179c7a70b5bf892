# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports --disk-size 64M
# lab-needs: p2pcp
#
# Each device on its own root port of an Intel q35 host bridge: the kernel
# refuses.  p2pcp says so, names the cause and p2p-check, writes nothing,
# and never falls back to system memory on its own; --sysmem then works.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((4 * mib))
fill_zero "$DST" $((4 * mib))
expect_rc 3 p2pcp --length 4M "$SRC" "$DST"
out_has "the kernel refused peer-to-peer DMA between SRC $SRC and provider $CMB_BDF"
out_has "share no upstream bridge and the host bridge is not on the kernel's whitelist"
out_has "nothing was written; run 'p2p-check $SRC $DST'"
dmesg_has "do not share an upstream bridge or whitelisted host bridge"
expect_differs "$SRC" 0 "$DST" 0 $((4 * mib))
expect_rc 0 p2pcp --sysmem --json --length 4M "$SRC" "$DST"
out_has '"mode":"sysmem"'
# System memory can be registered with io_uring once for the whole copy.
out_has '"fixed_buffers":true'
expect_same "$SRC" 0 "$DST" 0 $((4 * mib))
