#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A destination the user may not write is refused before anything is
# written, whoever runs the test: as root (CI) the check runs under a
# dropped identity (setpriv), since root's open() ignores file modes.
#
# usage: datapath-readonly.sh P2PCP CASE
set -uo pipefail

. "$(dirname "$(readlink -f "$0")")/lib.sh"

P2PCP=$(readlink -f "$1")
CASE=$2
enter_workdir datapath-ro
chmod 755 "$WORK"

# as_user CMD...: run CMD as an unprivileged user; as that user already
# when not root.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all --bounding-set=-all -- "$@"
	else
		"$@"
	fi
}

# The user must reach p2pcp and the work directory, or the test would
# pass on a refusal for the wrong reason.
check_reachable() {
	as_user test -x "$P2PCP" ||
		skip "p2pcp at $P2PCP is not reachable by uid 65534"
	as_user test -r src.bin || skip "$WORK is not readable by uid 65534"
}

setup() {
	head -c $((1024 * 1024 + 512)) /dev/urandom >src.bin
	head -c $((2 * 1024 * 1024)) /dev/urandom >dst.bin
	chmod 644 src.bin
	chmod 444 dst.bin
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv is missing"
	fi
	check_reachable
}

# refused_as_user ARGS...: p2pcp run as the user must fail with exit 2,
# name DST in one line, and leave dst.bin as it was.
refused_as_user() {
	local before status
	before=$(sha256sum dst.bin)
	as_user "$P2PCP" "$@" >out.txt 2>err.txt
	status=$?
	[ "$status" = 2 ] || fail "exit status $status, expected 2: $(cat err.txt)"
	grep -q "DST dst.bin: cannot open for writing" err.txt ||
		fail "no 'cannot open for writing' message: $(cat err.txt)"
	[ "$(wc -l <err.txt)" = 1 ] || fail "more than one line: $(cat err.txt)"
	[ "$before" = "$(sha256sum dst.bin)" ] || fail "dst.bin changed"
}

# The same run with a writable DST must succeed: proves the refusal is
# about DST's mode, not about the dropped identity reaching nothing.
test_control_writable() {
	setup
	chmod 666 dst.bin
	as_user "$P2PCP" --sysmem src.bin dst.bin 2>err.txt ||
		fail "copy as uid $(as_user id -u) failed: $(cat err.txt)"
	cmp -s src.bin <(head -c $((1024 * 1024 + 512)) dst.bin) ||
		fail "copy differs"
}

test_readonly_file() {
	setup
	refused_as_user --sysmem src.bin dst.bin
}

test_readonly_ranged() {
	setup
	refused_as_user --sysmem --src-offset 512 --dst-offset 4096 \
		--length 64k --verify src.bin dst.bin
}

test_readonly_json() {
	setup
	refused_as_user --sysmem --json src.bin dst.bin
	python3 -c '
import json, sys
d = json.load(open("out.txt"))
assert d["exit_code"] == 2, d
' || fail "no JSON error object: $(cat out.txt)"
}

"test_$CASE"
