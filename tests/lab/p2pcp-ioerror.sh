# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --inject read:SRC:2048 --inject write:DST:4096
# lab-needs: p2pcp
#
# Media errors in the middle of a P2P copy (QEMU blkdebug: SRC sector 2048
# fails to read, DST sector 4096 fails to write).  p2pcp stops, reports
# the exact failing byte and the exact range it copied, exits 1; and that
# range really is copied.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((4 * mib))
# DST fails writes from byte 2 MiB on: only what lies below can be reset.
fill_zero "$DST" $((2 * mib))

# The read error at byte 1 MiB of SRC, with 8 chunks of 256 KiB in flight.
expect_rc 1 p2pcp --chunk-size 256k --queue-depth 8 --length 4M "$SRC" "$DST"
out_has "read error on SRC $SRC at byte $mib \(block 2048\): No data available"
expect_partial_copy 0 0 "$mib" $((4 * mib))

# The write error at byte 2 MiB of DST: copy SRC 2M..4M to DST 1M..3M.
fill_zero "$DST" $((2 * mib))
expect_rc 1 p2pcp --chunk-size 256k --src-offset 2M --dst-offset 1M --length 2M "$SRC" "$DST"
out_has "write error on DST $DST at byte $((2 * mib)) \(block 4096\)"
expect_partial_copy $((2 * mib)) "$mib" "$mib" $((2 * mib))
dmesg_has "critical medium error"
