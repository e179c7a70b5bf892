# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M
# lab-needs: p2praw
#
# Three NVMe behind one switch: only CMB registers p2pmem, and the kernel
# lets SRC read into it and DST write from it (a direct P2P path); the
# pool's "available" drops while a mapping is held.
set -eu
. /lab/tests/lib.sh

expect_providers "$CMB_BDF"
dmesg_has "$CMB_BDF: added peer-to-peer DMA memory"

len=$((4 << 20))
fill_random "$SRC" "$len"
fill_zero "$DST" "$len"
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
expect_same "$SRC" 0 "$DST" 0 "$len"

# Offsets on both sides.
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" 1048576 512 $((8 << 20))
expect_same "$SRC" 512 "$DST" $((8 << 20)) 1048576

# A held mapping is accounted in "available".
hold_p2pmem "$CMB_BDF" $((16 << 20))
expect_eq "$(p2pmem_attr "$CMB_BDF" available)" $((LAB_CMB_SIZE - (16 << 20))) \
	"available while 16 MiB are mapped"
release_p2pmem "$CMB_BDF"
expect_eq "$(p2pmem_attr "$CMB_BDF" available)" "$LAB_CMB_SIZE" "available after unmap"
