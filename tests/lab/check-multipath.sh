# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2p-check p2praw
#
# Multipath head nodes: the PCI path is direct.  Before Linux 7.2 the
# kernel rejects P2P pages on the head node's queue (check-multipath@build):
# p2p-check must say so and name the fix.  From 7.2 the head takes them:
# p2p-check names the head node and judges the PCIe path, with no fix to
# offer.  Either way the kernel must do what it predicts.
set -eu
. /lab/tests/lib.sh

for c in "$SRC" "$DST"; do
	expect_check_matches_kernel "$c" "$CMB_BDF"
	grep -q "${c#/dev/} is an NVMe multipath head node" /tmp/check ||
		fail "p2p-check does not name ${c#/dev/} as a multipath head node"
	if heads_take_p2p; then
		! grep -q "nvme_core.multipath=N" /tmp/check ||
			fail "p2p-check offers nvme_core.multipath=N, which $(uname -r) does not need"
		ok "p2p-check names ${c#/dev/} as a multipath head node, no fix needed"
	else
		grep -q "nvme_core.multipath=N" /tmp/check ||
			fail "p2p-check does not name the nvme_core.multipath=N fix"
		ok "p2p-check names ${c#/dev/} as a multipath head node and the fix"
	fi
done
