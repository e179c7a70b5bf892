# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M --kernel debian:bookworm-backports
# lab-needs: p2pcp p2p-check
#
# Debian's stock 6.12 has no CONFIG_PCI_P2PDMA and the guest has no
# kernel config file: /proc/kallsyms lists PCI core symbols but not
# pci_p2pdma_add_resource, so p2p-check says P2P is impossible for
# certain (exit 5) and p2pcp that the kernel was built without it
# (exit 3).  The CMB the driver failed to register is disabled again
# (CMBMSC written 0, so CMBSZ reads 0 on QEMU's NVMe 1.4 controller) and
# 6.12 shows no cmbsz attribute for it: p2p-check claims no CMB.
set -eu
. /lab/tests/lib.sh

[ ! -e /proc/config.gz ] && [ ! -e "/boot/config-$(uname -r)" ] ||
	fail "the guest has a kernel config file: this case needs none"
ok "no kernel config file in the guest ($(uname -r))"
grep -q ' pci_find_ext_capability$' /proc/kallsyms || fail "kallsyms lacks PCI core"
! grep -q ' pci_p2pdma_add_resource$' /proc/kallsyms || fail "kallsyms has P2PDMA"
ok "/proc/kallsyms: PCI core, no pci_p2pdma_add_resource"
dmesg_has "failed to register the CMB"

expect_rc 5 p2p-check --json "$SRC" "$DST"
out_has '"config_pci_p2pdma": "no"'
out_has '/proc/kallsyms lists PCI core symbols but not pci_p2pdma_add_resource'
tr -d '\n ' </tmp/out >/tmp/flat
grep -q '"cmbs":\[\]' /tmp/flat || fail "p2p-check lists a CMB it cannot see"
ok "no CMB claimed"

len=$((1 << 20))
fill_random "$SRC" "$len"
expect_rc 3 p2pcp --length "$len" "$SRC" "$DST"
out_has "was built without CONFIG_PCI_P2PDMA \(/proc/kallsyms"
expect_differs "$SRC" 0 "$DST" 0 "$len"
