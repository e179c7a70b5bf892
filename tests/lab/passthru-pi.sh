# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology pi --disk-size 66560000
# lab-needs: p2pcp
#
# Protection information carried through the passthrough engine (QEMU's
# nvme checks PRACT and PRCHK as a controller does).  SRC and DST are
# formatted with 8 bytes of PI (type 1) per block.  p2pcp reads SRC with
# its PI into host memory, rewrites the reference tags for DST's LBAs and
# writes DST with guard and reference tag checking:
#  - the copy is exact, and DST's PI is right: the kernel's own read of
#    DST with integrity/read_verify finds no protection error;
#  - a word of the P2P buffer changed between the read and the write (the
#    test seam P2PCP_TESTING=corrupt-chunk=N: a partial loss the
#    sentinels do not see) fails DST's guard check: exit 1, the NVMe
#    status by name, the exact range copied; the bad block is not on DST;
#  - blocks SRC never wrote carry PI that disables checking: p2pcp says
#    their guard was not checked (JSON pi_guard_checked false);
#  - a pair of different formats (type 1 to type 3) and a namespace with
#    interleaved metadata (extended LBAs) are refused with the reason.
set -eu
. /lab/tests/lib.sh

mib=$((1 << 20))
len=$((8 * mib))
doff=$((16 * mib))
dst=${DST#/dev/}
expect_eq "$(cat "/sys/block/$dst/integrity/format")" T10-DIF-TYPE1-CRC "DST integrity format"
expect_eq "$(cat "/sys/block/$dst/integrity/read_verify")" 1 "DST read_verify"
# Written through the block layer: the kernel generates SRC's PI.
fill_random "$SRC" "$len"
fill_zero "$DST" $((32 * mib))

# SRC's blocks 0-16383 to DST's 32768-49151: the reference tags must move.
expect_rc 0 p2pcp --engine passthru --json --verify --length 8M --dst-offset 16M "$SRC" "$DST"
out_json_has '"engine":"passthru"'
out_json_has '"pi_guard_checked":true'
out_json_has '"pi":\{"type":1,"blocks_written":16384,"blocks_unchecked":0\}'
out_json_has '"verified":"sysmem"'
expect_same "$SRC" 0 "$DST" "$doff" "$len"
# The kernel checks guard and reference tag of every block it reads.
drop_caches
dd if="$DST" of=/dev/null bs=1M skip=16 count=8 iflag=direct 2>/tmp/dd ||
	fail "the kernel's read of DST with read_verify failed: $(cat /tmp/dd)"
ok "the kernel read DST [16M, 24M) back with read_verify on"
dmesg_lacks "protection error|guard tag error|ref tag error|Guard Check|Reference Tag"

# Verified through the buffer: both sides' reads carry their PI too.
expect_rc 0 p2pcp --engine passthru --verify=p2pmem --length 8M --dst-offset 24M "$SRC" "$DST"
out_has "protection information type 1 carried: DST's controller checked the guard of every block it fetched$"
expect_same "$SRC" 0 "$DST" $((24 * mib)) "$len"

# A partial loss: the seam changes one word in the middle of chunk 3
# (bytes [2M, 3M)) after its read; DST's controller refuses the block.
fill_zero "$DST" $((8 * mib)) "$doff"
bad=$((2 * mib + mib / 2))
P2PCP_TESTING=corrupt-chunk=3 expect_rc 1 p2pcp --engine passthru --json --chunk-size 1M --queue-depth 2 --length 8M --dst-offset 16M "$SRC" "$DST"
out_json_has '"pi_guard_checked":true'
out_json_has "\"fail_side\":\"dst\",\"fail_offset\":$((doff + bad))"
P2PCP_TESTING=corrupt-chunk=3 expect_rc 1 p2pcp --engine passthru --chunk-size 1M --queue-depth 2 --length 8M --dst-offset 16M "$SRC" "$DST"
out_has "write error on DST $DST at byte $((doff + bad)) \(block $(((doff + bad) / 512))\): End-to-end Guard Check Error \(NVMe status 0x282, LBA $(((doff + bad) / 512))\): DST's controller found that the block it fetched from the buffer does not match SRC's guard"
expect_partial_copy 0 "$doff" "$bad" "$len"
expect_zeros "$DST" $((doff + bad)) 512
dmesg_lacks "protection error|ref tag error"

# SRC's blocks at 32M were never written: their PI disables checking.
expect_rc 0 p2pcp --engine passthru --json --length 1M --src-offset 32M --dst-offset 40M "$SRC" "$DST"
out_json_has '"pi_guard_checked":false'
out_json_has '"pi":\{"type":1,"blocks_written":2048,"blocks_unchecked":2048\}'
expect_rc 0 p2pcp --engine passthru --length 1M --src-offset 32M --dst-offset 40M "$SRC" "$DST"
out_has "except 2048 of 2048 whose protection information disables checking"

# Different formats: type 1 onto type 3, refused before anything is written.
fill_random "$PI3" "$mib"
watch_unchanged "$PI3" "$mib"
expect_refused 2 "SRC $SRC and DST $PI3: passthrough carries protection information only between namespaces of the same format, and SRC has 512-byte blocks, 8 bytes of metadata, protection information type 1, DST 512-byte blocks, 8 bytes of metadata, protection information type 3; use --engine block" \
	p2pcp --engine passthru --length 1M "$SRC" "$PI3"
# Metadata interleaved with the data: refused with the reason.
watch_unchanged "$EXT" "$mib"
expect_refused 2 "DST $EXT is formatted with metadata interleaved with each logical block \(extended LBAs\)" \
	p2pcp --engine passthru --length 1M "$SRC" "$EXT"
