# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2pcp
#
# SRC and DST are NVMe multipath head nodes (as on stock kernels with
# CONFIG_NVME_MULTIPATH).  Before Linux 7.2 the kernel would fail P2P I/O
# there with nothing in dmesg: with --engine block p2pcp names the cause
# and the cure and writes nothing (auto copies with passthrough:
# passthru-multipath.sh); this side runs as p2pcp-multipath@build.  From
# 7.2 the heads take P2P pages and the block engine copies, exactly.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_src_random_dst_zero $((2 * mib))
if heads_take_p2p; then
	expect_rc 0 p2pcp --engine block --json --verify --length 2M "$SRC" "$DST"
	out_json_has '"engine":"block"'
	out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
	expect_same "$SRC" 0 "$DST" 0 $((2 * mib))
else
	expect_rc 3 p2pcp --engine block --length 2M "$SRC" "$DST"
	out_has "SRC $SRC is an NVMe multipath head node"
	out_has "nvme_core.multipath=N"
	expect_differs "$SRC" 0 "$DST" 0 $((2 * mib))
fi
