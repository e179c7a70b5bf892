# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-small --disk-size 64M
# lab-needs: p2pcp p2p-check
#
# A CMB that is not a provider, explained: CMB1M has a 1 MiB CMB
# (cmb_size_mb=1) next to CMB's usual one.  nvme_map_cmb() gives up on a
# CMB whose size is no multiple of memremap_compat_align() (the 2 MiB
# memory sub-section on x86-64), without a message: no p2pmem.
# p2p-check decodes both controllers' CMBSZ/CMBLOC and says so; p2pcp
# uses the other CMB.
set -eu
. /lab/tests/lib.sh

expect_providers "$CMB_BDF"
[ ! -e "/sys/bus/pci/devices/$CMB1M_BDF/p2pmem" ] ||
	fail "$CMB1M_BDF has p2pmem"
ok "$CMB1M_BDF has no p2pmem"
dmesg_lacks "$CMB1M_BDF.*added peer-to-peer DMA memory"
dmesg_lacks "failed to register the CMB"

expect_rc 0 p2p-check --json "$SRC" "$DST"
# The cmbs entries, one object per line, for grep.
tr -d '\n' </tmp/out | sed 's/} *,/}\n/g' | sed -n '/"cmbsz"/p' >/tmp/cmbs
sed 's/^/  cmb: /' /tmp/cmbs
grep "\"$CMB1M_BDF\"" /tmp/cmbs >/tmp/small || fail "no CMB entry for $CMB1M_BDF"
grep -q '"size": 1048576' /tmp/small || fail "CMB1M's size is not 1 MiB"
grep -q '"status": "unaligned"' /tmp/small || fail "CMB1M not judged unaligned"
grep -q '"rds": true, *"wds": true' /tmp/small || fail "CMB1M's RDS/WDS not decoded"
ok "$CMB1M_BDF: 1 MiB CMB, RDS+WDS, judged unaligned"
grep "\"$CMB_BDF\"" /tmp/cmbs >/tmp/big || fail "no CMB entry for $CMB_BDF"
grep -q '"status": "published"' /tmp/big || fail "CMB not judged published"
ok "$CMB_BDF: judged published"

expect_rc 0 p2p-check "$SRC" "$DST"
out_has "CMB +nvme[0-9]+ $CMB1M_BDF +1.00 MiB in BAR2 .*not a multiple of 2 MiB"

len=$((1 << 20))
fill_random "$SRC" "$len"
expect_rc 0 p2pcp --length "$len" "$SRC" "$DST"
expect_same "$SRC" 0 "$DST" 0 "$len"
