# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology multipath --disk-size 64M
# lab-needs: p2pcp p2p-check p2praw
#
# The release matrix's core case (meson runs it as release-core@SPEC on
# every stock release Debian's archive holds, and on the built kernel).
# SRC and DST are multipath head nodes, the CMB a per-controller device
# behind the same switch.  Per release:
# - no CONFIG_PCI_P2PDMA (Debian's 6.1 and 6.12): no p2pmem anywhere;
#   p2pcp refuses with exit 3 naming the option for certain (not
#   "probably"), p2p-check exits 5, DST is untouched;
# - with it: the CMB is a published provider; from 7.2 the heads take
#   P2P pages, so the block engine copies and --dry-run predicts it;
#   before 7.2 the block engine is refused with the cure and auto copies
#   with passthrough; p2p-check's verdict matches the kernel's either way.
# LAB_KERNEL_P2PDMA is the kernel's published config ("y", "n" or "?").
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
echo "kernel $(uname -r); published config says CONFIG_PCI_P2PDMA=$LAB_KERNEL_P2PDMA"
expect_multipath_head "$SRC"
expect_multipath_head "$DST"
fill_src_random_dst_zero $((4 * mib))

if [ "$LAB_KERNEL_P2PDMA" = n ]; then
	expect_eq "$(p2pmem_providers | wc -l)" 0 "p2pmem providers without CONFIG_PCI_P2PDMA"
	watch_unchanged "$DST" $((4 * mib))
	expect_refused 3 "CONFIG_PCI_P2PDMA" p2pcp --length 4M "$SRC" "$DST"
	out_lacks "probably"
	expect_refused 3 "CONFIG_PCI_P2PDMA" p2pcp --dry-run --length 4M "$SRC" "$DST"
	out_lacks "probably"
	expect_rc 5 p2p-check "$SRC" "$DST"
	out_has "CONFIG_PCI_P2PDMA"
	exit 0
fi

[ "$LAB_KERNEL_P2PDMA" = y ] || fail "the kernel's config is unknown: the matrix needs it"
expect_providers "$CMB_BDF"
expect_check_matches_kernel "$SRC" "$CMB_BDF"
expect_check_matches_kernel "$DST" "$CMB_BDF"
if heads_take_p2p; then
	expect_rc 0 p2pcp --dry-run --length 4M "$SRC" "$DST"
	out_has "engine +block"
	expect_rc 0 p2pcp --json --verify --length 4M "$SRC" "$DST"
	out_json_has '"engine":"block"'
	out_json_has "\"provider\":\\{\"pci\":\"$CMB_BDF\""
	expect_same "$SRC" 0 "$DST" 0 $((4 * mib))
else
	watch_unchanged "$DST" $((4 * mib))
	expect_refused 3 "nvme_core.multipath=N" p2pcp --engine block --length 4M "$SRC" "$DST"
	expect_rc 0 p2pcp --dry-run --length 4M "$SRC" "$DST"
	out_has "engine +passthru"
	expect_rc 0 p2pcp --json --verify --length 4M "$SRC" "$DST"
	out_json_has '"engine":"passthru"'
	expect_same "$SRC" 0 "$DST" 0 $((4 * mib))
fi
