# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology two-cmb --disk-size 64M
# lab-needs: p2praw
#
# Two providers: CMB behind the inner switch with SRC and DST, CMB2 on the
# outer switch (enumerated first, farther away).  Both are usable directly.
set -eu
. /lab/tests/lib.sh

expect_providers "$CMB_BDF" "$CMB2_BDF"
first=$(p2pmem_providers | sort | head -n1)
expect_eq "$first" "$CMB2_BDF" "lowest-numbered provider"
near=$(($(pci_hops "$SRC_BDF" "$CMB_BDF") + $(pci_hops "$DST_BDF" "$CMB_BDF")))
far=$(($(pci_hops "$SRC_BDF" "$CMB2_BDF") + $(pci_hops "$DST_BDF" "$CMB2_BDF")))
[ "$near" -lt "$far" ] || fail "CMB ($near hops) is not nearer than CMB2 ($far hops)"
ok "CMB is $near hops from SRC+DST, CMB2 $far"

len=$((1 << 20))
fill_random "$SRC" "$len"
for p in "$CMB_BDF" "$CMB2_BDF"; do
	fill_zero "$DST" "$len"
	expect_rc 0 p2praw copy "$p" "$SRC" "$DST" "$len"
	expect_same "$SRC" 0 "$DST" 0 "$len"
done
