# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M --append nvme_core.multipath=N
# lab-needs: p2praw
#
# The multipath topology booted with nvme_core.multipath=N: /dev/nvmeXnY
# are per-controller disks under the PCI device again and P2P works.
set -eu
. /lab/tests/lib.sh

for d in "$SRC" "$DST"; do
	p=$(readlink -f "/sys/block/${d#/dev/}")
	case $p in
	/sys/devices/pci*) ok "$d is a PCI namespace ($p)" ;;
	*) fail "$d is not under its PCI device ($p)" ;;
	esac
done
len=$((1 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2praw copy "$CMB_BDF" "$SRC" "$DST" "$len"
expect_same "$SRC" 0 "$DST" 0 "$len"
