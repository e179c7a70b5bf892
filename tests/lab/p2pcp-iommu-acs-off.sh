# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology acs+iommu --disk-size 64M --append pci=disable_acs_redir=0000:00:02.0
# lab-needs: p2pcp
#
# acs+iommu booted with pci=disable_acs_redir= for the root port: ACS
# control stays 0, the kernel's verdict is "bus addresses" again, and QEMU's
# IOMMU drops the peer writes (the silent loss without a switch).  p2pcp
# stops before DST is written (exit 3) and names the lost writes.
set -eu
. /lab/tests/lib.sh

[ "$ACS_PORT" = 0000:00:02.0 ] || fail "ACS_PORT is $ACS_PORT, the lab-args name 0000:00:02.0"
ctl=$(setpci -s "$ACS_PORT" ECAP_ACS+6.w)
[ $((0x$ctl & 0x1c)) = 0 ] || fail "ACS redirect is on at $ACS_PORT ($ctl)"
ok "ACS control at $ACS_PORT is $ctl"

len=$((1 << 20))
fill_random "$SRC" "$len"
fill_zero "$DST" "$len"
before=$(sha_range "$DST" 0 "$len")
expect_rc 3 p2pcp --length 1M "$SRC" "$DST"
out_has "peer-to-peer writes from SRC $SRC into the p2pmem of $CMB_BDF were lost"
out_has "IOMMU active"
expect_eq "$(sha_range "$DST" 0 "$len")" "$before" "DST sha256 after the refusal"
dmesg_has "DMAR: \[DMA Write"
