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
before=$(sha_range "$DST" 0 $((8 * mib)))

# refused STATUS PATTERN ARGS...: fails as told, DST (the PI namespace)
# unchanged.
refused() {
	want=$1
	pattern=$2
	shift 2
	expect_rc "$want" p2pcp "$@"
	out_has "$pattern"
	expect_eq "$(sha_range "$DST" 0 $((8 * mib)))" "$before" "DST after refused p2pcp $*"
}

pi="is formatted with end-to-end protection information, which passthrough commands would have to generate and check themselves; use --engine block"
refused 2 "DST $DST $pi" --engine passthru --length 8M "$SRC" "$DST"
refused 2 "DST $DST $pi" --engine passthru --json --verify --length 8M "$SRC" "$DST"
# As SRC: refused before anything is written to SRC (the non-PI side).
src_before=$(sha_range "$SRC" 0 $((8 * mib)))
expect_rc 2 p2pcp --engine passthru --length 8M "$DST" "$SRC"
out_has "SRC $DST $pi"
expect_eq "$(sha_range "$SRC" 0 $((8 * mib)))" "$src_before" "SRC after refused p2pcp"

# The block engine (auto) copies onto the PI namespace through the CMB.
expect_rc 0 p2pcp --json --verify --length 8M "$SRC" "$DST"
out_json_has '"engine":"block"'
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
out_json_has '"verified":"sysmem"'
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))
dmesg_lacks "protection error"

# Metadata without PI: capacity 0, and the reason, in both directions,
# with both engines and with a whole-device copy (not "0 bytes copied").
before=$(sha_range "$DST" 0 $((8 * mib)))
md="is an NVMe namespace formatted with 8 bytes of metadata per logical block.*neither engine can copy it"
refused 2 "DST $MD $md" --engine passthru --length 8M "$SRC" "$MD"
refused 2 "SRC $MD $md" --engine passthru --length 8M "$MD" "$DST"
refused 2 "SRC $MD $md" --engine passthru "$MD" "$DST"
refused 2 "SRC $MD $md" "$MD" "$DST"
refused 2 "DST $MD $md" --engine block --length 1M "$SRC" "$MD"
