# SPDX-License-Identifier: GPL-2.0-or-later
# lab-args: --topology cmb-src --disk-size 64M
# lab-needs: p2pcp
#
# The only CMB is SRC's own: --provider auto picks it and the copy works.
set -eu
. /lab/tests/lib.sh

expect_auto_provider_copy "$SRC_BDF" $((8 << 20))
