# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2pcp
#
# SRC and DST are NVMe multipath head nodes (no nvme_core.multipath=N).
# Before Linux 7.2 (passthru-multipath@build) the block layer refuses P2P
# pages there, so --engine auto copies with NVMe passthrough on
# /dev/ngXnY, through the CMB, and --engine block refuses and writes
# nothing; from 7.2 auto keeps the block engine.  --engine passthru works
# on both, in commands no larger than the controller takes (QEMU: 512 KiB;
# the default 1 MiB chunks are split).
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
expect_multipath_head "$SRC"
expect_multipath_head "$DST"
expect_eq "$(cat /sys/block/${SRC#/dev/}/queue/max_hw_sectors_kb)" 512 "SRC max_hw_sectors_kb"

fill_src_random_dst_zero $((8 * mib))
if heads_take_p2p; then
	# auto: the block engine, whose first read the head accepts.
	expect_rc 0 p2pcp --json --length 8M "$SRC" "$DST"
	out_json_has '"engine":"block"'
	expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
	auto_engine=block
else
	# --engine block: the refusal, nothing written.
	expect_rc 3 p2pcp --engine block --length 8M "$SRC" "$DST"
	out_has "SRC $SRC is an NVMe multipath head node"
	out_has "nvme_core.multipath=N"
	expect_differs "$SRC" 0 "$DST" 0 $((8 * mib))

	# auto: passthrough, through the CMB, exact.
	expect_rc 0 p2pcp --json --length 8M "$SRC" "$DST"
	out_json_has '"engine":"passthru"'
	out_has '"engine_reason": *"auto: the kernel refused P2P pages on SRC [^"]*multipath head node'
	out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
	out_json_has '"max_transfer":524288'
	expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
	auto_engine=passthru
fi

# The plan predicts what auto did, and writes nothing.
fill_zero "$DST" $((8 * mib))
expect_rc 0 p2pcp --dry-run --length 8M "$SRC" "$DST"
out_has "engine +$auto_engine"
expect_differs "$SRC" 0 "$DST" 0 $((8 * mib))

# --engine passthru on the heads, explicitly: through the CMB, exact.
expect_rc 0 p2pcp --engine passthru --json --length 8M "$SRC" "$DST"
out_json_has '"engine":"passthru"'
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))

# --engine passthru with offsets, verify through the CMB.
fill_random "$SRC" $((4 * mib)) $((16 * mib))
expect_rc 0 p2pcp --engine passthru --verify --json --chunk-size 256k \
	--src-offset 16M --dst-offset 3M --length 4M "$SRC" "$DST"
out_json_has '"verified":"sysmem"'
out_json_has '"arrival_checked":true'
expect_same "$SRC" $((16 * mib)) "$DST" $((3 * mib)) $((4 * mib))

# Not whole logical blocks: refused before anything is written.
expect_rc 2 p2pcp --engine passthru --length 4097 "$SRC" "$DST"
