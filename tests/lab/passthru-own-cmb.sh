# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-src --disk-size 64M
# lab-needs: p2pcp
#
# The only CMB is SRC's own, and the passthrough engine must read into it.
# A command of several pages into p2pmem is one segment on Linux 6.12 (the
# kernel joins contiguous pages; the data pointer is one SGL descriptor in
# the command), but on 7.3 every page is a segment and the kernel puts the
# SGL in host memory, a mix QEMU's controller refuses for its own CMB
# (Invalid Use of Controller Memory Buffer, status 0x12): p2pcp then sends
# one page per command, and says so.  Either way the copy is exact.
set -eu
. /lab/tests/lib.sh

expect_providers "$SRC_BDF"
len=$((8 << 20))
fill_random "$SRC" "$len"
fill_zero "$DST" "$len"
expect_rc 0 p2pcp --engine passthru --json --verify --length "$len" "$SRC" "$DST"
out_json_has '"engine":"passthru"'
out_json_has '"place":"src"'
out_json_has '"verified":"sysmem"'
case $(uname -r) in
6.12.*)
	out_json_has '"max_transfer":524288'
	out_lacks 'one page per command'
	;;
7.3.*)
	out_json_has '"max_transfer":4096'
	out_json_has '"max_transfer_reason":"onepagepercommand:SRC.scontrollerrefused'
	;;
*)
	echo "no expectation for the command size on $(uname -r)"
	;;
esac
expect_same "$SRC" 0 "$DST" 0 "$len"
