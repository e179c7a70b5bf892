# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs+iommu --disk-size 64M
# lab-needs: p2p-check p2praw
#
# With an IOMMU the kernel itself sets ACS redirect on the root port above
# the three functions at boot, no setpci needed: p2p-check reads it, says
# refused like the kernel, and offers the boot parameters.
set -eu
. /lab/tests/lib.sh

expect_iommu
expect_acs_redirect_on "$ACS_PORT"
expect_check_matches_kernel_src_dst "$CMB_BDF"
expect_rc 2 p2p-check "$DST" "$CMB_BDF"
out_has "ACS redirect at $ACS_PORT"
out_has "or boot: pci=disable_acs_redir=$ACS_PORT"
out_has "or boot: pci=config_acs=x0x00xx@$ACS_PORT"
