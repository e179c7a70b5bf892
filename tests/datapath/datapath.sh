#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# p2pcp's data path on regular files, through system memory (--sysmem):
# the same engine as the peer-to-peer mode, minus the p2pmem buffer.
# Every refused input must leave the destination byte-for-byte unchanged.
#
# usage: datapath.sh P2PCP CASE
set -uo pipefail

. "$(dirname "$(readlink -f "$0")")/lib.sh"
P2PCP=$(readlink -f "$1")
CASE=$2
enter_workdir datapath

# random FILE BYTES [SEED]
random() { head -c "$2" /dev/urandom >"$1"; }

# Run p2pcp; keep status, stdout and stderr.
run() {
	"$P2PCP" "$@" >out.txt 2>err.txt
	status=$?
	return 0
}

expect_status() {
	[ "$status" = "$1" ] || {
		cat err.txt >&2
		fail "exit status $status, expected $1"
	}
}

expect_err() {
	grep -qE -- "$1" err.txt || {
		cat err.txt >&2
		fail "stderr does not match /$1/"
	}
	# One message, one line (plus the --help hint for usage errors).
	[ "$(grep -vc "^Try 'p2pcp --help'" err.txt)" -le 1 ] ||
		fail "more than one line of error: $(cat err.txt)"
}

# refused ARGS...: p2pcp must fail and not touch dst.bin.
refused() {
	local before
	before=$(sha256sum dst.bin)
	run "$@"
	[ "$status" != 0 ] || fail "accepted: $*"
	[ "$before" = "$(sha256sum dst.bin)" ] || fail "dst.bin changed by: $*"
	# dst.bin existed: p2pcp created no DST, so it removes none either.
	if grep -q "could not be removed" err.txt; then
		fail "a DST p2pcp did not create is named as not removed: $(cat err.txt)"
	fi
}

setup() {
	random src.bin $((5 * 1024 * 1024 + 4096 * 3 + 123))
	random dst.bin $((8 * 1024 * 1024))
}

case_whole_odd_size() {
	setup
	: >dst.bin
	run --sysmem src.bin dst.bin
	expect_status 0
	cmp src.bin dst.bin || fail "copy differs"
	[ "$(stat -c %s dst.bin)" = "$(stat -c %s src.bin)" ] ||
		fail "destination size differs: padded?"
}

case_offsets() {
	setup
	cp dst.bin orig.bin
	run --sysmem --src-offset 4096 --dst-offset 12288 --length 1MiB \
		--chunk-size 64k --queue-depth 4 src.bin dst.bin
	expect_status 0
	same_range src.bin 4096 dst.bin 12288 1048576
	same_range orig.bin 0 dst.bin 0 12288
	same_range orig.bin $((12288 + 1048576)) dst.bin $((12288 + 1048576)) \
		$((8 * 1024 * 1024 - 12288 - 1048576))
}

case_sector_units() {
	setup
	cp dst.bin orig.bin
	run --sysmem --src-offset 8s --dst-offset 16s --length 24s src.bin dst.bin
	expect_status 0
	# The filesystem's logical block size is what "s" counts.
	bs=$(grep -oE '"alignment":[0-9]+' <("$P2PCP" --sysmem --dry-run --json src.bin dst.bin) | cut -d: -f2)
	[ -n "$bs" ] || fail "no alignment in --dry-run --json"
	same_range src.bin $((8 * bs)) dst.bin $((16 * bs)) $((24 * bs))
	same_range orig.bin 0 dst.bin 0 $((16 * bs))
	# --chunk-size counts blocks of that size too (issue 18 item 12),
	# and the plan that runs says so.
	run --sysmem --dry-run --json --chunk-size 4s --queue-depth 2 src.bin dst.bin
	expect_status 0
	grep -qE "\"chunk_size\":$((4 * bs))([^0-9]|\$)" <(tr -d ' \n' <out.txt) ||
		fail "--chunk-size 4s did not plan chunks of $((4 * bs)) bytes: $(cat out.txt)"
	run --sysmem --chunk-size 3s src.bin dst.bin
	expect_status 0
	cmp -s src.bin <(head -c "$(stat -c %s src.bin)" dst.bin) ||
		fail "copy with --chunk-size 3s differs"
	refused --sysmem --chunk-size 0s src.bin dst.bin
	expect_status 2
	expect_err "--chunk-size: '0s' is no blocks at all"
	refused --sysmem --chunk-size $((64 * 1024 * 1024 / bs + 1))s src.bin dst.bin
	expect_status 2
	expect_err "^p2pcp: --chunk-size $((64 * 1024 * 1024 / bs + 1))s: that many blocks of $bs bytes .* are more than 64MiB; give at most $((64 * 1024 * 1024 / bs))s$"
}

case_geometries() {
	setup
	for geo in "4k 1" "4k 64" "64k 3" "1M 8" "3M 2" "8M 1"; do
		set -- $geo
		random dst.bin 1
		run --sysmem --chunk-size "$1" --queue-depth "$2" src.bin dst.bin
		expect_status 0
		cmp -s src.bin dst.bin || fail "copy differs with chunk $1 depth $2"
	done
}

case_tail_at_offset() {
	# A tail that is not a whole block, written into the middle of a file.
	setup
	cp dst.bin orig.bin
	len=$((1024 * 1024 + 1000))
	run --sysmem --src-offset 4096 --dst-offset 8192 --length "$len" src.bin dst.bin
	expect_status 0
	same_range src.bin 4096 dst.bin 8192 "$len"
	same_range orig.bin $((8192 + len)) dst.bin $((8192 + len)) 4096
	[ "$(stat -c %s dst.bin)" = $((8 * 1024 * 1024)) ] || fail "dst size changed"
}

case_verify() {
	setup
	run --sysmem --verify src.bin dst.bin
	expect_status 0
	run --sysmem --verify=sysmem --json src.bin dst.bin
	expect_status 0
	python3 -c '
import json, sys
d = json.load(open("out.txt"))
assert d["status"] == "ok", d
assert d["verified"] == "sysmem", d
assert d["bytes"] == int(sys.argv[1]), d
assert d["mode"] == "sysmem", d
# No peer path, so nothing to prove arrived: no arrival check was made.
assert d["arrival_checked"] is False, d
assert d["verified_done"] == int(sys.argv[1]), d
' "$(stat -c %s src.bin)" || fail "bad JSON summary: $(cat out.txt)"
}

case_same_file() {
	setup
	cp src.bin both.bin
	# Non-overlapping ranges of one file are fine.
	run --sysmem --src-offset 0 --dst-offset 2M --length 1M both.bin both.bin
	expect_status 0
	same_range src.bin 0 both.bin 2097152 1048576
	cp src.bin dst.bin
	refused --sysmem --src-offset 0 --dst-offset 512k --length 1M dst.bin dst.bin
	expect_status 2
	expect_err "same storage and the ranges overlap"
	ln dst.bin hardlink.bin
	refused --sysmem --dst-offset 4096 dst.bin hardlink.bin
	expect_err "same storage"
}

case_bad_input() {
	setup
	refused --sysmem missing.bin dst.bin
	expect_status 2
	expect_err "SRC missing.bin: no such file"
	# A missing DST file is created, but not by a refused run.
	refused --sysmem --src-offset 100 src.bin missing.bin
	expect_status 2
	[ ! -e missing.bin ] || fail "missing.bin was left behind by a refusal"
	refused --sysmem src.bin nodir/missing.bin
	expect_err "DST nodir/missing.bin: no such file"
	# A missing name ending in '/': the run says what the dry run says
	# (it said "cannot open: Is a directory" of nothing at all).
	for args in "" "--dry-run"; do
		refused --sysmem $args src.bin newdir/
		expect_status 2
		expect_err "^p2pcp: DST newdir/: no such file or device$"
	done
	[ ! -e newdir ] || fail "newdir/ was created"
	mkdir adir
	refused --sysmem adir dst.bin
	expect_err "not a block device or regular file"
	refused --sysmem --src-offset 100 src.bin dst.bin
	expect_status 2
	expect_err "--src-offset 100 is not a multiple of"
	refused --sysmem --dst-offset 100 src.bin dst.bin
	expect_err "--dst-offset 100 is not a multiple of"
	refused --sysmem --length 1G src.bin dst.bin
	expect_err "runs past the end of SRC"
	refused --sysmem --src-offset 1G src.bin dst.bin
	expect_err "past the end of SRC"
	refused --sysmem --chunk-size 1000 src.bin dst.bin
	expect_err "--chunk-size 1000 is not a multiple"
	# Zero is no size at all; one byte is a size, just not whole blocks.
	refused --sysmem --chunk-size 0 src.bin dst.bin
	expect_err "--chunk-size: '0' is not a size between 1 byte and"
	refused --sysmem --chunk-size 1 src.bin dst.bin
	expect_err "--chunk-size 1 is not a multiple"
	refused --sysmem --chunk-size lots src.bin dst.bin
	expect_status 2
	expect_err "--chunk-size: 'lots' is not a size"
	refused --sysmem --chunk-size 1G src.bin dst.bin
	expect_err "--chunk-size"
	refused --sysmem --queue-depth 0 src.bin dst.bin
	expect_err "--queue-depth: '0'"
	refused --sysmem --queue-depth 1000 src.bin dst.bin
	expect_err "--queue-depth"
	# A depth is a count of chunks: no block units ('s') there.
	refused --sysmem --queue-depth 8s src.bin dst.bin
	expect_err "--queue-depth: '8s' is not a number from 1 to 256"
	# Above 2^63-1: refused at planning, never sent to the kernel.
	refused --sysmem --dst-offset 9223372036854775808 src.bin dst.bin
	expect_status 2
	expect_err "--dst-offset: '9223372036854775808' is too large"
	refused --sysmem --dst-offset 9223372036854771712 --length 8192 src.bin dst.bin
	expect_status 2
	expect_err "ends past 2\\^63-1"
	# Leading zeros are decimal: 010 is ten bytes, not eight.
	refused --sysmem --src-offset 010 src.bin dst.bin
	expect_err "--src-offset 10 is not a multiple of"
	refused --sysmem --length -5 src.bin dst.bin
	expect_err "--length: '-5' is not a size"
	refused --sysmem --verify=maybe src.bin dst.bin
	expect_err "--verify: 'maybe'"
	refused --sysmem --provider 0000:03:00.0 src.bin dst.bin
	expect_err "exclude each other"
	refused --sysmem src.bin
	expect_err "expected SRC and DST"
	refused --sysmem --no-such-option src.bin dst.bin
	expect_status 2
	grep -q "Try 'p2pcp --help'" err.txt || fail "no --help hint"
	chmod 444 dst.bin
	if [ "$(id -u)" != 0 ]; then
		refused --sysmem src.bin dst.bin
		expect_err "DST dst.bin: cannot open for writing"
	fi
	chmod 644 dst.bin
}

case_dry_run() {
	setup
	before=$(sha256sum dst.bin)
	run --sysmem --dry-run src.bin dst.bin
	expect_status 0
	[ "$before" = "$(sha256sum dst.bin)" ] || fail "--dry-run wrote"
	grep -q "through system memory" out.txt || fail "no plan printed"
	# A missing DST file: the plan describes its directory, creates nothing.
	run --sysmem --dry-run src.bin new.bin
	expect_status 0
	[ ! -e new.bin ] || fail "--dry-run created the destination"
	# It would be on the disk of src.bin beside it (none on tmpfs).
	run --sysmem --dry-run --json src.bin new.bin
	expect_status 0
	json_check 0 "all(d['destination'].get(k) == d['source'].get(k) for k in ('device', 'pci', 'logical_block_size'))"
	[ ! -e new.bin ] || fail "--dry-run --json created the destination"
	# ... and a "directory" that is a file is refused as the real run is.
	run --sysmem --dry-run src.bin src.bin/new.bin
	expect_status 2
	expect_err "DST src.bin/new.bin: .*Not a directory"
}

# The dry run refuses what the run refuses (issue 18 item 5): a new DST
# on a read-only filesystem, a dangling symlink as DST, a filesystem
# without O_DIRECT (ramfs) on either side, a directory the user cannot
# write; each with the run's exit status and message, nothing created.
case_dry_run_probes() {
	local args
	setup
	ln -s missing.bin dangling.lnk
	for args in "" "--dry-run"; do
		run --sysmem $args src.bin dangling.lnk
		expect_status 2
		expect_err "DST dangling.lnk is a symbolic link to a file that does not exist"
		[ ! -e missing.bin ] || fail "a file was created through the link"
	done
	[ "$(id -u)" = 0 ] || skip "needs root to mount"
	mkdir ro rf
	stack_mount -t tmpfs -o ro tmpfs ro
	stack_mount -t ramfs ramfs rf
	cp src.bin rf/src.bin
	cp dst.bin rf/dst.bin
	for args in "" "--dry-run"; do
		run --sysmem $args src.bin ro/new.bin
		expect_status 2
		expect_err "DST ro/new.bin: cannot open for writing: Read-only file system"
		run --sysmem $args src.bin rf/new.bin
		expect_status 2
		expect_err "DST rf/new.bin: cannot open for O_DIRECT writing: Invalid argument"
		[ ! -e rf/new.bin ] || fail "a refused run left rf/new.bin"
		run --sysmem $args src.bin rf/dst.bin
		expect_status 2
		expect_err "DST rf/dst.bin: cannot open for O_DIRECT writing"
		run --sysmem $args rf/src.bin dst.bin
		expect_status 2
		expect_err "SRC rf/src.bin: cannot open for O_DIRECT reading"
	done
	command -v setpriv >/dev/null || skip "no setpriv"
	mkdir closed
	chmod 555 closed
	chmod 755 "$WORK"
	chmod 644 src.bin
	for args in "" "--dry-run"; do
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$P2PCP" --sysmem $args src.bin closed/new.bin >out.txt 2>err.txt
		status=$?
		expect_status 2
		expect_err "DST closed/new.bin: cannot open for writing: Permission denied"
	done
}

# The plan --dry-run prints is the plan that runs (issue 18 item 6):
# the geometry of --json --dry-run equals the copy's, for a depth and a
# chunk larger than the range; --sysmem decides the engine at once.
# plan_is_run EXPR ARGS...: the dry run's and the run's JSON give the
# same value of the Python expression EXPR (over d, the JSON object;
# "plan|run" in EXPR picks a different expression for each); sets $plan.
plan_is_run() {
	local expr=$1 ran
	shift
	run --json --sysmem --dry-run "$@" src.bin dst.bin
	expect_status 0
	plan=$(python3 -c "import json; d=json.load(open('out.txt')); print(${expr%%|*})")
	run --json --sysmem "$@" src.bin dst.bin
	expect_status 0
	ran=$(python3 -c "import json; d=json.load(open('out.txt')); print(${expr##*|})")
	[ "$plan" = "$ran" ] || fail "$*: planned '$plan', ran '$ran'"
}

case_dry_run_geometry() {
	local args plan
	local geometry='d["chunk_size"], d["queue_depth"], d["engine"], d["engine_decided"]'
	random src.bin $((1024 * 1024))
	for args in "--queue-depth 256 --length 1M" "--chunk-size 64M --length 4096" \
		"--chunk-size 64k --queue-depth 8 --length 96k"; do
		: >dst.bin
		plan_is_run "$geometry" $args
	done
	[ "$plan" = "65536 1 block True" ] || fail "96k in 64k chunks: planned '$plan'"
	run --sysmem --dry-run --queue-depth 256 --length 1M src.bin dst.bin
	grep -q "^1 chunks of 1048576 bytes in flight$" out.txt ||
		fail "text plan: $(cat out.txt)"
	# Whether the depth is tuned during the copy (it may settle at 1):
	# the plan predicts what the run then reports, long copy or short,
	# tuned or --fixed-depth.
	random src.bin $((4 * 1024 * 1024))
	for args in "--chunk-size 4k" "--chunk-size 4k --fixed-depth" \
		"--chunk-size 4k --length 1M" "--chunk-size 4k --queue-depth 1"; do
		plan_is_run 'd["depth_may_tune"]|d["depth_tuning"]["tuned"]' $args
		case $args in
		"--chunk-size 4k") [ "$plan" = True ] || fail "a 1024-chunk copy is not tuned" ;;
		*) [ "$plan" = False ] || fail "$args: tuned" ;;
		esac
	done
	run --sysmem --dry-run --chunk-size 4k src.bin dst.bin
	grep -q "^8 chunks of 4096 bytes in flight (or 1, if a serial copy proves faster in the copy's first chunks; --fixed-depth keeps 8)$" out.txt ||
		fail "text plan of a tuned copy: $(cat out.txt)"
}

# The peer-to-peer mode on a machine whose kernel has no p2pmem must say
# why, not copy through the CPU behind the user's back.
case_no_p2p_kernel() {
	setup
	if ls /sys/bus/pci/devices/*/p2pmem >/dev/null 2>&1; then
		echo "this kernel has p2pmem providers: case does not apply" >&2
		exit 77
	fi
	refused src.bin dst.bin
	expect_status 3
	expect_err "CONFIG_PCI_P2PDMA"
	expect_err "--sysmem"
}

# signal_mid_copy MIB SIGNAL: a slow copy of MIB MiB (4 KiB at a time)
# gets SIGNAL half a second in; sets $status.
signal_mid_copy() {
	random src.bin $(($1 * 1024 * 1024))
	: >dst.bin
	"$P2PCP" --sysmem --chunk-size 4k --queue-depth 1 src.bin dst.bin \
		2>err.txt &
	pid=$!
	sleep 0.5
	kill -"$2" "$pid"
	wait "$pid"
	status=$?
}

# interrupt SIGNAL STATUS: stop mid-copy, then resume from what it printed.
interrupt() {
	signal_mid_copy 256 "$1"
	if [ "$status" = 0 ]; then
		echo "copy finished before the signal: machine too fast" >&2
		exit 77
	fi
	expect_status "$2"
	expect_err "interrupted: copied SRC bytes \\[0, [0-9]+\\) to DST bytes \\[0, [0-9]+\\) .*resume with --src-offset"
	read -r soff doff len < <(sed -nE 's/.*--src-offset ([0-9]+) --dst-offset ([0-9]+) --length ([0-9]+).*/\1 \2 \3/p' err.txt)
	[ -n "$len" ] || fail "no resume offsets in: $(cat err.txt)"
	[ "$soff" -gt 0 ] || fail "no progress before the signal"
	[ $((soff + len)) = $((256 * 1024 * 1024)) ] || fail "resume range does not reach the end"
	run --sysmem --src-offset "$soff" --dst-offset "$doff" --length "$len" src.bin dst.bin
	expect_status 0
	cmp src.bin dst.bin || fail "resumed copy differs"
}

# A copy smaller than chunk x depth gets a buffer of its own size: the
# chunks stay as asked, the depth is what fits (one 64 KiB chunk in 96).
case_fit_buffer() {
	random src.bin 98304
	: >dst.bin
	run --sysmem --json --chunk-size 64k --queue-depth 8 src.bin dst.bin
	expect_status 0
	grep -q '"chunk_size": *65536,' out.txt &&
		grep -q '"queue_depth": *1,' out.txt &&
		grep -q '"mapped": *98304,' out.txt ||
		fail "not 1 chunk of 64 KiB in a 96 KiB buffer: $(cat out.txt)"
	cmp src.bin dst.bin || fail "copy differs"
}

# direct_flags PID NAME: the octal flags of PID's descriptor on NAME.
direct_flags() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		[[ $(readlink "$fd") == */"$2" ]] || continue
		sed -n 's/^flags:[[:space:]]*//p' /proc/"$1"/fdinfo/"${fd##*/}"
		return
	done
}

# The copy moves SRC and DST with O_DIRECT set on the descriptors it
# opened (their flags in /proc/PID/fdinfo), not through the page cache.
case_direct_io() {
	local i src_flags dst_flags direct=$((8#040000))
	random src.bin $((128 * 1024 * 1024))
	: >dst.bin
	"$P2PCP" --sysmem --chunk-size 4k --queue-depth 1 src.bin dst.bin \
		2>err.txt &
	pid=$!
	for i in $(seq 200); do
		src_flags=$(direct_flags "$pid" src.bin)
		dst_flags=$(direct_flags "$pid" dst.bin)
		if [ -n "$src_flags" ] && [ -n "$dst_flags" ] &&
			((8#$src_flags & direct && 8#$dst_flags & direct)); then
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	[ -n "$src_flags" ] && ((8#$src_flags & direct)) ||
		fail "SRC's descriptor never had O_DIRECT (flags ${src_flags:-none})"
	[ -n "$dst_flags" ] && ((8#$dst_flags & direct)) ||
		fail "DST's descriptor never had O_DIRECT (flags ${dst_flags:-none})"
	# O_NONBLOCK only kept the opens from hanging on a FIFO: it is off.
	((!(8#$src_flags & 8#04000) && !(8#$dst_flags & 8#04000))) ||
		fail "O_NONBLOCK left on: SRC flags $src_flags, DST flags $dst_flags"
}

# SIGUSR1 prints one progress line (dd-like) and the copy goes on.
case_sigusr1() {
	signal_mid_copy 128 USR1
	expect_status 0
	grep -qE '^[0-9]+ bytes \([0-9.]+ [KMG]?i?B\) copied, [0-9.]+ s, [0-9.]+ MB/s' err.txt ||
		fail "no progress line after SIGUSR1: $(cat err.txt)"
	cmp -s src.bin dst.bin || fail "copy differs"
}

# Closed standard descriptors: DST must not become fd 1 or 2 and receive
# p2pcp's own messages (issue 10 item 1).  On tmpfs the stray message
# lands in DST (elsewhere O_DIRECT rejects the unaligned write), so the
# files live on tmpfs.
case_closed_fds() {
	local shm
	shm=$(mktemp -d /dev/shm/p2pcp-datapath-XXXXXX 2>/dev/null) || {
		echo "no writable tmpfs at /dev/shm: case does not apply" >&2
		exit 77
	}
	trap 'rm -rf "$WORK" "$shm"' EXIT
	cd "$shm" || exit 99
	setup
	: >dst.bin
	"$P2PCP" --sysmem src.bin dst.bin >&- 2>&-
	status=$?
	expect_status 0
	cmp src.bin dst.bin || fail "DST differs from SRC: a message went into it?"
	cp src.bin dst.bin
	# A refusal writes its message somewhere, never into DST.
	"$P2PCP" --sysmem --length 1G src.bin dst.bin >&- 2>&-
	status=$?
	expect_status 2
	cmp src.bin dst.bin || fail "a refused run changed DST"
	# One closed among open ones: the open ones are kept as they are (a
	# closed stdin must not fail the check of stdout behind it), the
	# closed one gets /dev/null, and the messages reach stderr.
	: >dst.bin
	"$P2PCP" --sysmem src.bin dst.bin <&- >out.txt 2>err.txt
	status=$?
	expect_status 0
	cmp src.bin dst.bin || fail "copy differs with stdin closed"
	grep -q '^p2pcp: copied ' err.txt || fail "no success line on stderr: $(cat err.txt)"
	: >dst.bin
	"$P2PCP" --sysmem --json src.bin dst.bin >&- 2>err.txt
	status=$?
	expect_status 0
	cmp src.bin dst.bin || fail "copy differs with stdout closed"
	[ ! -s err.txt ] || fail "stderr not empty under --json: $(cat err.txt)"
}

# A file-size limit (ulimit -f) makes writes past it fail with EFBIG:
# reported like any other write error, with the byte and the resume
# options, not a death by SIGXFSZ (item 11).  DST sits under a path of
# more than 1000 characters: the message must still end with the
# resume options (item 14).
case_file_size_limit() {
	local dir=. i msg soff doff len total=$((4 * 1024 * 1024))
	for i in 1 2 3 4 5 6; do
		dir=$dir/$(printf 'd%.0s' $(seq 200))
	done
	mkdir -p "$dir"
	random src.bin "$total"
	: >"$dir/dst.bin"
	(
		ulimit -f 2048 # 1024-byte blocks: 2 MiB
		exec "$P2PCP" --sysmem --chunk-size 64k --queue-depth 4 \
			src.bin "$dir/dst.bin" >out.txt 2>err.txt
	)
	status=$?
	expect_status 1
	expect_err "write error on DST .*dst.bin at byte [0-9]+"
	expect_err "File too large"
	msg=$(cat err.txt)
	[[ "$msg" == *"$dir/dst.bin"* ]] || fail "the path is cut: $msg"
	read -r soff doff len < <(sed -nE 's/.*--src-offset ([0-9]+) --dst-offset ([0-9]+) --length ([0-9]+)$/\1 \2 \3/p' err.txt)
	[ -n "$len" ] || fail "no resume options at the end of: $msg"
	[ $((soff + len)) = "$total" ] || fail "resume does not reach the end: $msg"
	[ "$soff" -le $((2 * 1024 * 1024)) ] || fail "resume starts past the limit: $msg"
	same_range src.bin 0 "$dir/dst.bin" 0 "$soff"

	# The limit where the tail the O_DIRECT part leaves to buffered I/O
	# starts (400 bytes: less than any O_DIRECT alignment): the first
	# buffered write fails, at the exact byte.
	random tail.bin $((1024 * 1024 + 400))
	: >tdst.bin
	(
		ulimit -f 1024
		exec "$P2PCP" --sysmem tail.bin tdst.bin >out.txt 2>err.txt
	)
	status=$?
	expect_status 1
	expect_err "write error on DST tdst.bin at byte 1048576 .*File too large; copied SRC bytes \[0, 1048576\) .*--length 400$"
	same_range tail.bin 0 tdst.bin 0 1048576
}

# resume_as_printed SRC DST: run the resume options err.txt ends with;
# fail unless DST then equals SRC, size included.
resume_as_printed() {
	local soff doff len
	read -r soff doff len < <(sed -nE 's/.*--src-offset ([0-9]+) --dst-offset ([0-9]+) --length ([0-9]+)$/\1 \2 \3/p' err.txt)
	[ -n "$len" ] || fail "no resume options at the end of: $(cat err.txt)"
	run --sysmem --src-offset "$soff" --dst-offset "$doff" --length "$len" "$1" "$2"
	expect_status 0
	cmp "$1" "$2" || fail "resumed as printed, $2 is not $1: $(stat -c %s "$1") vs $(stat -c %s "$2") bytes"
}

# A whole-file copy into a larger DST that stops (EFBIG, SIGINT) is
# resumed by what it prints (issue 18 item 3): DST was to become SRC's
# size, so it is cut where the copy stopped and the ranged resume ends
# it at SRC's end; the message says so.  The offsets printed are
# multiples of the plan's alignment (item 4): a short write at byte
# 513024 of a 4096-byte-sector SRC resumes from 512000.
case_resume_whole() {
	local mib=$((1024 * 1024))
	random src.bin $((4 * mib))
	random dst.bin $((8 * mib))
	(
		ulimit -f 2048
		exec "$P2PCP" --sysmem --chunk-size 64k src.bin dst.bin >out.txt 2>err.txt
	)
	status=$?
	expect_status 1
	expect_err "DST was cut at the end of those"
	resume_as_printed src.bin dst.bin
	# Interrupted, the same.
	random src.bin $((256 * mib))
	truncate -s $((300 * mib)) dst.bin
	"$P2PCP" --sysmem --chunk-size 4k --queue-depth 1 src.bin dst.bin 2>err.txt &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	status=$?
	[ "$status" != 0 ] || skip "finished before the signal"
	expect_status 130
	resume_as_printed src.bin dst.bin
	# A short write off the alignment (ulimit -f counts KiB: 501 KiB).
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	random sect.img $mib
	stack_loop --sector-size 4096 sect.img
	rm -f dst.bin
	(
		ulimit -f 501
		exec "$P2PCP" --sysmem "$loop" dst.bin >out.txt 2>err.txt
	)
	status=$?
	expect_status 1
	expect_err "resume with --src-offset 512000 --dst-offset 512000 --length 536576$"
	# The stop itself is where and why the write failed: byte 513024,
	# the file-size limit (it said byte 512000, EIO: the one-block
	# narrowing's short write, worded as its own failure).
	expect_err "^p2pcp: write error on DST dst.bin at byte 513024 \\(block 1002\\): File too large; copied SRC bytes \\[0, 512000\\) to DST bytes \\[0, 512000\\) "
	resume_as_printed "$loop" dst.bin
	# The same under --json: done and resume are the rounded ones.
	rm -f dst.bin
	(
		ulimit -f 501
		exec "$P2PCP" --json --sysmem "$loop" dst.bin >out.txt 2>err.txt
	)
	status=$?
	json_check 1 "d['done'] == 512000" "d['resume']['src_offset'] == 512000" \
		"d['dst_cut'] is True" "d['fail_offset'] == 513024" \
		"'File too large' in d['error']"
}

# The copied prefix is made durable before it is reported, on a write
# error and on an interrupt too: fdatasync on DST comes before the message.
case_durable_prefix() {
	local total=$((8 * 1024 * 1024))
	# LeakSanitizer cannot run under ptrace and aborts the traced
	# p2pcp at exit; the ASan build's other checks stay on.
	local no_lsan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	command -v strace >/dev/null || { echo "no strace" >&2; exit 77; }
	random src.bin "$total"
	: >dst.bin
	(
		ulimit -f 2048 # 1024-byte blocks: 2 MiB
		ASAN_OPTIONS=$no_lsan exec strace -f -e trace=fdatasync,write -o trace.txt \
			"$P2PCP" --sysmem --chunk-size 64k --queue-depth 4 \
			src.bin dst.bin >out.txt 2>err.txt
	)
	status=$?
	expect_status 1
	synced_before_report "write error"
	random src.bin $((256 * 1024 * 1024))
	: >dst.bin
	ASAN_OPTIONS=$no_lsan strace -f -e trace=fdatasync,write -o trace.txt \
		"$P2PCP" --sysmem --chunk-size 4k --queue-depth 1 \
		src.bin dst.bin >out.txt 2>err.txt &
	tracer=$!
	# Signal p2pcp itself (strace's child) once DST has grown: mid-copy.
	while [ "$(stat -c %s dst.bin)" -lt $((1024 * 1024)) ]; do
		kill -0 "$tracer" 2>/dev/null || fail "the copy ended early"
		sleep 0.05
	done
	kill -INT "$(pgrep -P "$tracer")"
	wait "$tracer"
	status=$?
	[ "$status" != 0 ] || { echo "copy finished before the signal" >&2; exit 77; }
	expect_status 130
	synced_before_report "interrupted"
}

# In trace.txt, an fdatasync() precedes the write of the message to fd 2.
synced_before_report() { # MESSAGE-WORDS
	local sync_line report_line
	sync_line=$(grep -n -m 1 'fdatasync(' trace.txt | cut -d: -f1)
	report_line=$(grep -n -m 1 "write(2, .*$1" trace.txt | cut -d: -f1)
	[ -n "$report_line" ] || fail "no '$1' message written to stderr"
	[ -n "$sync_line" ] && [ "$sync_line" -lt "$report_line" ] ||
		fail "'$1' was reported before DST was made durable"
}

# Regular-file destinations (item 5): cp/dd semantics.
case_file_semantics() {
	local size
	setup
	size=$(stat -c %s src.bin)
	# Missing: created with 0666 & ~umask, sized to the copy.
	(umask 027 && "$P2PCP" --sysmem src.bin new.bin 2>err.txt) ||
		fail "copy to a new file failed: $(cat err.txt)"
	cmp src.bin new.bin || fail "new file differs"
	[ "$(stat -c %a new.bin)" = 640 ] || fail "mode $(stat -c %a new.bin), want 640"
	# A dry run creates nothing.
	run --sysmem --dry-run src.bin new2.bin
	expect_status 0
	[ ! -e new2.bin ] || fail "--dry-run created DST"
	# Whole-file copy into a larger file: DST ends up exactly SRC.
	run --sysmem src.bin dst.bin
	expect_status 0
	cmp src.bin dst.bin || fail "whole-file copy into a larger file differs"
	# ... and into a smaller one.
	head -c 1000 /dev/urandom >small.bin
	run --sysmem src.bin small.bin
	expect_status 0
	cmp src.bin small.bin || fail "whole-file copy into a smaller file differs"
	# Ranged: only the range; may extend from the end, never past it.
	random dst.bin $((1024 * 1024))
	cp dst.bin orig.bin
	run --sysmem --length 64k src.bin dst.bin
	expect_status 0
	same_range src.bin 0 dst.bin 0 65536
	same_range orig.bin 65536 dst.bin 65536 $((1024 * 1024 - 65536))
	[ "$(stat -c %s dst.bin)" = $((1024 * 1024)) ] || fail "ranged copy changed the size"
	run --sysmem --dst-offset 1M --length 128k src.bin dst.bin
	expect_status 0
	[ "$(stat -c %s dst.bin)" = $((1024 * 1024 + 131072)) ] || fail "copy at the end did not extend"
	same_range orig.bin 65536 dst.bin 65536 $((1024 * 1024 - 65536))
	same_range src.bin 0 dst.bin $((1024 * 1024)) 131072
	refused --sysmem --dst-offset 2M --length 4k src.bin dst.bin
	expect_status 2
	expect_err "past the end of DST file dst.bin"
}

# Check what you write (item 3): SRC and DST are opened once; a symlink
# swapped right after that open changes nothing, the tail and --verify
# included.
# run_swapped PATH WITH [ENV=VALUE...] -- P2PCP-ARGS...: p2pcp with the
# shim, which renames WITH over PATH right after p2pcp first opens PATH;
# sets $status, output in out.txt and err.txt.
run_swapped() {
	local path=$1 with=$2 env=()
	shift 2
	while [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	[ -n "${SWAP_SHIM:-}" ] && [ -e "$SWAP_SHIM" ] || fail "SWAP_SHIM not set"
	# Under ASan the shim is preloaded ahead of the sanitizer runtime,
	# which ASan refuses unless told that this order is intended.
	env LD_PRELOAD="$SWAP_SHIM" SWAP_PATH="$path" SWAP_WITH="$with" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"${env[@]}" "$P2PCP" "$@" >out.txt 2>err.txt
	status=$?
}

case_swap_after_open() {
	setup
	random victim.bin 65536
	cp victim.bin victim.orig
	cp dst.bin real.orig
	ln -s dst.bin dst.lnk
	ln -s victim.bin swap.lnk
	run_swapped dst.lnk swap.lnk OPEN_LOG=opens.txt -- \
		--sysmem --verify src.bin dst.lnk
	expect_status 0
	[ "$(readlink dst.lnk)" = victim.bin ] || fail "the shim did not swap the link"
	cmp victim.bin victim.orig || fail "DST was reopened by name: the swapped-in file was written"
	cmp src.bin dst.bin || fail "the file opened first did not get the copy"
	[ "$(grep -c '^dst.lnk$' opens.txt)" = 1 ] || fail "DST opened by name $(grep -c '^dst.lnk$' opens.txt) times"
	[ "$(grep -c '^src.bin$' opens.txt)" = 1 ] || fail "SRC opened by name $(grep -c '^src.bin$' opens.txt) times"
	# The same for SRC: the copy comes from the file opened first.
	random other.bin "$(stat -c %s src.bin)"
	ln -s src.bin src.lnk
	ln -s other.bin swap2.lnk
	: >dst.bin
	run_swapped src.lnk swap2.lnk -- --sysmem --verify src.lnk dst.bin
	expect_status 0
	[ "$(readlink src.lnk)" = other.bin ] || fail "the shim did not swap the SRC link"
	cmp src.bin dst.bin || fail "SRC was reopened by name"
}

# Every local is written before it is read: with the stack preset to a
# pattern (dirty-stack.c) instead of the zeros a new process starts
# with, p2pcp copies, verifies, prints its plan and JSON, and refuses,
# as it does without.
case_dirty_stack() {
	local dirty
	[ -n "${DIRTY_STACK_SHIM:-}" ] && [ -e "$DIRTY_STACK_SHIM" ] ||
		fail "DIRTY_STACK_SHIM not set"
	# Under ASan the shim is preloaded ahead of the sanitizer runtime.
	dirty=(env LD_PRELOAD="$DIRTY_STACK_SHIM"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	setup
	: >dst.bin
	"${dirty[@]}" "$P2PCP" --sysmem --verify src.bin dst.bin >out.txt 2>err.txt
	status=$?
	expect_status 0
	cmp src.bin dst.bin || fail "copy differs"
	grep -q '^p2pcp: copied .*, verified$' err.txt || fail "no verified copy: $(cat err.txt)"
	: >dst.bin
	"${dirty[@]}" "$P2PCP" --json --sysmem src.bin dst.bin >out.txt 2>err.txt
	status=$?
	expect_status 0
	cmp src.bin dst.bin || fail "copy differs under --json"
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' out.txt ||
		fail "not one JSON object: $(cat out.txt)"
	"${dirty[@]}" "$P2PCP" --dry-run --sysmem src.bin dst.bin >out.txt 2>err.txt
	status=$?
	expect_status 0
	grep -q '^SRC  src.bin ' out.txt || fail "no plan: $(cat out.txt)"
	cp dst.bin orig.bin
	"${dirty[@]}" "$P2PCP" --sysmem --length 1G src.bin dst.bin >out.txt 2>err.txt
	status=$?
	expect_status 2
	expect_err "--length"
	cmp orig.bin dst.bin || fail "a refused run changed DST"
}

# Loop devices need root and a working losetup; cases that use them
# detach what they attached.
LOOPS=()
loop_attach() { # [losetup options] IMAGE; sets $loop
	[ "$(id -u)" = 0 ] || { echo "needs root for losetup" >&2; exit 77; }
	command -v losetup >/dev/null || { echo "no losetup" >&2; exit 77; }
	loop=$(losetup -f --show "$@" 2>err.txt) || {
		echo "losetup failed: $(cat err.txt)" >&2
		exit 77
	}
	LOOPS+=("$loop")
	trap 'for l in "${LOOPS[@]}"; do losetup -d "$l"; done; rm -rf "$WORK"' EXIT
}

# A read-only block device (item 4) is refused before anything is
# written, exit 2; it was an I/O error at byte 0 with a resume hint.
case_readonly_block() {
	setup
	random ro.img $((4 * 1024 * 1024))
	cp ro.img ro.orig
	loop_attach -r ro.img
	run --sysmem --length 1M src.bin "$loop"
	expect_status 2
	expect_err "DST $loop is a read-only block device"
	cmp ro.img ro.orig || fail "the read-only device changed"
	run --sysmem --dry-run --length 1M src.bin "$loop"
	expect_status 2
}

# An image file attached to a loop device is in use (item 5).
case_loop_in_use() {
	setup
	random img.bin $((4 * 1024 * 1024))
	cp img.bin img.orig
	loop_attach img.bin
	run --sysmem --length 1M src.bin img.bin
	expect_status 2
	expect_err "DST img.bin is in use: it backs $loop"
	cmp img.bin img.orig || fail "the attached image changed"
	# The same inode under another name, the one it was attached by gone:
	# sysfs's backing_file now reads "... (deleted)", but the loop device
	# still writes to this inode, so DST is still in use.
	ln img.bin other.bin
	rm img.bin
	run --sysmem --length 1M src.bin other.bin
	expect_status 2
	expect_err "DST other.bin is in use: it backs $loop"
	cmp other.bin img.orig || fail "the attached image changed through another name"
}

# unchanged_by ARGS...: p2pcp must refuse (exit 2) and leave FILE alone.
refused_keeps() {
	local file=$1 before
	shift
	before=$(sha256sum <"$file")
	run "$@"
	expect_status 2
	[ "$before" = "$(sha256sum <"$file")" ] || fail "$file changed by: $*"
}

# Same storage through a loop device (item 2): A.img and /dev/loopN
# backed by it are one storage; lo_offset shifts the loop's bytes.
case_overlap_loop() {
	local mib=$((1024 * 1024))
	random A.img $((16 * mib))
	cp A.img A.orig
	loop_attach A.img
	refused_keeps A.img --sysmem --dst-offset 1M --length 4M \
		--queue-depth 1 A.img "$loop"
	expect_err "same storage .*overlap"
	# The other way round A.img is a DST in use (it backs the loop).
	refused_keeps A.img --sysmem --src-offset 4M --length 4M --force \
		"$loop" A.img
	expect_err "DST A.img is in use: it backs $loop"
	# Disjoint ranges of the same storage are fine.
	run --sysmem --dst-offset 8M --length 4M A.img "$loop"
	expect_status 0
	same_range A.orig 0 A.img $((8 * mib)) $((4 * mib))
	# losetup --offset 8M: loop byte x is A.img byte 8M + x.
	cp A.orig A.img
	loop_attach --offset $((8 * mib)) A.img
	# Two loop devices on one file: the message names where they meet.
	local first=${LOOPS[0]}
	refused_keeps A.img --sysmem --src-offset 8M --length 4M "$first" "$loop"
	expect_err "same storage .*overlap \\(in ${first#/dev/}'s backing file\\)"
	# Disjoint, but A.img under DST also backs the first loop device:
	# DST is in use (issue 18 item 1), until that one is gone.
	refused_keeps A.img --sysmem --length 4M A.img "$loop"
	expect_err "DST $loop is in use: ${loop#/dev/}'s backing file, below it, also backs $first"
	losetup -d "$first"
	LOOPS=("${LOOPS[@]:1}")
	run --sysmem --length 4M A.img "$loop"
	expect_status 0
	same_range A.orig 0 A.img $((8 * mib)) $((4 * mib))
	cp A.orig A.img
	refused_keeps A.img --sysmem --src-offset 9M --length 2M A.img "$loop"
	expect_err "same storage .*overlap"
}

# A loop device whose backing file's name is gone (another hard link
# keeps the inode): sysfs shows "NAME (deleted)", but the loop device
# still writes to that inode, which p2pcp asks the device itself.
case_overlap_loop_unlinked() {
	local mib=$((1024 * 1024))
	random A.img $((16 * mib))
	loop_attach A.img
	ln A.img B.img
	rm A.img
	refused_keeps B.img --sysmem --dst-offset 1M --length 4M B.img "$loop"
	expect_err "same storage .*overlap"
	refused_keeps B.img --sysmem --src-offset 1M --length 4M "$loop" B.img
	expect_err "same storage .*overlap"
	run --sysmem --dst-offset 8M --length 4M B.img "$loop"
	expect_status 0
}

# A loop device over a block device (here another loop device, with an
# offset): loop byte x is the device's byte offset + x, so the overlap
# is found through the device and disjoint ranges copy exactly; the
# device below is in use.
case_overlap_loop_on_loop() {
	local mib=$((1024 * 1024)) lower upper
	random A.img $((16 * mib))
	loop_attach A.img
	lower=$loop
	loop_attach --offset $((2 * mib)) "$lower"
	upper=$loop
	cp A.img A.orig
	# upper [0, 4M) is lower [2M, 6M), which [1M, 5M) of lower meets;
	# lower [3M, 5M) meets upper [0, 2M), lower [2M, 4M).
	refused_keeps A.img --sysmem --dst-offset 1M --length 4M \
		--queue-depth 1 "$upper" "$lower"
	expect_err "same storage .*overlap \\(in ${lower#/dev/}\\)"
	refused_keeps A.img --sysmem --src-offset 3M --length 2M \
		"$lower" "$upper"
	expect_err "same storage .*overlap"
	# lower [10M, 12M) onto upper [0, 2M), lower [2M, 4M): disjoint.
	run --sysmem --src-offset 10M --length 2M "$lower" "$upper"
	expect_status 0
	same_range A.orig $((10 * mib)) A.img $((2 * mib)) $((2 * mib))
	# The device under a loop device is in use, as a backing file is
	# (the loop driver does not claim it: O_EXCL cannot tell).
	cp A.img A.orig
	random small.bin 65536
	refused_keeps A.img --sysmem --force --dst-offset 8M small.bin "$lower"
	expect_err "DST $lower is in use: it backs $upper"
	# ... by its device number, whatever node names it.
	mknod lower.node b "$((0x$(stat -c %t "$lower")))" \
		"$((0x$(stat -c %T "$lower")))"
	refused_keeps A.img --sysmem --force --dst-offset 8M small.bin lower.node
	expect_err "DST lower.node is in use: it backs $upper"
}

# On exit: detach the loop devices set up on files in mnt, unmount mnt,
# detach the loop device under it (the first one set up).
ext4_cleanup_on_exit() {
	trap 'for l in "${LOOPS[@]:1}"; do losetup -d "$l"; done; umount mnt; losetup -d "${LOOPS[0]}"; rm -rf "$WORK"' EXIT
}

# An ext4 image outer.img on a loop device ($loop), mounted at mnt.
mount_ext4_on_loop() {
	command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"
	truncate -s 32M outer.img
	# The image is compared before and after p2pcp runs: no background
	# writer of its own (lazy inode-table and journal init, atime).
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 outer.img \
		2>err.txt || skip "mkfs.ext4: $(cat err.txt)"
	loop_attach outer.img
	mkdir mnt
	mount -o noatime "$loop" mnt 2>err.txt || skip "cannot mount ext4: $(cat err.txt)"
	ext4_cleanup_on_exit
}

# A loop device below a filesystem, whose backing file's name is gone:
# reached with no descriptor of its own, it is still asked through
# /dev, and a name that no longer stats is never taken for "detached".
case_overlap_fs_unlinked() {
	mount_ext4_on_loop
	random mnt/f.bin $((1024 * 1024))
	# Written back now, not by the kernel between the two checksums.
	sync -f mnt/f.bin
	ln outer.img outer2.img
	rm outer.img
	refused_keeps outer2.img --sysmem --dry-run outer2.img mnt/f.bin
	expect_err "may overlap"
}

# A loop device over an image file inside a filesystem that is itself on
# a loop device: the outer device holds the inner one's bytes somewhere
# in its filesystem, so copying between the two cannot be proven safe.
case_overlap_loop_fs() {
	local outer inner
	mount_ext4_on_loop
	outer=$loop
	random mnt/inner.img $((4 * 1024 * 1024))
	loop_attach mnt/inner.img
	inner=$loop
	ext4_cleanup_on_exit
	refused_keeps mnt/inner.img --sysmem --force --length 1M "$outer" "$inner"
	expect_err "may overlap: both reach ${outer#/dev/}"
}

# A partition and its disk (loop -P on an MBR image): overlap by offset.
case_overlap_partition() {
	local mib=$((1024 * 1024))
	random disk.img $((16 * mib))
	# One primary partition, type 0x83, from sector 2048 (1 MiB), 8 MiB;
	# the other three entries zero.
	python3 -c '
import struct, sys
with open("disk.img", "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 16384))
    f.write(bytes(48))  # no other entries: a random boot flag voids the table
    f.seek(510)
    f.write(b"\x55\xaa")
'
	loop_attach -P disk.img
	[ -b "${loop}p1" ] || { echo "no ${loop}p1: no partition scan" >&2; exit 77; }
	cp disk.img disk.orig
	refused_keeps disk.img --sysmem --force --dst-offset 1M --length 1M \
		"${loop}p1" "$loop"
	expect_err "same storage .*overlap"
	# loop [1M, 2M) onto partition [512K, 1.5M) = loop [1.5M, 2.5M).
	refused_keeps disk.img --sysmem --force --src-offset 1M --dst-offset 512K \
		--length 1M "$loop" "${loop}p1"
	expect_err "same storage .*overlap"
	run --sysmem --force --dst-offset 12M --length 1M "${loop}p1" "$loop"
	expect_status 0
	same_range disk.orig $((1 * mib)) disk.img $((12 * mib)) "$mib"
}

# A device-mapper device over a loop device: where its bytes are in the
# loop device is not known, so overlap with the loop cannot be excluded.
case_overlap_dm() {
	local mib=$((1024 * 1024)) name
	random dm.img $((16 * mib))
	loop_attach dm.img
	command -v dmsetup >/dev/null || { echo "no dmsetup" >&2; exit 77; }
	name=p2pcp-test-$$
	dmsetup create "$name" --table "0 8192 linear $loop 4096" 2>err.txt || {
		echo "dmsetup failed: $(cat err.txt)" >&2
		exit 77
	}
	trap 'dmsetup remove '"$name"'; for l in "${LOOPS[@]}"; do losetup -d "$l"; done; rm -rf "$WORK"' EXIT
	udevadm settle 2>/dev/null
	# The slave as DST is in use (held by dm); into dm, overlap is unknown.
	refused_keeps dm.img --sysmem --force --length 1M "/dev/mapper/$name" "$loop"
	expect_err "is in use"
	refused_keeps dm.img --sysmem --force --length 1M "$loop" "/dev/mapper/$name"
	expect_err "may overlap: both reach"
}

# Undone at exit in reverse order, whatever failed: the mounts, dm
# devices and loop devices of the cases below (issue 18 items 1, 2).
UNDO=()
undo_at_exit() { # SHELL-COMMAND
	UNDO+=("$1")
	trap 'for ((u = ${#UNDO[@]} - 1; u >= 0; u--)); do eval "${UNDO[u]}" >/dev/null 2>&1; done; rm -rf "$WORK"' EXIT
}
# stack_loop [losetup options] BACKING: attach; sets $loop.
stack_loop() {
	[ "$(id -u)" = 0 ] || skip "needs root for losetup"
	loop=$(losetup -f --show "$@" 2>err.txt) || skip "losetup: $(cat err.txt)"
	undo_at_exit "losetup -d $loop"
}
# stack_mount MOUNT-ARGS... DIR: mount; unmounted at exit.
stack_mount() {
	mount "$@" 2>err.txt || skip "mount $*: $(cat err.txt)"
	undo_at_exit "umount ${*: -1}"
}
# A read-only ext4 image G.img on $loop, mounted at mnt: nothing writes
# it while it is mounted, so any change is p2pcp's.
mounted_image() {
	command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"
	truncate -s 32M G.img
	mkfs.ext4 -q -F G.img 2>err.txt || skip "mkfs.ext4: $(cat err.txt)"
	stack_loop G.img
	mkdir -p mnt
	stack_mount -o ro "$loop" mnt
}

# DST is in use when anything below it is (item 1): a second loop device
# on a mounted image, with or without an offset, a loop device on the
# mounted device itself, a dm device over such a loop; a block device
# under DST that is held or mounted; never mind --force or the offsets.
case_in_use_below() {
	local mounted second
	random src.bin $((1024 * 1024))
	mounted_image
	mounted=$loop
	stack_loop -o 1M G.img
	second=$loop
	refused_keeps G.img --sysmem src.bin "$second"
	expect_err "DST $second is in use: ${second#/dev/}'s backing file, below it, also backs $mounted"
	refused_keeps G.img --sysmem --force --dst-offset 16M src.bin "$second"
	expect_err "DST $second is in use"
	refused_keeps G.img --sysmem --dry-run src.bin "$second"
	expect_err "DST $second is in use"
	stack_loop G.img
	refused_keeps G.img --sysmem --force src.bin "$loop"
	expect_err "DST $loop is in use: .* also backs /dev/loop"
	# A loop device on the mounted device itself: the device is held.
	stack_loop "$mounted"
	refused_keeps G.img --sysmem --force src.bin "$loop"
	expect_err "DST $loop is in use: ${mounted#/dev/}, below it, is mounted or held open exclusively"
	# dm over the second loop device: a slave's backing file backs another.
	if dmsetup create "p2pcp-inuse-$$" --table "0 8192 linear $second 0" \
		2>err.txt; then
		undo_at_exit "dmsetup remove p2pcp-inuse-$$"
		udevadm settle 2>/dev/null
		refused_keeps G.img --sysmem --force src.bin "/dev/mapper/p2pcp-inuse-$$"
		expect_err "is in use: .* also backs /dev/loop"
	else
		echo "no device-mapper here: dm relative not tried" >&2
	fi
	# An image that backs only DST itself is free.
	truncate -s 4M free.img
	stack_loop free.img
	run --sysmem src.bin "$loop"
	expect_status 0
	same_range src.bin 0 free.img 0 $((1024 * 1024))
}

# A length the user never gave is not blamed on --length (issue 18
# item 12): an odd-sized SRC onto a block device names SRC's size.
case_odd_src_to_block() {
	random odd.bin 1000001
	truncate -s 4M blk.img
	stack_loop blk.img
	refused_keeps blk.img --sysmem odd.bin "$loop"
	expect_err "^p2pcp: SRC odd.bin has 1000001 bytes from byte 0 on, not a multiple of 512 bytes: DST $loop is a block device and p2pcp never pads; give a --length of whole blocks, e.g. --length 999936$"
	# Less than one block: no length of whole blocks to suggest.
	random tiny.bin 100
	refused_keeps blk.img --sysmem tiny.bin "$loop"
	expect_err "^p2pcp: SRC tiny.bin has 100 bytes from byte 0 on, less than one block of 512 bytes: DST $loop is a block device and p2pcp never pads$"
	refused_keeps blk.img --sysmem --length 1000001 odd.bin "$loop"
	expect_err "^p2pcp: --length 1000001 is not a multiple of 512 bytes"
}

# A partition whose disk also backs a loop device, at any offset: the
# loop driver claims nothing, so the partition's exclusive open cannot
# tell (item 1's relative on partitions).
case_in_use_partition() {
	local disk
	random src.bin $((1024 * 1024))
	random disk.img $((16 * 1024 * 1024))
	python3 -c '
import struct
with open("disk.img", "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 16384))
    f.write(bytes(48))
    f.seek(510)
    f.write(b"\x55\xaa")
'
	stack_loop -P disk.img
	disk=$loop
	[ -b "${disk}p1" ] || skip "no ${disk}p1: no partition scan"
	stack_loop -o 12M "$disk"
	refused_keeps disk.img --sysmem --force src.bin "${disk}p1"
	expect_err "DST ${disk}p1 is in use: ${disk#/dev/}, below it, also backs $loop"
}

# Overlap through a filesystem without a block device (item 2): where an
# overlay's files keep their bytes is unknown, so it is refused with the
# reason, unless both sides are files on that one filesystem (the inodes
# decide).  A memory filesystem (tmpfs) holds its own bytes.
case_overlap_blockless() {
	local mib=$((1024 * 1024))
	[ "$(id -u)" = 0 ] || skip "needs root to mount"
	mkdir lower upper work merged t
	random lower/f $((4 * mib))
	stack_mount -t overlay overlay \
		-o lowerdir="$WORK/lower,upperdir=$WORK/upper,workdir=$WORK/work" merged
	refused_keeps lower/f --sysmem --verify --chunk-size 64k --queue-depth 1 \
		--dst-offset 512k --length 2M merged/f lower/f
	expect_err "SRC merged/f and DST lower/f: cannot tell whether they share storage: an overlay filesystem"
	refused_keeps lower/f --sysmem --dry-run merged/f lower/f
	expect_err "cannot tell whether"
	refused_keeps lower/f --sysmem --length 1M lower/f merged/f
	expect_err "cannot tell whether"
	# A loop device on the overlay's file: the same.
	random dst.bin $((4 * mib))
	stack_loop merged/f
	refused_keeps lower/f --sysmem --force --length 1M "$loop" lower/f
	expect_err "cannot tell whether"
	# Two files on the one overlay: different inodes, no overlap; one file
	# overlaps itself as anywhere else.
	random merged/g $mib
	run --sysmem merged/g merged/h
	expect_status 0
	cmp merged/g merged/h || fail "overlay to overlay copy differs"
	refused_keeps merged/g --sysmem --dst-offset 4096 --length 64k merged/g merged/g
	expect_err "same storage .*overlap"
	# tmpfs: its own bytes, disjoint from everything else.
	stack_mount -t tmpfs tmpfs t
	random t/a $mib
	run --sysmem t/a dst.bin
	expect_status 0
	run --sysmem lower/f t/b
	expect_status 0
	cmp lower/f t/b || fail "copy into tmpfs differs"
}

# json_check STATUS PYTHON-EXPR...: stdout is exactly one JSON object
# (strict UTF-8) with "exit" equal to STATUS and each expression true.
json_check() {
	python3 - "$@" <<'PY' || fail "bad JSON outcome: $(cat out.txt) / $(cat err.txt)"
import json, sys
raw = open("out.txt", "rb").read()
d = json.loads(raw.decode("utf-8"))  # one object; raises on anything else
assert isinstance(d, dict), d
assert d["exit"] == int(sys.argv[1]), d
for key in ("done", "fail_offset", "fail_side", "resume"):
    assert key in d, (key, d)
for expr in sys.argv[2:]:
    assert eval(expr, {"d": d}), (expr, d)
PY
}

# --json (item 12): recognised as getopt accepts it, and every outcome
# is one JSON object on stdout, with done, fail_*, resume and exit.
case_json_outcomes() {
	local size
	setup
	size=$(stat -c %s src.bin)
	run --jso --sysmem src.bin dst.bin
	expect_status 0
	json_check 0 "d['done'] == $size" "d['resume'] is None" "d['fail_side'] is None"
	run --json --no-such-option src.bin dst.bin
	expect_status 2
	json_check 2 "'--no-such-option' in d['error']" "d['done'] == 0"
	run --json src.bin
	expect_status 2
	json_check 2 "'expected SRC and DST' in d['error']"
	run --json --sysmem --length 1G src.bin dst.bin
	expect_status 2
	json_check 2 "'runs past the end' in d['error']" "d['resume'] is None"
	run --sysmem --json nodir/src.bin dst.bin
	expect_status 2
	json_check 2 "'no such file' in d['error']"
	# An I/O error: where, and how to resume.
	: >dst.bin
	(
		ulimit -f 2048
		exec "$P2PCP" --json --sysmem --chunk-size 64k src.bin dst.bin \
			>out.txt 2>err.txt
	)
	status=$?
	expect_status 1
	json_check 1 "d['fail_side'] == 'dst'" "d['fail_offset'] == 2097152" \
		"d['resume']['src_offset'] == d['done']" \
		"d['resume']['dst_offset'] == d['done']" \
		"d['resume']['length'] == $size - d['done']" \
		"d['done'] <= 2097152"
	# An interrupt.
	random src.bin $((256 * 1024 * 1024))
	: >dst.bin
	"$P2PCP" --json --sysmem --chunk-size 4k --queue-depth 1 src.bin dst.bin \
		>out.txt 2>err.txt &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	status=$?
	[ "$status" != 0 ] || { echo "finished before the signal" >&2; exit 77; }
	expect_status 130
	json_check 130 "d['resume']['src_offset'] == d['done'] > 0" \
		"d['resume']['length'] == 256 * 1024 * 1024 - d['done']"
}

# JSON is valid UTF-8 whatever the path (item 13): bytes that are not
# UTF-8 are escaped as \xHH.
case_json_utf8() {
	setup
	cp src.bin $'bad\xff\xfe-\xc3\xa9.bin'
	run --json --sysmem --dry-run $'bad\xff\xfe-\xc3\xa9.bin' dst.bin
	expect_status 0
	json_check 0 "d['source']['path'] == 'bad\\\\xFF\\\\xFE-\u00e9.bin'"
	run --json --sysmem --length 1G $'bad\xff\xfe-\xc3\xa9.bin' dst.bin
	expect_status 2
	json_check 2 "'bad\\\\xFF' in d['error']"
}

# DST that is p2pcp's own stdout or stderr (issue 18 item 10): the
# messages or the JSON would land in the data.  By /dev/stdout, by the
# file's own name, through /proc/self/fd, and stderr likewise; a block
# device as stdout too.
case_dst_is_output() {
	setup
	cp dst.bin dst.orig
	"$P2PCP" --json --sysmem --verify src.bin /dev/stdout >dst.bin 2>err.txt
	status=$?
	expect_status 2
	python3 -c 'import json,sys; d=json.load(open("dst.bin")); assert d["exit"] == 2, d' ||
		fail "stdout is not one JSON object: $(head -c 300 dst.bin)"
	grep -q "DST /dev/stdout is p2pcp's own standard output" dst.bin ||
		fail "no reason in the JSON: $(head -c 300 dst.bin)"
	cp dst.orig dst.bin
	"$P2PCP" --sysmem --length 64k src.bin dst.bin >>dst.bin 2>err.txt
	status=$?
	expect_status 2
	expect_err "DST dst.bin is p2pcp's own standard output"
	cmp dst.bin dst.orig || fail "DST changed"
	"$P2PCP" --sysmem --length 64k src.bin /proc/self/fd/2 2>>dst.bin
	status=$?
	[ "$status" = 2 ] || fail "stderr as DST: exit $status"
	grep -qa "DST /proc/self/fd/2 is p2pcp's own standard error" dst.bin ||
		fail "no message naming stderr"
	cp dst.orig dst.bin
	"$P2PCP" --sysmem --dry-run src.bin /dev/stderr 2>>dst.bin
	status=$?
	[ "$status" = 2 ] || fail "--dry-run accepted stderr as DST: exit $status"
	# Not DST: another file is fine while stdout is a file.
	run --sysmem --length 64k src.bin dst.bin
	expect_status 0
	if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null; then
		truncate -s 4M blk.img
		stack_loop blk.img
		"$P2PCP" --sysmem --force --length 64k src.bin "$loop" >"$loop" 2>err.txt
		status=$?
		expect_status 2
		expect_err "DST $loop is p2pcp's own standard output"
	fi
}

# A SRC whose size reads 0 but that has content (issue 18 item 11): a
# pseudo-file of /proc (or /sys, debugfs...) cannot be copied with
# O_DIRECT and is refused, not "copied 0 B"; an empty regular file is
# still an empty copy.
case_pseudo_src() {
	setup
	cp dst.bin dst.orig
	for f in /proc/cpuinfo /proc/self/status /proc/self/mountinfo \
		/sys/kernel/mm/transparent_hugepage/enabled; do
		[ -r "$f" ] || continue
		refused --sysmem "$f" dst.bin
		expect_status 2
		expect_err "SRC $f: (its size reads 0 but it has content|cannot open for O_DIRECT reading)"
		refused --sysmem --dry-run "$f" dst.bin
		expect_status 2
		refused --sysmem --length 0 "$f" dst.bin
		expect_status 2
	done
	refused --sysmem "/proc/cpuinfo" new.bin
	[ ! -e new.bin ] || fail "a refused run left new.bin"
	: >empty.bin
	run --sysmem empty.bin new.bin
	expect_status 0
	# A pseudo-file as DST is refused as one (it was "cannot tell
	# whether they share storage": the placement question came first).
	# Dry runs only: a wrong answer must not write to the kernel.
	for f in /proc/self/comm /sys/kernel/mm/transparent_hugepage/enabled; do
		[ -w "$f" ] || continue
		run --sysmem --dry-run --length 4096 src.bin "$f"
		expect_status 2
		expect_err "^p2pcp: DST $f: cannot open for O_DIRECT writing: Invalid argument \\(its filesystem does not take direct I/O"
	done
}

# --json means one JSON object on stdout, always (issue 18 item 9):
# --version and --help too, whatever the order of the options.
case_json_info() {
	local args
	for args in "--json --version" "--version --json" "--json -V" \
		"--json --help" "-h --json"; do
		run $args
		expect_status 0
		json_check 0 "d['version']" || fail "$args"
		case $args in
		*h*) json_check 0 "d['usage'].startswith('Usage: p2pcp')" ;;
		esac
	done
}

# A stop request while planning (issue 18 item 8): SIGTERM or SIGINT
# right after DST was created ends the run with its status, the JSON
# object, no DST left behind; the JSON says it was removed.  A refused
# run in an append-only directory, where the created DST cannot be
# removed, says so (item 12).
case_stop_while_planning() {
	local sig status_want
	setup
	[ -n "${SWAP_SHIM:-}" ] && [ -e "$SWAP_SHIM" ] || fail "SWAP_SHIM not set"
	for sig in 15:143 2:130; do
		env LD_PRELOAD="$SWAP_SHIM" SIGNAL_AFTER_OPEN=new.bin \
			SIGNAL_NUMBER="${sig%:*}" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			"$P2PCP" --json --sysmem src.bin new.bin >out.txt 2>err.txt
		status=$?
		expect_status "${sig#*:}"
		json_check "${sig#*:}" "d['dst_removed'] is True" \
			"'interrupted before the copy started' in d['error']"
		[ ! -e new.bin ] || fail "signal ${sig%:*} while planning left new.bin"
	done
	# SRC opened, DST not yet: nothing to remove.
	env LD_PRELOAD="$SWAP_SHIM" SIGNAL_AFTER_OPEN=src.bin SIGNAL_NUMBER=15 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$P2PCP" --sysmem src.bin dst.bin >out.txt 2>err.txt
	status=$?
	expect_status 143
	expect_err "interrupted before the copy started: nothing was written"
	mkdir ao
	chattr +a ao 2>/dev/null || skip "chattr +a does not work here"
	undo_at_exit "chattr -a '$WORK/ao'"
	run --sysmem --src-offset 1G src.bin ao/new.bin
	expect_status 2
	expect_err "past the end of SRC .*; the empty DST ao/new.bin p2pcp created could not be removed: Operation not permitted"
}

# An active swap file opens for writing but takes no write (ETXTBSY):
# in use, refused before anything is written, by the dry run as by the
# run (it said 0, and the run failed with exit 1 and "copy it again").
case_dst_swap_file() {
	local before
	setup
	[ "$(id -u)" = 0 ] || skip "needs root for swapon"
	dd if=/dev/zero of=swap.bin bs=1M count=16 status=none
	chmod 600 swap.bin
	mkswap swap.bin >/dev/null 2>err.txt || skip "mkswap: $(cat err.txt)"
	swapon swap.bin 2>err.txt || skip "swapon: $(cat err.txt)"
	undo_at_exit "swapoff '$WORK/swap.bin'"
	before=$(sha256sum swap.bin)
	for args in "" "--dry-run" "--dst-offset 1M --length 64k" "--json"; do
		run --sysmem $args src.bin swap.bin
		expect_status 2
		[ "$args" = --json ] && json_check 2 \
			"d['error'] == 'DST swap.bin is in use: it is an active swap file, which takes no writes (swapoff it first)'" &&
			continue
		expect_err "^p2pcp: DST swap.bin is in use: it is an active swap file, which takes no writes \\(swapoff it first\\)$"
	done
	[ "$before" = "$(sha256sum swap.bin)" ] || fail "the swap file changed"
	# The write of nothing changes nothing on a file that takes writes.
	touch -d @1000000000 dst.bin
	run --sysmem --dry-run src.bin dst.bin
	expect_status 0
	[ "$(stat -c %Y dst.bin)" = 1000000000 ] || fail "the dry run touched dst.bin"
}

# unread_pipe FD ARGS...: run p2pcp with descriptor FD (1 or 2) a pipe
# whose reader is gone, as after "| head" or a closed terminal; the
# other output goes to out.txt or err.txt.  Sets $status (128+N for a
# death by signal N, as a shell says).
unread_pipe() {
	status=$(python3 - "$P2PCP" "$@" <<'PY'
import os, subprocess, sys
fd = int(sys.argv[2])
r, w = os.pipe()
os.close(r)
with open("out.txt", "wb") as out, open("err.txt", "wb") as err:
    p = subprocess.run([sys.argv[1]] + sys.argv[3:],
                       stdout=w if fd == 1 else out,
                       stderr=w if fd == 2 else err)
print(p.returncode if p.returncode >= 0 else 128 - p.returncode)
PY
)
}

# Output nobody reads is no reason to stop a copy (SIGPIPE killed it,
# exit 141, mid-copy without a resume line when a progress line was
# asked for): the copy completes; only JSON that could not be written
# is a write error on standard output, exit 1.
case_unread_output() {
	setup
	unread_pipe 2 --sysmem src.bin new.bin
	expect_status 0
	cmp -s src.bin new.bin || fail "copy with stderr unread differs"
	# A progress line asked for (SIGUSR1) while planning is printed
	# during the copy.
	rm -f new.bin
	env LD_PRELOAD="$SWAP_SHIM" SIGNAL_AFTER_OPEN=new.bin SIGNAL_NUMBER=10 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		bash -c "$(declare -f unread_pipe); P2PCP='$P2PCP'; unread_pipe 2 --sysmem --quiet --chunk-size 4k --queue-depth 1 src.bin new.bin; exit \$status"
	status=$?
	expect_status 0
	cmp -s src.bin new.bin || fail "copy with a progress line to an unread stderr differs"
	rm -f new.bin
	unread_pipe 1 --sysmem --json src.bin new.bin
	expect_status 1
	expect_err "^p2pcp: write error on standard output"
	cmp -s src.bin new.bin || fail "copy with stdout unread differs"
}

# What is neither a regular file nor a block device is refused without
# being opened for I/O: opening a FIFO wakes its other end (a character
# device may act on open: a watchdog arms, a tape rewinds on close).  A
# socket is named as what it is (it was "No such device or address").
case_not_opened() {
	local role waiter
	setup
	mkfifo fifo
	for role in SRC DST; do
		rm -f woke
		(timeout 2 sh -c 'if [ "$1" = SRC ]; then : >fifo; else cat fifo >/dev/null; fi; touch woke' sh "$role") &
		waiter=$!
		sleep 0.3
		if [ "$role" = SRC ]; then
			refused --sysmem fifo dst.bin
		else
			refused --sysmem src.bin fifo
		fi
		expect_status 2
		expect_err "^p2pcp: $role fifo: not a block device or regular file$"
		wait "$waiter"
		[ ! -e woke ] || fail "p2pcp opened the FIFO as $role: its other end woke"
	done
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")'
	refused --sysmem src.bin sock
	expect_status 2
	expect_err "^p2pcp: DST sock: not a block device or regular file$"
	refused --sysmem --dry-run sock dst.bin
	expect_status 2
	expect_err "^p2pcp: SRC sock: not a block device or regular file$"
	refused --sysmem src.bin /dev/null
	expect_err "^p2pcp: DST /dev/null: not a block device or regular file$"
}

# Empty sources and --length 0 succeed and copy nothing (item 15).
case_empty_copy() {
	setup
	cp dst.bin orig.bin
	run --sysmem --length 0 src.bin dst.bin
	expect_status 0
	cmp orig.bin dst.bin || fail "--length 0 changed DST"
	run --sysmem --src-offset 4096 --dst-offset 8192 --length 0 src.bin dst.bin
	expect_status 0
	cmp orig.bin dst.bin || fail "--length 0 at offsets changed DST"
	: >empty.bin
	run --sysmem --verify empty.bin dst.bin
	expect_status 0
	[ ! -s dst.bin ] || fail "a whole-file copy of an empty SRC left DST non-empty"
	# Nothing to compare: verified, and none of it found different.
	run --sysmem --verify --json empty.bin dst.bin
	expect_status 0
	json_check 0 "d['done'] == 0" "d['verified_done'] == 0" \
		"d['verified'] == 'sysmem'"
	run --sysmem empty.bin new.bin
	expect_status 0
	[ -f new.bin ] && [ ! -s new.bin ] || fail "no empty new.bin"
}

# The buffer is never larger than the copy needs, and failing to get it
# is exit 2 with nothing written (item 10).
case_buffer_size() {
	local bounded=(ulimit -v 400000)
	# ASan reserves terabytes of shadow address space at startup, so an
	# address-space limit cannot tell its buffer sizes apart: its
	# allocator is bounded instead, returning NULL (with a warning of
	# its own, not p2pcp's) as malloc does at the limit.  (meson says
	# how it built p2pcp: asking ldd through a pipe into grep -q raced
	# with pipefail.)
	if [[ ${P2PCP_SANITIZE:-none} == *address* ]]; then
		bounded=(export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=400")
	fi
	setup
	head -c 4096 src.bin >small.bin
	cp dst.bin orig.bin
	# 64 MiB x 16 would be 1 GiB; a 4 KiB copy takes a page.
	("${bounded[@]}" && exec "$P2PCP" --sysmem --chunk-size 64M \
		--queue-depth 16 small.bin dst.bin >out.txt 2>err.txt)
	status=$?
	expect_status 0
	same_range small.bin 0 dst.bin 0 4096
	truncate -s 2G big.bin
	cp orig.bin dst.bin
	("${bounded[@]}" && exec "$P2PCP" --sysmem --chunk-size 64M \
		--queue-depth 16 --length 1G big.bin dst.bin >out.txt 2>err.txt)
	status=$?
	expect_status 2
	sed -i '/^==[0-9]*==WARNING: AddressSanitizer failed to allocate /d' err.txt
	expect_err "cannot allocate a [0-9]+-byte buffer in system memory; nothing was written"
	cmp orig.bin dst.bin || fail "DST changed"
}

# --progress on a terminal: a live line rewritten with \r, ending on the
# whole count (a last line after the copy, however fast it was); with
# stderr not a terminal, no progress lines at all.  SRC is whole blocks:
# the line counts the O_DIRECT part.
case_progress_tty() {
	local size=$((4 * 1024 * 1024))
	random src.bin "$size"
	: >dst.bin
	python3 - "$P2PCP" --sysmem --progress src.bin dst.bin >tty.txt <<'PY' ||
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:  # EIO once the child has closed the terminal
        break
    if not chunk:
        break
    out += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
		fail "p2pcp --progress on a terminal failed: $(cat tty.txt)"
	cmp -s src.bin dst.bin || fail "copy differs"
	grep -q $'\r'"$size bytes ([0-9.]* [KMG]*i*B) copied, [0-9.]* s, [0-9.]* MB/s" tty.txt ||
		fail "no progress line with all $size bytes on the terminal: $(cat -A tty.txt)"
	# The live line is ended before the final message, which starts a
	# line of its own.
	grep -q '^p2pcp: copied 4.00 MiB from src.bin to dst.bin' tty.txt ||
		fail "the final message does not start a line: $(cat -A tty.txt)"
	run --sysmem --progress src.bin dst.bin
	expect_status 0
	! grep -q "bytes (.*) copied" err.txt || fail "progress lines without a terminal: $(cat err.txt)"
}

# Standard output that cannot be written (/dev/full) is an error that is
# reported, whatever ran: exit 1, one message.
case_stdout_full() {
	local long
	"$P2PCP" --help >/dev/full 2>err.txt
	status=$?
	expect_status 1
	expect_err "^p2pcp: write error on standard output$"
	# A JSON object larger than stdio's buffer: its first flush fails
	# inside printf, which drops the rest, so the final fflush() has
	# nothing left to write and only ferror() still knows.  Paths of
	# about 3800 characters ("./" over and over) make it that large.
	setup
	long=$(printf './%.0s' $(seq 1900))
	run --sysmem --dry-run --json "${long}src.bin" "${long}dst.bin"
	expect_status 0
	[ "$(stat -c %s out.txt)" -gt 8192 ] ||
		fail "the JSON object is too small to overflow stdio's buffer"
	"$P2PCP" --sysmem --dry-run --json "${long}src.bin" "${long}dst.bin" \
		>/dev/full 2>err.txt
	status=$?
	expect_status 1
	expect_err "^p2pcp: write error on standard output$"
}

# P2PCP_TESTING (p2pcp(1), TESTING): a list of known switches is taken
# (none of them changes a --sysmem copy); anything else is refused
# before any write, naming the first entry that is not a switch.
case_testing_switches() {
	setup
	P2PCP_TESTING=no-sentinels,no-arrival-check,no-fabric-watch,lose-chunk=3 \
		run --sysmem --chunk-size 64k src.bin dst.bin
	expect_status 0
	cmp src.bin dst.bin || fail "copy with testing switches differs"
	setup
	P2PCP_TESTING=no-sentinels,bogus,lose-chunk=0 \
		refused --sysmem src.bin dst.bin
	expect_status 2
	expect_err "P2PCP_TESTING: 'bogus' is not a testing switch"
	P2PCP_TESTING=lose-chunk=0 refused --sysmem src.bin dst.bin
	expect_status 2
	expect_err "P2PCP_TESTING: 'lose-chunk=0' is not a testing switch"
	# A switch's name is matched whole, '=' included.
	P2PCP_TESTING=lose-chunk:12 refused --sysmem src.bin dst.bin
	expect_status 2
	expect_err "P2PCP_TESTING: 'lose-chunk:12' is not a testing switch"
	# corrupt-chunk=N: a chunk number from 1, not a size in blocks.
	P2PCP_TESTING=no-fabric-watch,corrupt-chunk=0 refused --sysmem src.bin dst.bin
	expect_status 2
	expect_err "P2PCP_TESTING: 'corrupt-chunk=0': corrupt-chunk=N needs N >= 1"
	P2PCP_TESTING=corrupt-chunk=2s refused --sysmem src.bin dst.bin
	expect_status 2
	expect_err "P2PCP_TESTING: 'corrupt-chunk=2s': corrupt-chunk=N needs N >= 1"
}

# write_mbr FILE: an MBR partition table, one Linux partition from 1 MiB.
write_mbr() {
	python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 4096))
    f.write(bytes(48))
    f.seek(510)
    f.write(b"\x55\xaa")
PY
}

# A block-device DST that holds a signature (here an MBR partition
# table) is refused before any write unless --force (item 4 of the
# destination checks).
case_dst_signature() {
	# A regular file is copied into like cp, whatever it holds.
	random sigfile.bin $((1024 * 1024))
	write_mbr sigfile.bin
	probe=$(blkid -p sigfile.bin 2>/dev/null) || true
	[[ $probe == *'PTTYPE="dos"'* ]] ||
		fail "blkid sees no partition table in sigfile.bin"
	random src.bin $((1024 * 1024))
	run --sysmem src.bin sigfile.bin
	expect_status 0
	cmp src.bin sigfile.bin || fail "a file DST with a signature was not copied into"
	random sig.img $((4 * 1024 * 1024))
	write_mbr sig.img
	cp sig.img sig.orig
	loop_attach sig.img
	refused_keeps sig.img --sysmem src.bin "$loop"
	expect_err "DST $loop holds a partition table signature \\(dos\\); refusing to overwrite it \\(use --force"
	run --sysmem --force src.bin "$loop"
	expect_status 0
	same_range src.bin 0 sig.img 0 $((1024 * 1024))
	same_range sig.orig $((1024 * 1024)) sig.img $((1024 * 1024)) $((3 * 1024 * 1024))
}

# expect_lines LINE...: stderr is exactly these lines.
expect_lines() {
	diff <(printf '%s\n' "$@") err.txt >&2 ||
		fail "stderr is not exactly the lines above (<) but (>)"
}

# A usage error is one line naming the option as typed (not getopt's
# own message too), then the --help hint; nothing is written.
case_usage_messages() {
	local hint="Try 'p2pcp --help' for more information."
	setup
	refused --sysmem --no-such-option src.bin dst.bin
	expect_status 2
	expect_lines "p2pcp: option '--no-such-option' is unknown, ambiguous or lacks its argument" "$hint"
	# An unknown letter inside a cluster is named alone.
	refused -qx --sysmem src.bin dst.bin
	expect_status 2
	expect_lines "p2pcp: option '-x' is unknown, ambiguous or lacks its argument" "$hint"
	# A long option without its argument is named as typed.
	refused --sysmem --chunk-size
	expect_status 2
	expect_lines "p2pcp: option '--chunk-size' is unknown, ambiguous or lacks its argument" "$hint"
	refused --sysmem src.bin
	expect_lines "p2pcp: expected SRC and DST, got 1 argument" "$hint"
	refused --sysmem src.bin dst.bin dst.bin
	expect_lines "p2pcp: expected SRC and DST, got 3 arguments" "$hint"
	# ... also at the end, after the operands: it takes none of them.
	refused --sysmem 4096 src.bin dst.bin --length
	expect_status 2
	expect_lines "p2pcp: option '--length' is unknown, ambiguous or lacks its argument" "$hint"
	refused --json --sysmem src.bin dst.bin --chunk-size
	expect_status 2
	grep -q '"exit": *2' out.txt || fail "no JSON usage error: $(cat out.txt)"
}

# What a --sysmem copy prints: one line on stderr and nothing on stdout;
# nothing with -q; under --json one object and nothing on stderr, which
# claims no verification and no arrival check that was not made, and
# times the copy alone.
case_outputs() {
	setup
	# -V prints the version alone, -h the usage, both on stdout.
	run -V
	expect_status 0
	grep -qx 'p2pcp [0-9][0-9.]*' out.txt || fail "-V printed: $(cat out.txt)"
	run -h
	expect_status 0
	grep -q '^Usage: p2pcp \[OPTIONS\] SRC DST$' out.txt || fail "-h printed: $(head -3 out.txt)"
	run --sysmem src.bin dst.bin
	expect_status 0
	[ ! -s out.txt ] || fail "a copy printed on stdout: $(cat out.txt)"
	expect_lines "$(grep '^p2pcp: copied 5.01 MiB from src.bin to dst.bin through system memory in [0-9.]* s ([0-9.]* MB/s, block engine)$' err.txt)"
	run -q --sysmem src.bin dst.bin
	expect_status 0
	[ ! -s out.txt ] && [ ! -s err.txt ] || fail "-q printed: $(cat out.txt err.txt)"
	cmp src.bin dst.bin || fail "-q copy differs"
	run --sysmem --json src.bin dst.bin
	expect_status 0
	[ ! -s err.txt ] || fail "--json printed on stderr: $(cat err.txt)"
	json_check 0 "'verified' not in d" "'arrival' not in d" \
		"0 < d['seconds'] < 600"
}

# Refusals to open name the side, the path and the kernel's reason; "for
# writing" only where the reason is a permission (here an immutable
# DST: EPERM even for root).
case_open_errors() {
	setup
	refused --sysmem src.bin/x dst.bin
	expect_status 2
	expect_lines "p2pcp: SRC src.bin/x: cannot open: Not a directory"
	refused --sysmem src.bin src.bin/new.bin
	expect_status 2
	expect_lines "p2pcp: DST src.bin/new.bin: cannot open: Not a directory"
	chattr +i dst.bin 2>/dev/null || {
		echo "chattr +i does not work here" >&2
		exit 77
	}
	trap 'chattr -i "$WORK/dst.bin"; rm -rf "$WORK"' EXIT
	refused --sysmem src.bin dst.bin
	expect_status 2
	expect_lines "p2pcp: DST dst.bin: cannot open for writing: Operation not permitted"
}

# A DST file p2pcp created is removed again when the run is refused, but
# only if the name still leads to that file: a file renamed over the
# name meanwhile (the shim does it right after the creating open) is
# someone else's and stays.
case_created_dst_swapped() {
	setup
	run --sysmem --src-offset 1G src.bin new.bin
	expect_status 2
	[ ! -e new.bin ] || fail "a refused run left the DST it created"
	random other.bin 4096
	cp other.bin other.orig
	run_swapped new.bin other.bin -- --sysmem --src-offset 1G src.bin new.bin
	expect_status 2
	[ ! -e other.bin ] || fail "the shim did not rename other.bin over new.bin"
	[ -e new.bin ] || fail "a refused run removed a file it did not create"
	cmp new.bin other.orig || fail "the file renamed over DST changed"
}

# shrunk_verify SIDE-FILE SYNC SIZE -- P2PCP-ARGS...: run p2pcp with the
# shim cutting SIDE-FILE to SIZE bytes at its SYNC-th fdatasync(), after
# the copy's bytes are durable and before they are read back.
shrunk_verify() {
	local path=$1 at=$2 to=$3
	shift 4
	env LD_PRELOAD="$SWAP_SHIM" SHRINK_PATH="$path" SHRINK_AT_SYNC="$at" \
		SHRINK_TO="$to" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$P2PCP" "$@" >out.txt 2>err.txt
	status=$?
}

# A read failure while verifying (issue 18 item 7) is worded as every
# stop is: the side, the absolute byte, the cause — here a SRC or DST
# that shrank after the copy, which "ends there" rather than EIO — and
# the part verified.  Both the O_DIRECT part and the buffered tail.
case_verify_stops() {
	setup
	[ -n "${SWAP_SHIM:-}" ] && [ -e "$SWAP_SHIM" ] || fail "SWAP_SHIM not set"
	random src.bin $((8 * 1024 * 1024))
	# Range from 1 MiB: SRC ends at its byte 4 MiB, the range's 3 MiB.
	shrunk_verify src.bin 1 4194304 -- --sysmem --verify --json \
		--chunk-size 1M --src-offset 1M --length 6M src.bin dst.bin
	expect_status 1
	json_check 1 "d['fail_side'] == 'src'" "d['fail_offset'] == 4194304" \
		"d['verified_done'] == 3145728" \
		"'verify: read error on SRC src.bin at byte 4194304 (block 8192): SRC ends there' in d['error']" \
		"'3145728' not in d['error'].split('verified')[0]" \
		"'Input/output error' not in d['error']"
	random src.bin $((8 * 1024 * 1024))
	shrunk_verify src.bin 1 4194304 -- --sysmem --verify \
		--chunk-size 1M --src-offset 1M --length 6M src.bin dst.bin
	expect_status 1
	expect_err "^p2pcp: verify: read error on SRC src.bin at byte 4194304 \(block 8192\): SRC ends there \(it shrank after the copy\); the copy itself completed \(6291456 bytes\); SRC bytes \[1048576, 4194304\) were verified equal to DST bytes \[0, 3145728\)$"
	# DST read back at an offset, cut short after the copy.
	random src.bin $((8 * 1024 * 1024))
	random dst.bin $((8 * 1024 * 1024))
	shrunk_verify dst.bin 1 6291456 -- --sysmem --verify --json \
		--chunk-size 1M --dst-offset 2M --length 6M src.bin dst.bin
	expect_status 1
	json_check 1 "d['fail_side'] == 'dst'" "d['fail_offset'] == 6291456" \
		"d['verified_done'] == 4194304" \
		"'verify: read error on DST dst.bin at byte 6291456 (block 12288): DST ends there' in d['error']"
	# The buffered tail: SRC of 4 MiB + 100 bytes, cut to 4 MiB + 50
	# after the tail's own flush (the second fdatasync).
	random src.bin $((4 * 1024 * 1024 + 100))
	rm -f new.bin
	shrunk_verify src.bin 2 4194354 -- --sysmem --verify src.bin new.bin
	expect_status 1
	expect_err "^p2pcp: verify: read error on SRC src.bin at byte 4194354 \(block 8192\): SRC ends there \(it shrank after the copy\); the copy itself completed \(4194404 bytes\); SRC bytes \[0, 4194304\) were verified equal to DST bytes \[0, 4194304\)$"
}

case_sigint() { interrupt INT 130; }
case_sigterm() { interrupt TERM 143; }
# A hangup (ssh or the terminal gone) stops as they do; it killed the
# copy (129 from the shell) with no durable prefix and no resume line.
case_sighup() {
	interrupt HUP 129
	env LD_PRELOAD="$SWAP_SHIM" SIGNAL_AFTER_OPEN=new.bin SIGNAL_NUMBER=1 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$P2PCP" --json --sysmem src.bin new.bin >out.txt 2>err.txt
	status=$?
	expect_status 129
	json_check 129 "d['dst_removed'] is True" \
		"'interrupted before the copy started' in d['error']"
}

"case_$CASE"
