# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs+iommu --disk-size 64M
# lab-needs: p2p-check p2praw
#
# With an IOMMU the kernel itself sets ACS redirect on the root port above
# the three functions at boot, no setpci needed: p2p-check reads it, says
# refused like the kernel, and offers the boot parameters.
set -eu
. /lab/tests/lib.sh

[ -e /sys/class/iommu/dmar0 ] || fail "no IOMMU in the guest"
ctl=$(setpci -s "$ACS_PORT" ECAP_ACS+6.w)
[ $((0x$ctl & 0x0c)) != 0 ] || fail "ACS control $ctl at boot: no RR/CR"
ok "the kernel set ACS control $ctl on $ACS_PORT"
for c in "$SRC" "$DST"; do
	expect_check_matches_kernel "$c" "$CMB_BDF"
done
expect_rc 2 p2p-check "$DST" "$CMB_BDF"
out_has "ACS redirect at $ACS_PORT"
out_has "or boot: pci=disable_acs_redir=$ACS_PORT"
out_has "or boot: pci=config_acs=x0x00xx@$ACS_PORT"
