# SPDX-License-Identifier: GPL-2.0-or-later
#
# Contender runner for tools/bench, in POSIX sh: the same file runs on the
# host (sh) and in the p2p-lab guest (busybox sh).  It only runs commands
# and prints one line per run; tools/bench does the arithmetic.
#
#   sh bench-run.sh MODE SRC DST LEN RUNS CHUNK DEPTH SWEEP_LEN CHUNKS DEPTHS \
#       RSS_SRC RSS_DST RSS_LENS [CONTENDERS]
#
# MODE is host (system memory only) or lab (P2P through $CMB_BDF's p2pmem,
# plus system-memory references).  CHUNKS, DEPTHS and RSS_LENS are comma
# separated byte counts / numbers.  Every run prints
#   @@BENCH {"name":..,"rep":..,"chunk":..,"depth":..,"bytes":..,
#            "stat":<runstat line>,"out":<the tool's JSON or null>,"err":".."}
# Binaries come from $PATH: p2pcp, serial-copy, runstat, fio, and dd (GNU dd
# as gnu-dd when present, for its direct I/O flags).
set -u

[ $# -ge 13 ] || {
	echo "usage: bench-run.sh MODE SRC DST LEN RUNS CHUNK DEPTH SWEEP_LEN CHUNKS DEPTHS RSS_SRC RSS_DST RSS_LENS [CONTENDERS]" >&2
	exit 2
}
MODE=$1 SRC=$2 DST=$3 LEN=$4 RUNS=$5 CHUNK=$6 DEPTH=$7 SWEEP_LEN=$8
CHUNKS=$9
shift 9
DEPTHS=$1 RSS_SRC=$2 RSS_DST=$3 RSS_LENS=$4
if [ "$MODE" = lab ]; then
	DEFAULT="p2pcp p2pcp-passthru p2pcp-nosentinels serial-p2p fio-p2p-read fio-p2p-write fio-p2p-read+write dd p2pcp-sysmem serial-sysmem fio-read fio-write"
else
	DEFAULT="p2pcp-sysmem p2pcp-sysmem-verify serial-sysmem dd fio-read fio-write fio-read+write"
fi
CONTENDERS=${5:-$DEFAULT}
TMPD=${TMPDIR:-/tmp}/bench-run.$$
mkdir -p "$TMPD" || exit 1
trap 'rm -rf "$TMPD"' EXIT

DD=dd
command -v gnu-dd >/dev/null 2>&1 && DD=gnu-dd
ALLOC=
[ "$MODE" = lab ] && ALLOC=/sys/bus/pci/devices/${CMB_BDF:-none}/p2pmem/allocate

have() { command -v "$1" >/dev/null 2>&1; }

# One line of JSON-safe text from a file: the tool's stderr, shortened.
errline() {
	tail -n 3 "$1" 2>/dev/null | tr '\n\t"\\' '    ' | cut -c1-300
}

# emit NAME REP CHUNK DEPTH BYTES: report the run whose files are in $TMPD.
emit() {
	stat=$(cat "$TMPD/stat" 2>/dev/null)
	[ -n "$stat" ] || stat=null
	# JSON has no raw newlines inside strings, so dropping them is safe.
	out=$(tr -d '\n' <"$TMPD/out" 2>/dev/null | sed 's/^[^{]*//')
	[ -n "$out" ] || out=null
	printf '@@BENCH {"name":"%s","rep":"%s","chunk":%s,"depth":%s,"bytes":%s,"stat":%s,"out":%s,"err":"%s"}\n' \
		"$1" "$2" "$3" "$4" "$5" "$stat" "$out" "$(errline "$TMPD/err")"
}

skip() { # NAME WHY
	printf '@@BENCH {"name":"%s","skipped":"%s"}\n' "$1" "$2"
}

settle() {
	sync
	[ -w /proc/sys/vm/drop_caches ] && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	return 0
}

# run NAME REP CHUNK DEPTH BYTES CMD...
run() {
	n=$1 r=$2 c=$3 d=$4 b=$5
	shift 5
	rm -f "$TMPD/stat" "$TMPD/out" "$TMPD/err"
	settle
	runstat "$TMPD/stat" "$@" >"$TMPD/out" 2>"$TMPD/err"
	emit "$n" "$r" "$c" "$d" "$b"
}

# contender NAME REP SRC DST BYTES CHUNK DEPTH
contender() {
	n=$1 r=$2 s=$3 t=$4 b=$5 c=$6 d=$7
	case $n in
	p2pcp)
		run "$n" "$r" "$c" "$d" "$b" p2pcp --json -q --provider "$CMB_BDF" \
			--length "$b" --chunk-size "$c" --queue-depth "$d" "$s" "$t"
		;;
	p2pcp-nosentinels)
		# Testing switch (p2pcp(1), TESTING): the sentinels' cost.
		run "$n" "$r" "$c" "$d" "$b" env P2PCP_TESTING=no-sentinels \
			p2pcp --json -q --provider "$CMB_BDF" \
			--length "$b" --chunk-size "$c" --queue-depth "$d" "$s" "$t"
		;;
	p2pcp-passthru)
		# The passthrough engine (NVMe commands on /dev/ngXnY) on the
		# same devices, for the engine comparison.
		run "$n" "$r" "$c" "$d" "$b" p2pcp --json -q --engine passthru \
			--provider "$CMB_BDF" --length "$b" --chunk-size "$c" \
			--queue-depth "$d" "$s" "$t"
		;;
	p2pcp-sysmem)
		run "$n" "$r" "$c" "$d" "$b" p2pcp --json -q --sysmem \
			--length "$b" --chunk-size "$c" --queue-depth "$d" "$s" "$t"
		;;
	p2pcp-sysmem-fixed)
		# --queue-depth throughout, no depth tuning: the A/B for it.
		run "$n" "$r" "$c" "$d" "$b" p2pcp --json -q --sysmem \
			--fixed-depth --length "$b" --chunk-size "$c" \
			--queue-depth "$d" "$s" "$t"
		;;
	p2pcp-sysmem-fixed)
		# --queue-depth throughout, no depth tuning: the A/B for it.
		run "$n" "$r" "$c" "$d" "$b" p2pcp --json -q --sysmem \
			--fixed-depth --length "$b" --chunk-size "$c" \
			--queue-depth "$d" "$s" "$t"
		;;
	p2pcp-sysmem-verify | p2pcp-verify)
		# The copy, then --verify: its JSON times both phases
		# ("seconds", "verify_seconds"), so the verify's rate is
		# judged against the copy's in the same process.
		prov=
		[ "$n" = p2pcp-verify ] && prov="--provider $CMB_BDF"
		[ "$n" = p2pcp-sysmem-verify ] && prov=--sysmem
		# shellcheck disable=SC2086
		run "$n" "$r" "$c" "$d" "$b" p2pcp --json -q --verify $prov \
			--length "$b" --chunk-size "$c" --queue-depth "$d" "$s" "$t"
		;;
	serial-p2p)
		run "$n" "$r" "$c" 1 "$b" serial-copy --provider "$CMB_BDF" \
			--length "$b" --chunk-size "$c" "$s" "$t"
		;;
	serial-sysmem)
		run "$n" "$r" "$c" 1 "$b" serial-copy --sysmem \
			--length "$b" --chunk-size "$c" "$s" "$t"
		;;
	dd)
		run "$n" "$r" "$c" 1 "$b" "$DD" if="$s" of="$t" bs="$c" \
			count=$((b / c)) iflag=direct oflag=direct conv=notrunc
		;;
	fio-read | fio-write | fio-p2p-read | fio-p2p-write)
		if ! have fio; then
			skip "$n" "fio not installed"
			return
		fi
		rw=${n##*-}
		f=$s
		[ "$rw" = write ] && f=$t
		mem=
		case $n in fio-p2p-*) mem=--iomem=mmapshared:$ALLOC ;; esac
		# shellcheck disable=SC2086
		run "$n" "$r" "$c" "$d" "$b" fio --name="$rw" --filename="$f" \
			--rw="$rw" --bs="$c" --iodepth="$d" --ioengine=io_uring \
			--direct=1 --size="$b" --output-format=json $mem
		;;
	fio-read+write | fio-p2p-read+write)
		# Both sides at once, as a copy loads them: the bound for a copy
		# whose source and destination share a device or a link.
		if ! have fio; then
			skip "$n" "fio not installed"
			return
		fi
		mem=
		case $n in fio-p2p-*) mem=--iomem=mmapshared:$ALLOC ;; esac
		# shellcheck disable=SC2086
		run "$n" "$r" "$c" "$d" "$b" fio --bs="$c" --iodepth="$d" \
			--ioengine=io_uring --direct=1 --size="$b" $mem \
			--output-format=json --name=read --filename="$s" --rw=read \
			--name=write --filename="$t" --rw=write
		;;
	*)
		skip "$n" "unknown contender"
		;;
	esac
}

# Interleave the contenders run by run, and rotate their order, so that
# drift, and the host writing back what the previous contender wrote, hit
# all of them alike.
order=$CONTENDERS
r=1
while [ "$r" -le "$RUNS" ]; do
	for n in $order; do
		contender "$n" "$r" "$SRC" "$DST" "$LEN" "$CHUNK" "$DEPTH"
	done
	# shellcheck disable=SC2086
	set -- $order
	first=$1
	shift
	order="$* $first"
	r=$((r + 1))
done

# p2pcp against chunk size and queue depth.
sweep=p2pcp-sysmem
[ "$MODE" = lab ] && sweep=p2pcp
for c in $(echo "$CHUNKS" | tr , ' '); do
	for d in $(echo "$DEPTHS" | tr , ' '); do
		contender "$sweep" sweep "$SRC" "$DST" "$SWEEP_LEN" "$c" "$d"
	done
done

# Peak RSS against copy length, of the copy and of the copy with
# --verify when that contender runs.
rss=$sweep
case " $CONTENDERS " in
*" $sweep-verify "*) rss="$sweep $sweep-verify" ;;
esac
for b in $(echo "$RSS_LENS" | tr , ' '); do
	for n in $rss; do
		contender "$n" rss "$RSS_SRC" "$RSS_DST" "$b" "$CHUNK" "$DEPTH"
	done
done
echo "@@BENCH-DONE"
