#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# SIGINT mid-copy with several chunks in flight, then a resume from the
# offsets p2pcp printed: the printed prefix must already be in DST, the
# resume must complete the copy exactly, and nothing outside the range
# may change.  Queue depth 1 is covered by datapath.sh; here chunks
# complete out of order, which is where a wrong prefix would show.
#
# usage: datapath-resume.sh P2PCP CASE
set -uo pipefail

. "$(dirname "$(readlink -f "$0")")/lib.sh"
readonly MIB=$((1024 * 1024))

P2PCP=$(readlink -f "$1")
CASE=$2
enter_workdir datapath-resume

# interrupt_copy ARGS...: start p2pcp on src.bin -> dst.bin, send SIGINT
# once DST holds at least 1 MiB (so the copy is under way), wait; sets
# $status and leaves stderr in err.txt.
interrupt_copy() {
	local i
	"$P2PCP" --sysmem "$@" src.bin dst.bin 2>err.txt &
	pid=$!
	for ((i = 0; i < 2000; i++)); do
		[ "$(stat -c %b dst.bin)" -ge 2048 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.005
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	status=$?
}

# resume_after_sigint SOFF DOFF LEN CHUNK QD: copy LEN bytes of src.bin
# at SOFF to dst.bin at DOFF, interrupt, check, resume, check.
resume_after_sigint() {
	local soff=$1 doff=$2 len=$3 chunk=$4 qd=$5 done rs rd rl
	head -c $((soff + len + MIB)) /dev/urandom >src.bin
	# DST starts sparse-empty up to DOFF with known bytes: a hole would
	# not show a stray write before the range, so fill the prefix.
	head -c "$doff" /dev/urandom >dst.bin
	cp dst.bin orig.bin
	interrupt_copy --src-offset "$soff" --dst-offset "$doff" \
		--length "$len" --chunk-size "$chunk" --queue-depth "$qd"
	[ "$status" != 0 ] || skip "the copy finished before SIGINT"
	[ "$status" = 130 ] || fail "exit status $status after SIGINT: $(cat err.txt)"
	[ "$(wc -l <err.txt)" = 1 ] || fail "more than one line: $(cat err.txt)"
	read -r done rs rd rl < <(sed -nE 's/.*\(([0-9]+) bytes\); resume with --src-offset ([0-9]+) --dst-offset ([0-9]+) --length ([0-9]+)$/\1 \2 \3 \4/p' err.txt)
	[ -n "$rl" ] || fail "no resume offsets in: $(cat err.txt)"
	[ "$done" -gt 0 ] || fail "no progress reported, yet DST had grown"
	[ "$rs" = $((soff + done)) ] && [ "$rd" = $((doff + done)) ] &&
		[ "$rl" = $((len - done)) ] ||
		fail "resume offsets $rs $rd $rl do not follow from $done bytes done"
	[ $((done % chunk)) = 0 ] || [ "$done" = $((len / 4096 * 4096)) ] ||
		fail "prefix $done is not whole chunks"
	same_range src.bin "$soff" dst.bin "$doff" "$done"
	same_range orig.bin 0 dst.bin 0 "$doff"
	"$P2PCP" --sysmem --src-offset "$rs" --dst-offset "$rd" --length "$rl" \
		--chunk-size "$chunk" --queue-depth "$qd" src.bin dst.bin 2>err.txt ||
		fail "resume failed: $(cat err.txt)"
	same_range src.bin "$soff" dst.bin "$doff" "$len"
	same_range orig.bin 0 dst.bin 0 "$doff"
	[ "$(stat -c %s dst.bin)" = $((doff + len)) ] ||
		fail "dst.bin has $(stat -c %s dst.bin) bytes, expected $((doff + len))"
}

test_depth_8() { resume_after_sigint 0 0 $((48 * MIB)) 4096 8; }
test_depth_64_offsets() {
	resume_after_sigint $((3 * 4096)) $((5 * 4096)) $((48 * MIB + 4096)) 8192 64
}
test_depth_256_tail() {
	resume_after_sigint 4096 8192 $((48 * MIB + 1000)) 4096 256
}

"test_$CASE"
