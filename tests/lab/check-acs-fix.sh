# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs --disk-size 64M
# lab-needs: p2pcp p2p-check p2praw
#
# The kernel caches its P2P verdict per provider/client pair at first use.
# Set ACS redirect on the root port and use DST's pair: refused.  Then run
# the fixes p2p-check prints as JSON objects with "when": "now", in order
# and exactly as printed: after the setpci alone the kernel still refuses
# the pair (its cached verdict), after the rebind of the provider's driver
# the same pair works, and p2pcp copies through it, all without a reboot.
set -eu
. /lab/tests/lib.sh

len=$((1 << 20))
expect_rc 0 setpci -s "$ACS_PORT" ECAP_ACS+6.w=001c:001c
expect_rc 1 p2praw read "$CMB_BDF" "$DST" "$len"
out_has "$P2P_REFUSED"

expect_rc 2 p2p-check --json "$DST" "$CMB_BDF"
# The "now" fixes are the objects with a "command" member, in order.
expect_acs_now_fixes
out_json_has '"when":"boot","parameter":"pci=disable_acs_redir='"$ACS_PORT"'"'

# The setpci alone: config space now allows a direct path, the kernel's
# cached verdict for the pair does not.
sh -c "$(sed -n 1p /tmp/now)"
# RR and CR cleared, Upstream Forwarding (not a redirect bit) left alone.
expect_eq "$(setpci -s "$ACS_PORT" ECAP_ACS+6.w)" 0010 "ACS control after the fix"
expect_rc 0 p2p-check "$DST" "$CMB_BDF"
out_has "verdict +direct"
expect_rc 1 p2praw read "$CMB_BDF" "$DST" "$len"
out_has "$P2P_REFUSED"

# The rebind, exactly as printed.
sed -n '2,$p' /tmp/now | while read -r cmd; do
	echo "  running: $cmd"
	sh -c "$cmd"
done
wait_p2pmem_published "$CMB_BDF"

fill_random "$DST" "$len"
expect_rc 0 p2praw read "$CMB_BDF" "$DST" "$len"
expect_check_matches_kernel "$DST" "$CMB_BDF"

fill_random "$SRC" "$len"
expect_rc 0 p2pcp --provider "$CMB_BDF" --length "$len" "$SRC" "$DST"
expect_same "$SRC" 0 "$DST" 0 "$len"
