# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs --disk-size 64M
# lab-needs: p2pcp p2p-check p2praw
#
# ACS redirect on the root port above CMB, SRC and DST: p2p-check, direct
# before, then names the port and the fix; p2pcp refuses and writes
# nothing; the kernel does what p2p-check said.
set -eu
. /lab/tests/lib.sh

expect_rc 0 p2p-check "$SRC" "$CMB_BDF"
out_has "verdict +direct"

expect_rc 0 setpci -s "$ACS_PORT" ECAP_ACS+6.w=001c:001c
for c in "$SRC" "$DST"; do
	expect_rc 2 p2p-check "$c" "$CMB_BDF"
	out_has "ACS redirect at $ACS_PORT"
	out_has "pci=disable_acs_redir=$ACS_PORT"
done

len=$((1 << 20))
fill_random "$SRC" "$len"
expect_rc 3 p2pcp --length "$len" "$SRC" "$DST"
out_has "$CMB_BDF"
out_has "p2p-check"
expect_differs "$SRC" 0 "$DST" 0 "$len"

expect_check_matches_kernel_src_dst "$CMB_BDF"
dmesg_has "pci=disable_acs_redir=$ACS_PORT"
