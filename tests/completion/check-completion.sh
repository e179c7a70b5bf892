#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Load bash-completion and one of our completion files into this shell,
# complete a few command lines against a fake sysfs tree, and compare.
#
#   check-completion.sh BASH_COMPLETION_SCRIPT COMPLETION_DIR BUILD_ROOT
#
# Skips (77) only when bash-completion itself is not installed.

set -u
export LC_ALL=C

bc_script=$1
compdir=$2
buildroot=$3

if [[ ! -r $bc_script ]]; then
	echo "SKIP: bash-completion is not installed ($bc_script)"
	exit 77
fi

# bash-completion expects an interactive-like shell; it needs no terminal.
# shellcheck disable=SC1090
. "$bc_script" || { echo "FAIL: cannot load $bc_script"; exit 1; }
for f in p2pcp p2p-check; do
	[[ -r $compdir/$f ]] || continue
	# shellcheck disable=SC1090
	. "$compdir/$f" || { echo "FAIL: cannot load $compdir/$f"; exit 1; }
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
export P2PCP_SYSROOT=$tmp
mkdir -p "$tmp/sys/class/block" "$tmp/sys/class/nvme" "$tmp/sys/bus/pci/devices"
mkdir "$tmp/sys/class/nvme/nvme0" "$tmp/sys/class/nvme/nvme1"
for d in nvme0n1 nvme0n1p1 nvme0n1p2 nvme1n1 nvme1c1n1 nvme10n1 sda sda1 loop0; do
	mkdir "$tmp/sys/class/block/$d"
done
for d in 0000:00:00.0 0000:00:03.0 0000:01:00.0 0001:02:00.0; do
	mkdir "$tmp/sys/bus/pci/devices/$d"
done
# A regular file, for the fallback to file names.
mkdir "$tmp/work" && : >"$tmp/work/image.raw"

failures=0
checks=0

# complete WORD... : run the completion function registered for WORD[0]
# with the cursor on the last word, as readline would have split the line
# (COMP_WORDBREAKS splits at ':' and '='), and print COMPREPLY sorted.
complete_words()
{
	local spec func line
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	line="${COMP_WORDS[*]}"
	# Words split at a word break are joined without spaces on the line.
	line=${line// : /:}
	line=${line// = /=}
	line=${line// :/:}
	line=${line// =/=}
	COMP_LINE=$line
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	spec=$(complete -p "$1" 2>/dev/null) || { echo "<no completion for $1>"; return; }
	func=${spec#*-F }
	func=${func%% *}
	"$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect "EXPECTED" WORD... : the sorted completions must equal EXPECTED.
expect()
{
	local want=$1 got
	shift
	checks=$((checks + 1))
	got=$(complete_words "$@")
	if [[ $got == "$want" ]]; then
		echo "ok: '$*' -> '$got'"
	else
		echo "FAIL: '$*': expected '$want', got '$got'"
		failures=$((failures + 1))
	fi
}

# expect_has "OPTION..." WORD... : every OPTION must be among the completions.
expect_has()
{
	local want=$1 got o missing=
	shift
	checks=$((checks + 1))
	got=" $(complete_words "$@") "
	for o in $want; do
		[[ $got == *" $o "* ]] || missing+=" $o"
	done
	if [[ -z $missing ]]; then
		echo "ok: '$*' offers all of: $want"
	else
		echo "FAIL: '$*' does not offer:$missing (got:$got)"
		failures=$((failures + 1))
	fi
}

# The built program of a meson target, if it is declared.
target_file()
{
	python3 - "$buildroot" "$1" <<'EOF'
import json, os, sys
try:
    with open(os.path.join(sys.argv[1], 'meson-info', 'intro-targets.json')) as f:
        targets = json.load(f)
except OSError:
    sys.exit(0)
for t in targets:
    if t['name'] == sys.argv[2] and t['type'] == 'executable':
        print(t['filename'][0])
EOF
}

# Every long option of PROGRAM --help must be completed after "--".
help_options_completed()
{
	local prog=$1 bin opts
	bin=$(target_file "$prog")
	if [[ -z $bin ]]; then
		echo "note: $prog is not declared in the build yet; not comparing with its --help"
		return
	fi
	checks=$((checks + 1))
	if ! opts=$("$bin" --help 2>&1); then
		echo "FAIL: $bin --help failed: $opts"
		failures=$((failures + 1))
		return
	fi
	opts=$(grep -oE -- '(^|[^[:alnum:]-])--[[:alnum:]][[:alnum:]-]*' <<<"$opts" |
		grep -oE -- '--[[:alnum:]-]+' | sort -u | tr '\n' ' ')
	expect_has "$opts" "$prog" --
}

cd "$tmp/work" || exit 1

if [[ -r $compdir/p2pcp ]]; then
	expect "--verify --version" p2pcp --ver
	expect "--dry-run --dst-offset" p2pcp --d
	expect "/dev/nvme0n1 /dev/nvme0n1p1 /dev/nvme0n1p2 /dev/nvme10n1 /dev/nvme1n1" \
		p2pcp ""
	expect "/dev/nvme1n1" p2pcp --quiet /dev/nvme0n1 /dev/nvme1n
	expect "/dev/nvme10n1 /dev/nvme1n1" p2pcp -q /dev/nvme0n1 /dev/nvme1
	expect "/dev/nvme0n1p1 /dev/nvme0n1p2" p2pcp --length 8G /dev/nvme0n1p
	expect "" p2pcp /dev/nvme0n1 /dev/nvme1n1 ""
	expect "image.raw" p2pcp /dev/nvme0n1 im
	expect "" p2pcp --chunk-size ""
	expect "0000:00:00.0 0000:00:03.0 0000:01:00.0 0001:02:00.0 auto" \
		p2pcp --provider ""
	expect "auto" p2pcp --provider a
	# "0000:0" is split at ':' by readline: only the rest is replaced.
	expect "00:00.0 00:03.0 01:00.0" p2pcp --provider 0000 : 0
	expect "p2pmem sysmem" p2pcp --verify = ""
	expect "sysmem" p2pcp --verify = s
	help_options_completed p2pcp
else
	echo "FAIL: no completion/p2pcp"
	failures=$((failures + 1))
fi

if [[ -r $compdir/p2p-check ]]; then
	expect "--help" p2p-check --h
	expect "--tree" p2p-check --json --t
	expect "--file" p2p-check --json /dev/nvme0n1 --f
	expect "amd-pre-zen amd-zen" p2p-check --cpu amd
	expect "6.11 6.12" p2p-check --kernel 6.1
	expect "image.raw" p2p-check -F i
	expect_has "/dev/nvme0n1 /dev/nvme1n1 0000:01:00.0 0001:02:00.0 nvme0 nvme1" \
		p2p-check ""
	expect "nvme0 nvme1" p2p-check /dev/nvme0n1 nvme
	expect "/dev/nvme1n1" p2p-check /dev/nvme1n
	expect "01:00.0" p2p-check 0000 : 01
	expect "" p2p-check /dev/sd
	help_options_completed p2p-check
fi

echo "$((checks - failures)) passed, $failures failed"
((failures == 0))
