# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology metadata --disk-size 66560000
# lab-needs: p2pcp
#
# Namespaces formatted with metadata, which passthrough commands would
# have to carry themselves.  DST has 8 bytes of protection information
# (type 1) per block: the block engine copies onto it exactly (the
# driver has the controller insert and strip the PI), the passthrough
# engine refuses it, as SRC or DST, with the reason.  MD has 8 bytes of
# metadata without PI: the kernel gives it capacity 0, and p2pcp says why
# for both engines.  Nothing is written by a refusal (checksums by dd).
# The disk size is 128000 blocks of 512 + 8 bytes, so that the data area
# ends on a 4 KiB boundary and every block of it can be written first.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
dst_bytes=$(($(cat "/sys/block/${DST#/dev/}/size") * 512))
expect_eq "$dst_bytes" 65536000 "DST capacity (128000 blocks)"
expect_eq "$(cat "/sys/block/${DST#/dev/}/metadata_bytes")" 8 "DST metadata bytes"
expect_eq "$(cat "/sys/block/${MD#/dev/}/metadata_bytes")" 8 "MD metadata bytes"
expect_eq "$(cat "/sys/block/${MD#/dev/}/size")" 0 "MD capacity"
# A namespace in use has valid PI in every block (unwritten blocks may
# fail the controller's reference tag check when read).
fill_zero "$DST" "$dst_bytes"
fill_random "$SRC" $((8 * mib))
fill_random "$DST" $((8 * mib))
# Each refusal leaves DST (the PI namespace) as it was.
watch_unchanged "$DST" $((8 * mib))

pi="is formatted with end-to-end protection information, which passthrough commands would have to generate and check themselves; use --engine block"
expect_refused 2 "DST $DST $pi" p2pcp --engine passthru --length 8M "$SRC" "$DST"
expect_refused 2 "DST $DST $pi" p2pcp --engine passthru --json --verify --length 8M "$SRC" "$DST"
# --dry-run does not open the char device: it goes by sysfs's
# metadata_bytes, and predicts the same refusal.
expect_refused 2 "DST $DST is formatted with metadata per logical block" \
	p2pcp --dry-run --engine passthru --length 8M "$SRC" "$DST"
# As SRC: refused before anything is written to SRC (the non-PI side).
watch_unchanged "$SRC" $((8 * mib))
expect_refused 2 "SRC $DST $pi" p2pcp --engine passthru --length 8M "$DST" "$SRC"

# The block engine (auto) copies onto the PI namespace through the CMB.
expect_rc 0 p2pcp --json --verify --length 8M "$SRC" "$DST"
out_json_has '"engine":"block"'
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
out_json_has '"verified":"sysmem"'
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
dmesg_lacks "protection error"

# Metadata without PI: capacity 0, and the reason, in both directions,
# with both engines and with a whole-device copy (not "0 bytes copied").
watch_unchanged "$DST" $((8 * mib))
md="is an NVMe namespace formatted with 8 bytes of metadata per logical block.*neither engine can copy it"
expect_refused 2 "DST $MD $md" p2pcp --engine passthru --length 8M "$SRC" "$MD"
expect_refused 2 "SRC $MD $md" p2pcp --engine passthru --length 8M "$MD" "$DST"
expect_refused 2 "SRC $MD $md" p2pcp --engine passthru "$MD" "$DST"
expect_refused 2 "SRC $MD $md" p2pcp "$MD" "$DST"
expect_refused 2 "DST $MD $md" p2pcp --engine block --length 1M "$SRC" "$MD"
