# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M --append nvme_core.multipath=N
# lab-needs: p2praw
#
# The multipath topology booted with nvme_core.multipath=N: /dev/nvmeXnY
# are per-controller disks under the PCI device again and P2P works.
set -eu
. /lab/tests/lib.sh

expect_pci_namespace "$SRC"
expect_pci_namespace "$DST"
expect_raw_copy_works "$CMB_BDF" $((1 << 20))
