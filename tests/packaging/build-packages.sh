#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the release tarball, the .deb and the .rpm from the committed tree,
# lint them, and install, try and remove the .deb on this machine.
#
#   build-packages.sh SOURCE_ROOT [BUILD_ROOT]
#
# Works on a clone of SOURCE_ROOT's HEAD in a temporary directory: the
# source tree is never touched, and uncommitted changes are not tested.
# Needs root (it installs the package); skips (77) otherwise.  Needs, on
# Debian 12: git meson build-essential debhelper dpkg-dev lintian rpm
# rpmlint man-db, and p2pcp's Build-Depends (debian/control).

set -uo pipefail

src=${1:?usage: build-packages.sh SOURCE_ROOT [BUILD_ROOT]}
build=${2:-}

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: the packaging test installs a package and needs root"
	exit 77
fi

fail()
{
	echo "FAIL: $*"
	exit 1
}

# run LOG CMD...: run quietly into LOG; on failure show its end and fail.
run()
{
	local log=$1 status
	shift
	echo "+ $*"
	"$@" >"$log" 2>&1
	status=$?
	if ((status != 0)); then
		echo "--- last lines of ${log##*/}:"
		tail -n 80 "$log"
		fail "$* (exit status $status)"
	fi
}

# apt-get waits for the dpkg lock (another install may be running) and
# keeps man pages even where dpkg is configured to drop them.
apt_get()
{
	DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 \
		-o 'DPkg::Options::=--path-include=/usr/share/man/*' "$@"
}

for tool in git meson dpkg-buildpackage dh lintian rpmbuild rpmlint man \
	dpkg-parsechangelog pkg-config; do
	command -v "$tool" >/dev/null ||
		fail "$tool is not installed (see the header of $0)"
done

# The nested builds run their own meson test: do not leak ours into them.
while read -r var; do
	unset "$var"
done < <(compgen -e | grep -E '^(MESON_|MALLOC_PERTURB_$)')

installed=$(dpkg-query -W -f='${Status}' p2pcp 2>/dev/null) || true
if [[ $installed == *' installed' ]]; then
	fail "a p2pcp package is already installed; remove it first (dpkg -r p2pcp)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/p2pcp-packaging.XXXXXX") || exit 99
installed=
cleanup()
{
	if [[ $installed ]]; then
		apt_get purge p2pcp >/dev/null 2>&1 ||
			echo "warning: could not remove p2pcp"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. The release tarball: meson dist from a clean clone of the committed
# tree.  When SOURCE_ROOT is not a git checkout, it is an unpacked release
# tarball (meson dist runs the suite there): package it as it is.
if [[ $(git -C "$src" rev-parse --show-toplevel 2>/dev/null) == "$(realpath "$src")" ]]; then
	echo "testing commit $(git -C "$src" rev-parse HEAD)"
	if [[ -n $(git -C "$src" status --porcelain --untracked-files=no) ]]; then
		echo "note: $src has uncommitted changes; they are not part of this test"
	fi
	tree=$tmp/git
	run "$tmp/clone.log" git clone -q "$src" "$tree"
	run "$tmp/dist-setup.log" meson setup "$tmp/dist-build" "$tree"
	# --no-tests: the test suite runs in both package builds below.
	run "$tmp/dist.log" meson dist -C "$tmp/dist-build" --formats xztar --no-tests
	dist=$tmp/dist-build/meson-dist
else
	echo "note: $src is not a git checkout; packaging it as a release tarball"
	tree=$src
	dist=$tmp/dist
fi

version=$(meson introspect --projectinfo "$tree/meson.build" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])') ||
	fail "cannot read the project version"
tarball=$dist/p2pcp-$version.tar.xz
if [[ $tree == "$src" ]]; then
	excl=()
	# A build directory inside the source is not part of it.
	srcreal=$(realpath "$src")
	buildreal=$(realpath "${build:-/}")
	[[ $buildreal == "$srcreal"/* ]] &&
		excl=(--exclude="./${buildreal#"$srcreal"/}")
	mkdir -p "$dist" &&
		tar -C "$src" --exclude-vcs "${excl[@]}" \
			--transform "s,^\\.,p2pcp-$version," \
			-cJf "$tarball" . || fail "cannot pack $src"
fi
[[ -f $tarball ]] || fail "meson dist did not write $tarball"
echo "release tarball: ${tarball##*/}"

# One version everywhere: meson.build, debian/changelog, p2pcp.spec.
debversion=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)
[[ $debversion == "$version" ]] ||
	fail "debian/changelog says $debversion, meson.build says $version"
specversion=$(sed -n 's/^Version:[[:space:]]*//p' "$tree/p2pcp.spec")
[[ $specversion == "$version" ]] ||
	fail "p2pcp.spec says $specversion, meson.build says $version"

# 2. The .deb, from the release tarball.
mkdir "$tmp/deb" && tar -C "$tmp/deb" -xf "$tarball" || fail "cannot unpack $tarball"
(cd "$tmp/deb/p2pcp-$version" && run "$tmp/deb.log" dpkg-buildpackage -us -uc -b) ||
	exit 1
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$tmp/deb/p2pcp_${version}_$arch.deb
changes=$tmp/deb/p2pcp_${version}_$arch.changes
[[ -f $deb ]] || fail "dpkg-buildpackage did not write ${deb##*/}"
grep -E '^(Ok|Fail|Skipped):' "$tmp/deb.log" | sed 's/^/dh_auto_test: /'

echo "+ lintian --fail-on error,warning ${changes##*/}"
lintian --fail-on error,warning "$changes" 2>&1 |
	grep -v '^running with root privileges' | tee "$tmp/lintian.log"
((PIPESTATUS[0] == 0)) || fail "lintian reports errors or warnings"

# 3. Install it, try the installed programs and pages, remove it.
echo "+ apt-get install ./${deb##*/}"
installed=1
apt_get install "$deb" >"$tmp/apt-install.log" 2>&1 || {
	cat "$tmp/apt-install.log"
	fail "apt-get install ${deb##*/} failed"
}

files=$(dpkg -L p2pcp)
p2pcp=$(grep -E '^/usr/s?bin/p2pcp$' <<<"$files") || fail "the package has no p2pcp"
p2p_check=$(grep -E '^/usr/s?bin/p2p-check$' <<<"$files") ||
	fail "the package has no p2p-check"
out=$("$p2pcp" --version 2>&1) || fail "$p2pcp --version: $out"
echo "$p2pcp --version: $out"
[[ $out == *"$version"* ]] || fail "p2pcp --version does not say $version"
out=$("$p2p_check" --help 2>&1) || fail "$p2p_check --help: $out"
echo "$p2p_check --help: $(wc -l <<<"$out") lines"

pages=$(grep -E '^/usr/share/man/man[1-9]/[^/]+\.[1-9]\.gz$' <<<"$files")
grep -q '/p2pcp\.1\.gz$' <<<"$pages" || fail "the package has no p2pcp(1)"
for page in $pages; do
	name=${page##*/}
	name=${name%.gz}
	found=$(man -w "${name##*.}" "${name%.*}" 2>&1) ||
		fail "man -w ${name##*.} ${name%.*}: $found"
	[[ $found == "$page" ]] || fail "man -w ${name%.*} finds $found, not $page"
	echo "man -w ${name##*.} ${name%.*}: $found"
done

compdir=$(pkg-config --variable=completionsdir bash-completion)
for prog in p2pcp p2p-check; do
	[[ -f $compdir/$prog ]] || fail "no bash completion $compdir/$prog"
done
echo "bash completions in $compdir"

echo "+ apt-get purge p2pcp"
apt_get purge p2pcp >"$tmp/apt-purge.log" 2>&1 || {
	cat "$tmp/apt-purge.log"
	fail "apt-get purge p2pcp failed"
}
installed=
[[ ! -e $p2pcp ]] || fail "$p2pcp is still there after apt-get purge"

# 4. The .rpm, from the same tarball, with the test-only macros shim.
run "$tmp/rpm.log" rpmbuild --load "$tree/tests/rpm/macros.meson" --nodeps \
	--define "_topdir $tmp/rpm" -ta "$tarball"
grep -E '^(Ok|Fail|Skipped):' "$tmp/rpm.log" | sed 's/^/%check: /'
rpms=("$tmp"/rpm/RPMS/*/p2pcp-"$version"-*.rpm "$tmp"/rpm/SRPMS/p2pcp-"$version"-*.src.rpm)
for f in "${rpms[@]}"; do
	[[ -f $f ]] || fail "rpmbuild did not write $f"
	echo "built ${f##*/}"
done
echo "+ rpmlint p2pcp.spec ${rpms[*]##*/}"
rpmlint -c "$tree/tests/rpm/rpmlint.toml" "$tree/p2pcp.spec" "${rpms[@]}" \
	>"$tmp/rpmlint.log" 2>&1
status=$?
grep -v -E '^(=+ rpmlint session|rpmlint:|configuration:|    /|checks:|$)' "$tmp/rpmlint.log"
((status == 0)) || fail "rpmlint reports errors (exit status $status)"

echo "packaging: all checks passed"
