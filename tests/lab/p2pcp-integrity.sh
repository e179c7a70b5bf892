# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology metadata --disk-size 66560000
# lab-needs: p2pcp
#
# The block layer's integrity settings on a namespace with protection
# information (DST: 8 bytes of metadata, PI type 1).  A kernel with
# CONFIG_BLK_DEV_INTEGRITY (every stock kernel) computes the guard of
# each block written to DST with the CPU (integrity/write_generate 1),
# over the data in the CMB: the CPU reads the whole copy out of the BAR.
# p2pcp says so, with the command that has the controller insert the PI
# instead (PRACT), in text and JSON; run as printed, the copy is exact
# and p2pcp no longer warns.  The reverse copy (the PI namespace as SRC)
# names read_verify.  A kernel without integrity support (the built lab
# kernel) has no integrity directory: p2pcp says nothing about it.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
len=$((8 * mib))
dst=${DST#/dev/}
dst_bytes=$(($(cat "/sys/block/$dst/size") * 512))
fill_zero "$DST" "$dst_bytes"
fill_random "$SRC" "$len"

if [ ! -d "/sys/block/$dst/integrity" ]; then
	ok "no /sys/block/$dst/integrity: a kernel without CONFIG_BLK_DEV_INTEGRITY"
	expect_rc 0 p2pcp --json --verify --length 8M "$SRC" "$DST"
	out_lacks '"integrity"'
	expect_same "$SRC" 0 "$DST" 0 "$len"
	expect_rc 0 p2pcp --verify --length 8M "$SRC" "$DST"
	out_lacks "protection information"
	exit 0
fi

expect_eq "$(cat "/sys/block/$dst/integrity/format")" T10-DIF-TYPE1-CRC "DST integrity format"
expect_eq "$(cat "/sys/block/$dst/integrity/write_generate")" 1 "DST write_generate (the kernel's default)"

gen="DST $DST: the kernel computes the protection information \(T10-DIF-TYPE1-CRC\) of every block written to it with the CPU \(integrity/write_generate is 1\)"
expect_rc 0 p2pcp --dry-run --length 8M "$SRC" "$DST"
out_has "$gen"
expect_rc 0 p2pcp --verify --length 8M "$SRC" "$DST"
out_has "$gen"
out_has "echo 0 > /sys/block/$dst/integrity/write_generate"
expect_same "$SRC" 0 "$DST" 0 "$len"
expect_rc 0 p2pcp --json --length 8M "$SRC" "$DST"
out_json_has '"integrity":\{"DST":\{"format":"T10-DIF-TYPE1-CRC","read_verify":true,"write_generate":true,"cpu_reads_buffer":true,"controller_can_do_it":true\}\}'

# The PI namespace as SRC: the CPU checks every block that arrives.
fill_random "$SRC" "$len" "$len"
expect_rc 0 p2pcp --verify --length 8M "$DST" "$SRC" --dst-offset 8M
out_has "SRC $DST: the kernel checks the protection information \(T10-DIF-TYPE1-CRC\) of every block read from it with the CPU \(integrity/read_verify is 1\)"
out_has "echo 0 > /sys/block/$dst/integrity/read_verify"

# The printed command, run as printed: the controller inserts the PI.
expect_rc 0 p2pcp --length 8M "$SRC" "$DST"
fix=$(sed -n 's/.*controller insert it instead (for every user of the disk): //p' /tmp/out)
expect_eq "$fix" "echo 0 > /sys/block/$dst/integrity/write_generate" "the printed command"
sh -c "$fix"
expect_eq "$(cat "/sys/block/$dst/integrity/write_generate")" 0 "DST write_generate after the command"
fill_random "$SRC" "$len"
expect_rc 0 p2pcp --verify --length 8M "$SRC" "$DST"
out_lacks "protection information"
expect_same "$SRC" 0 "$DST" 0 "$len"
expect_rc 0 p2pcp --json --length 8M "$SRC" "$DST"
out_json_has '"DST":\{"format":"T10-DIF-TYPE1-CRC","read_verify":true,"write_generate":false,"cpu_reads_buffer":false'
# What the controller wrote as PI is valid: the kernel's own check, on
# reading DST back with read_verify on, finds no protection error.
dd if="$DST" of=/dev/null bs=1M count=8 iflag=direct 2>/dev/null || fail "reading DST back with read_verify on failed"
dmesg_lacks "protection error|guard tag error|Guard Check Error"
echo 1 >"/sys/block/$dst/integrity/write_generate"
