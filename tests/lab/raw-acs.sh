# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs --disk-size 64M
# lab-needs: p2praw
#
# CMB, SRC and DST are functions of one device under a root port with an
# ACS capability (ACS_PORT).  With ACS control at its reset value P2P works;
# after setting Request and Completion Redirect (and Upstream Forwarding) on the port
# the kernel refuses a new pair ($P2P_REFUSED) and names the
# pci=disable_acs_redir= fix.  Verdicts are cached per pair: a pair that was
# already used keeps working.
set -eu
. /lab/tests/lib.sh

expect_eq "$ACS_PORT" "$CMB_PORT" "ACS port is CMB's upstream port"
expect_providers "$CMB_BDF"
lspci -vvv -s "$ACS_PORT" 2>/dev/null | grep -q 'Access Control Services' ||
	fail "$ACS_PORT has no ACS capability"
expect_eq "$(setpci -s "$ACS_PORT" ECAP_ACS+6.w)" 0000 "ACS control at reset"

len=$((1 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2praw read "$CMB_BDF" "$SRC" "$len"

expect_rc 0 setpci -s "$ACS_PORT" ECAP_ACS+6.w=001c:001c
expect_eq "$(setpci -s "$ACS_PORT" ECAP_ACS+6.w)" 001c "ACS control after setpci"

expect_rc 1 p2praw read "$CMB_BDF" "$DST" "$len"
out_has "read $DST at offset 0: .*$P2P_REFUSED"
dmesg_has "ACS redirect is set between the client and provider \($CMB_BDF\)"
dmesg_has "to disable ACS redirect for this path, add the kernel parameter: pci=disable_acs_redir=$ACS_PORT"

# SRC's verdict was taken before the change and is cached.
expect_rc 0 p2praw read "$CMB_BDF" "$SRC" "$len"
