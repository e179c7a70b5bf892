# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology switch --disk-size 64M
# lab-needs: p2pcp
#
# Per-controller namespaces behind a switch: --engine auto keeps the
# block engine (the kernel takes P2P pages there), --engine passthru
# copies exactly as well, so the two can be compared on the same devices.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
fill_random "$SRC" $((8 * mib))
fill_zero "$DST" $((8 * mib))
expect_rc 0 p2pcp --json --length 8M "$SRC" "$DST"
out_json_has '"engine":"block"'
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))

fill_random "$SRC" $((8 * mib))
fill_zero "$DST" $((8 * mib))
expect_rc 0 p2pcp --engine passthru --json --verify --length 8M "$SRC" "$DST"
out_json_has '"engine":"passthru"'
out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
out_json_has '"verified":"sysmem"'
out_json_has '"arrival_checked":true'
expect_same "$SRC" 0 "$DST" 0 $((8 * mib))

# Only a third device has a CMB: the plan says both directions cross.
expect_rc 0 p2pcp --dry-run --length 8M "$SRC" "$DST"
out_has "the provider is a third device: both directions cross the fabric"
