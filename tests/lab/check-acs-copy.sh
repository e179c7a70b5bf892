# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs --disk-size 64M
# lab-needs: p2pcp p2p-check p2praw
#
# p2p-check SRC DST judges what p2pcp will use: the provider (CMB, on
# 01:00.0) with SRC and with DST, never SRC with DST.  With ACS redirect
# set on the root port p2pcp is refused; the "now" fixes p2p-check prints
# for SRC and DST, run in order as printed (a command printed for both
# pairs runs once), make p2pcp copy: the kernel keeps its verdicts in the
# provider's p2pdma state, so the fix rebinds the provider, not SRC or DST.
set -eu
. /lab/tests/lib.sh

len=$((1 << 20))
expect_rc 0 setpci -s "$ACS_PORT" ECAP_ACS+6.w=001c:001c
fill_random "$SRC" "$len"
expect_rc 3 p2pcp --length "$len" "$SRC" "$DST"
out_has "EREMOTEIO|refused|p2p-check"
expect_differs "$SRC" 0 "$DST" 0 "$len"

expect_rc 2 p2p-check --json "$SRC" "$DST"
expect_eq "$(sed -n '/"providers": \[/{n;p;}' /tmp/out | tr -d ' ",')" \
	"$CMB_BDF" "the provider judged with SRC and DST"
expect_acs_now_fixes

while read -r cmd; do
	echo "  running: $cmd"
	sh -c "$cmd"
done </tmp/now
wait_p2pmem_published "$CMB_BDF"

expect_rc 0 p2p-check "$SRC" "$DST"
out_has "verdict +direct"
expect_rc 0 p2pcp --length "$len" "$SRC" "$DST"
expect_same "$SRC" 0 "$DST" 0 "$len"
