# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology metadata --disk-size 66560000
# lab-needs: p2pcp
#
# Namespaces formatted with metadata, which passthrough commands would
# have to carry themselves.  DST has 8 bytes of protection information
# (type 1) per block: the block engine copies onto it exactly; the
# passthrough engine carries PI only between namespaces of one format
# (passthru-pi) and refuses SRC (no metadata) to it, either way, with
# the reason, and without an integrity profile (the built kernel) any
# metadata at all.  MD has
# 8 bytes of metadata without PI.  Without CONFIG_BLK_DEV_INTEGRITY (the
# built 6.12 kernel: passthru-metadata@build) the kernel gives it capacity
# 0, and p2pcp says why for both engines; with it (stock kernels) the block
# layer gives it a "nop" integrity profile and its data can be copied with
# the block engine (its metadata is not: no block copy carries it), while
# passthrough refuses with the reason.  Nothing is written by a refusal
# (checksums by dd).
# The disk size is 128000 blocks of 512 + 8 bytes, so that the data area
# ends on a 4 KiB boundary and every block of it can be written first.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
dst_bytes=$(($(cat "/sys/block/${DST#/dev/}/size") * 512))
expect_eq "$dst_bytes" 65536000 "DST capacity (128000 blocks)"
expect_eq "$(cat "/sys/block/${DST#/dev/}/metadata_bytes")" 8 "DST metadata bytes"
expect_eq "$(cat "/sys/block/${MD#/dev/}/metadata_bytes")" 8 "MD metadata bytes"
md_integrity=$(cat "/sys/block/${MD#/dev/}/integrity/format" 2>/dev/null || echo none)
if [ "$md_integrity" = nop ]; then
	expect_eq "$(cat "/sys/block/${MD#/dev/}/size")" 128000 "MD capacity (integrity profile nop)"
else
	expect_eq "$(cat "/sys/block/${MD#/dev/}/size")" 0 "MD capacity (no integrity support)"
fi
# A namespace in use has valid PI in every block (unwritten blocks may
# fail the controller's reference tag check when read).
fill_zero "$DST" "$dst_bytes"
fill_random "$SRC" $((8 * mib))
fill_random "$DST" $((8 * mib))
# Each refusal leaves DST (the PI namespace) as it was.
watch_unchanged "$DST" $((8 * mib))

if [ -d "/sys/block/${DST#/dev/}/integrity" ]; then
	# The kernel takes a metadata buffer for the PI namespace: passthrough
	# would carry PI (passthru-pi), but only between namespaces of one
	# format, and SRC has no metadata.
	pair="passthrough carries protection information only between namespaces of the same format, and SRC has"
	none="512-byte blocks, no metadata"
	pi1="512-byte blocks, 8 bytes of metadata, protection information type 1"
	expect_refused 2 "SRC $SRC and DST $DST: $pair $none, DST $pi1; use --engine block" \
		p2pcp --engine passthru --length 8M "$SRC" "$DST"
	expect_refused 2 "SRC $SRC and DST $DST: $pair $none, DST $pi1" \
		p2pcp --engine passthru --json --verify --length 8M "$SRC" "$DST"
	# --dry-run does not open the char device: it goes by sysfs's
	# metadata_bytes and integrity profile, and predicts the same.
	expect_refused 2 "SRC $SRC and DST $DST: $pair $none, DST $pi1" \
		p2pcp --dry-run --engine passthru --length 8M "$SRC" "$DST"
	# As SRC: refused before anything is written to SRC (the non-PI side).
	watch_unchanged "$SRC" $((8 * mib))
	expect_refused 2 "SRC $DST and DST $SRC: $pair $pi1, DST $none" \
		p2pcp --engine passthru --length 8M "$DST" "$SRC"
else
	# No integrity profile (the built kernel): no metadata buffer at all.
	pi="is formatted with metadata per logical block, and the running kernel keeps no integrity profile for it \(CONFIG_BLK_DEV_INTEGRITY, or a format it cannot place\), so it takes no metadata buffer with a passthrough command; use --engine block"
	expect_refused 2 "DST $DST $pi" p2pcp --engine passthru --length 8M "$SRC" "$DST"
	expect_refused 2 "DST $DST $pi" p2pcp --engine passthru --json --verify --length 8M "$SRC" "$DST"
	expect_refused 2 "DST $DST $pi" \
		p2pcp --dry-run --engine passthru --length 8M "$SRC" "$DST"
	watch_unchanged "$SRC" $((8 * mib))
	expect_refused 2 "SRC $DST $pi" p2pcp --engine passthru --length 8M "$DST" "$SRC"
fi

# The block engine (auto) copies onto the PI namespace through the CMB.
expect_rc 0 p2pcp --json --verify --length 8M "$SRC" "$DST"
out_json_has '"engine":"block"'
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
out_json_has '"verified":"sysmem"'
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
dmesg_lacks "protection error"

watch_unchanged "$DST" $((8 * mib))
if [ "$md_integrity" = nop ]; then
	# Metadata without PI, with the block layer's nop profile: passthrough
	# refuses in both directions with the reason; the block engine copies
	# the data, exactly.
	md="is formatted with metadata per logical block that is not protection information, which p2pcp does not carry"
	expect_refused 2 "DST $MD $md" p2pcp --engine passthru --length 8M "$SRC" "$MD"
	expect_refused 2 "SRC $MD $md" p2pcp --engine passthru --length 8M "$MD" "$DST"
	expect_rc 0 p2pcp --json --length 8M "$SRC" "$MD"
	out_json_has '"engine":"block"'
	expect_same "$SRC" 0 "$MD" 0 $((8 * mib))
else
	# Metadata without PI: capacity 0, and the reason, in both directions,
	# with both engines and with a whole-device copy (not "0 bytes copied").
	md="is an NVMe namespace formatted with 8 bytes of metadata per logical block.*neither engine can copy it"
	expect_refused 2 "DST $MD $md" p2pcp --engine passthru --length 8M "$SRC" "$MD"
	expect_refused 2 "SRC $MD $md" p2pcp --engine passthru --length 8M "$MD" "$DST"
	expect_refused 2 "SRC $MD $md" p2pcp --engine passthru "$MD" "$DST"
	expect_refused 2 "SRC $MD $md" p2pcp "$MD" "$DST"
	expect_refused 2 "DST $MD $md" p2pcp --engine block --length 1M "$SRC" "$MD"
fi
