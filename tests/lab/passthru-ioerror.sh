# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M --inject read:SRC:2048 --inject write:DST:4096
# lab-needs: p2pcp
#
# Media errors in the middle of a passthrough copy (--engine passthru: from
# Linux 7.2 auto would take the block engine on heads; QEMU blkdebug: SRC
# sector 2048 fails to read, DST sector 4096 fails to write).  The NVMe
# status comes back as such: p2pcp names it, the exact failing byte and
# LBA and the range it did copy, exits 1; and that range is copied.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((4 * mib))
fill_zero "$DST" $((2 * mib))

expect_rc 1 p2pcp --engine passthru --json --chunk-size 256k --queue-depth 8 --length 4M "$SRC" "$DST"
out_has "read error on SRC $SRC at byte $mib \(block 2048\): Unrecovered Read Error \(NVMe status 0x281, LBA 2048\)"
expect_partial_copy 0 0 "$mib" $((4 * mib))
out_json_has '"engine":"passthru"'

fill_zero "$DST" $((2 * mib))
expect_rc 1 p2pcp --engine passthru --chunk-size 256k --src-offset 2M --dst-offset 1M --length 2M "$SRC" "$DST"
out_has "write error on DST $DST at byte $((2 * mib)) \(block 4096\): Write Fault \(NVMe status 0x280, LBA 4096\)"
expect_partial_copy $((2 * mib)) "$mib" "$mib" $((2 * mib))
