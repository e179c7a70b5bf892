# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology rootports-zen+iommu --disk-size 64M
# lab-needs: p2pcp
#
# The control for the loss checks: an AMD Zen host bridge with the emulated
# IOMMU, where the kernel maps the CMB through the IOMMU and P2P works.
# The arrival check passes (no false alarm), every chunk's sentinels pass,
# and the copy is exact.
set -eu
. /lab/tests/lib.sh

len=$((8 << 20))
fill_random "$SRC" "$len"
fill_zero "$DST" "$len"
expect_rc 0 p2pcp --json --verify=p2pmem --length 8M "$SRC" "$DST"
out_json_has '"arrival_checked":true'
out_json_has '"sentinels":true'
out_json_has '"verified":"p2pmem"'
expect_same "$SRC" 0 "$DST" 0 "$len"
dmesg_lacks "DMAR: \[DMA"
