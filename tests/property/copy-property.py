#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Property tests of p2pcp's copy (--sysmem) against a reference model.

Each case draws a random geometry (endpoint kinds and logical block
sizes, offsets, length, tail, chunk size, queue depth, --verify, size
units), works out what a correct p2pcp must do with a few lines of
Python (the reference: refuse with exit 2 and write nothing, or copy
exactly the byte range), runs p2pcp, and compares the exit status, the
one-line message and the WHOLE destination afterwards, so bytes outside
the range are checked too.  The "interrupt" tier stops copies with
SIGINT at random points and resumes them from the offsets p2pcp prints.

Every case has its own seed; a failure prints the command that replays
it.  The run is bounded by time (CI) or by a case count:

    copy-property.py P2PCP TIER [--seed N] [--cases N] [--seconds S]

The first seed is random unless given, and printed first, so any run can
be replayed; a fixed seed and a case count (P2PCP_PROPERTY_SEED and
P2PCP_PROPERTY_CASES, as tools/mutate sets them) make a run the same
cases every time, whatever the machine's speed.

TIER is "files" (regular files), "loop" (loop devices with 512, 4096
and 8192-byte logical blocks, mixed with files; root only) or
"interrupt".  P2PCP_PROPERTY_SECONDS overrides the time budget of every
tier (run longer on demand), P2PCP_PROPERTY_SEED the first seed,
P2PCP_PROPERTY_CASES the number of cases.
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

T_EXIT_PASS = 0
T_EXIT_FAIL = 1
T_EXIT_SKIP = 77

EXIT_OK, EXIT_IO, EXIT_USAGE, EXIT_MISMATCH, EXIT_SIGINT = 0, 1, 2, 4, 130
MAX_CHUNK = 64 << 20
LOOP_SIZE = 3 << 20  # every loop device's size: a multiple of 8192
SECTOR_SIZES = (512, 4096, 8192)

RESUME_RE = re.compile(
    r"interrupted: copied SRC bytes \[\d+, \d+\) to DST bytes \[\d+, \d+\) \((\d+) bytes\); "
    r"resume with --src-offset (\d+) --dst-offset (\d+) --length (\d+)$")

class Failure(Exception):
    pass


class Endpoint:
    """One SRC or DST: a regular file or a loop device over a file."""

    def __init__(self, path, align, is_block, backing=None):
        self.path = path
        self.align = align
        self.is_block = is_block
        self.backing = backing

    def read(self):
        with open(self.path, "rb") as f:
            return f.read()

    def write_all(self, data):
        if self.is_block:
            fd = os.open(self.path, os.O_WRONLY)
            try:
                os.pwrite(fd, data, 0)
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            with open(self.path, "wb") as f:
                f.write(data)


def losetup(backing, sector_size):
    out = subprocess.run(
        ["losetup", "--find", "--show", "--sector-size", str(sector_size),
         backing], capture_output=True, text=True)
    if out.returncode:
        raise OSError(out.stderr.strip())
    return out.stdout.strip()


def losetup_detach(dev):
    subprocess.run(["losetup", "--detach", dev], capture_output=True)


def file_alignment(p2pcp, work):
    """The O_DIRECT alignment of files here, as the filesystem reports it."""
    a, b = os.path.join(work, "probe-a"), os.path.join(work, "probe-b")
    for p in (a, b):
        with open(p, "wb") as f:
            f.write(b"\0" * 65536)
    out = subprocess.run([p2pcp, "--sysmem", "--dry-run", "--json", a, b],
                         capture_output=True, text=True)
    m = re.search(r'"alignment":\s*(\d+)', out.stdout)
    if not m:
        raise Failure("cannot learn the file alignment: " + out.stdout +
                      out.stderr)
    return int(m.group(1))


def size_arg(rng, value, lbs):
    """Spell @value in one of the forms p2pcp accepts (p2pcp(1) SIZE)."""
    forms = [str(value)]
    if lbs and value % lbs == 0:
        forms.append("%ds" % (value // lbs))
    for suffix, mult in (("k", 1024), ("KiB", 1024), ("M", 1 << 20),
                         ("MiB", 1 << 20), ("kB", 1000), ("MB", 1000000)):
        if value and value % mult == 0:
            forms.append("%d%s" % (value // mult, suffix))
    # Leading zeros are decimal (issue 10 item 6), hex needs 0x.
    forms += ["0" + forms[0], "00" + forms[-1], "%#x" % value]
    return rng.choice(forms)


class Case:
    """A geometry and what the reference says p2pcp must do with it."""

    def __init__(self, seed):
        self.seed = seed
        self.args = []
        self.expect = None  # exit status
        self.src = self.dst = None
        self.soff = self.doff = self.length = 0
        self.src_data = self.dst_data = b""

    def describe(self):
        return "src=%s(align %d, %d bytes) dst=%s(align %d, %d bytes) " \
            "args=%s expect=%s" % (
                self.src.path, self.src.align, len(self.src_data),
                self.dst.path, self.dst.align, len(self.dst_data),
                " ".join(self.args), self.expect)


def pick_offset(rng, limit, align, allow_misaligned):
    """An offset in [0, limit], usually aligned, sometimes not."""
    if allow_misaligned and rng.random() < 0.06:
        return rng.choice([rng.randrange(1, 512),
                           rng.randrange(1, max(2, limit + 1)),
                           512 * rng.randrange(1, 64) + 0])
    if rng.random() < 0.2:
        return 0
    return align * rng.randrange(0, limit // align + 1)


def pick_chunk(rng, align):
    if rng.random() < 0.05:
        # Not a multiple of the alignment (refused) or a tiny one.
        return rng.choice([512, 1000, 4096, 3 * 512, align + 512])
    mult = rng.choice([1, 1, 2, 3, 4, 7, 8, 16, 64, 128, 256])
    return min(align * mult, MAX_CHUNK)


def pick_length(rng, src_avail, align, tail_chance):
    """A length from @soff, mostly inside SRC, with or without a tail."""
    r = rng.random()
    if r < 0.05:
        return src_avail + rng.randrange(1, 3 * align)  # past the end
    if src_avail == 0:
        return 0
    if r < 0.25:
        return src_avail
    whole = align * rng.randrange(0, src_avail // align + 1)
    if rng.random() < tail_chance:
        whole += rng.randrange(1, align)  # a tail
    return min(max(whole, 1), src_avail)


def reference(case, whole_file):
    """Expected exit status and DST content, or (EXIT_USAGE, unchanged)."""
    s, d = case.src, case.dst
    align = max(s.align, d.align)
    ssize, dsize = len(case.src_data), len(case.dst_data)
    soff, doff, length = case.soff, case.doff, case.length
    # issue 10 item 15: an empty range succeeds and copies nothing;
    # item 5: a file DST may grow only from a range starting at or
    # before its end.
    refused = (soff > ssize or soff + length > ssize or
               (not d.is_block and doff > dsize) or
               soff % align or doff % align or case.chunk % align or
               (d.is_block and doff + length > dsize) or
               (d.is_block and length % align) or
               (case.same and soff < doff + length and doff < soff + length))
    if refused:
        return EXIT_USAGE, case.dst_data
    new = bytearray(case.dst_data)
    if len(new) < doff + length:
        new.extend(b"\0" * (doff + length - len(new)))
    new[doff:doff + length] = case.src_data[soff:soff + length]
    if whole_file and not d.is_block:
        del new[length:]
    return EXIT_OK, bytes(new)


def generate(rng, case, pool):
    """Fill @case with a random geometry over endpoints from @pool."""
    case.src, case.dst = rng.choice(pool["src"]), rng.choice(pool["dst"])
    case.same = False
    if not case.src.is_block and not case.dst.is_block and \
            rng.random() < 0.05:
        case.dst, case.same = case.src, True
    align = max(case.src.align, case.dst.align)

    ssize = LOOP_SIZE if case.src.is_block else rng.choice(
        [rng.randrange(1, 1 << 20), align * rng.randrange(1, 256),
         rng.randrange(1, 3 * align)])
    case.src_data = rng.randbytes(ssize)
    if case.same:
        dsize = ssize
    elif case.dst.is_block:
        dsize = LOOP_SIZE
    else:
        dsize = rng.choice([0, rng.randrange(0, 1 << 20),
                            align * rng.randrange(0, 256)])
    case.dst_data = case.src_data if case.same else rng.randbytes(dsize)

    whole_file = rng.random() < 0.15 and not case.same
    case.chunk = pick_chunk(rng, align)
    case.qd = rng.choice([1, 1, 2, 3, 4, 8, 16, 64, 256])
    case.args = ["--sysmem", "--chunk-size", str(case.chunk),
                 "--queue-depth", str(case.qd)]
    verify = rng.random() < 0.25
    if whole_file:
        case.soff = case.doff = 0
        case.length = ssize
    else:
        case.soff = pick_offset(rng, ssize, align, True)
        avail = max(ssize - case.soff, 0)
        # A tail into a block device is refused: rarely worth a case.
        case.length = pick_length(rng, avail, align,
                                  0.05 if case.dst.is_block else 0.4)
        dlimit = dsize if case.dst.is_block else dsize + 65536
        case.doff = pick_offset(rng, dlimit, align, True)
        case.args += ["--src-offset", size_arg(rng, case.soff,
                                                case.src.align),
                      "--dst-offset", size_arg(rng, case.doff,
                                                case.dst.align)]
        if case.soff + case.length != ssize or rng.random() < 0.5:
            case.args += ["--length",
                          size_arg(rng, case.length, case.src.align)]
    if not whole_file and rng.random() < 0.03:
        case.length = 0
        case.args += ["--length", "0"]
    if verify:
        case.args.append("--verify")
    case.expect, case.expect_dst = reference(case, whole_file)
    case.args += [case.src.path, case.dst.path]


def run_p2pcp(p2pcp, args, timeout=120):
    return subprocess.run([p2pcp] + args, capture_output=True, text=True,
                          timeout=timeout)


def check_message(out, expect):
    lines = [line for line in out.stderr.splitlines()
             if not line.startswith("Try 'p2pcp --help'")]
    if expect == EXIT_OK:
        if out.returncode == 0 and len(lines) > 1:
            raise Failure("more than one line on success: %r" % out.stderr)
        return
    if len(lines) != 1 or not lines[0].startswith("p2pcp: "):
        raise Failure("expected one 'p2pcp: ' line, got %r" % out.stderr)


def run_case(p2pcp, case):
    case.src.write_all(case.src_data)
    if not case.same:
        case.dst.write_all(case.dst_data)
    out = run_p2pcp(p2pcp, case.args)
    if out.returncode != case.expect:
        raise Failure("exit status %d, the reference expects %d; stderr: %s"
                      % (out.returncode, case.expect, out.stderr.strip()))
    check_message(out, case.expect)
    got = case.dst.read()
    want = case.expect_dst
    if got != want:
        raise Failure(first_difference(got, want, case.doff, case.length))


def first_difference(got, want, doff, length):
    if len(got) != len(want):
        return "DST has %d bytes, the reference %d" % (len(got), len(want))
    i = next(i for i in range(len(got)) if got[i] != want[i])
    where = "inside" if doff <= i < doff + length else "OUTSIDE"
    return "DST byte %d (%s the range [%d, %d)) differs from the reference" \
        % (i, where, doff, doff + length)


def endpoint_pool(tier, work, file_align, loops):
    def files(role):
        return [Endpoint(os.path.join(work, "%s%d.bin" % (role, i)),
                         file_align, False) for i in range(2)]
    pool = {"src": files("src"), "dst": files("dst")}
    if tier == "loop":
        for role in ("src", "dst"):
            devs = []
            for lbs in SECTOR_SIZES:
                backing = os.path.join(work, "%s-%d.img" % (role, lbs))
                with open(backing, "wb") as f:
                    f.truncate(LOOP_SIZE)
                dev = losetup(backing, lbs)
                loops.append(dev)
                devs.append(Endpoint(dev, lbs, True, backing))
            # Two of three endpoints are loop devices, one a file.
            pool[role] = devs + devs + pool[role][:1]
    return pool


def test_geometries(p2pcp, tier, work, seeds, deadline):
    loops = []
    try:
        try:
            pool = endpoint_pool(tier, work, file_alignment(p2pcp, work), loops)
        except OSError as e:
            print("cannot set up loop devices: %s" % e)
            return T_EXIT_SKIP, 0
        count = 0
        outcomes = {}
        for seed in seeds:
            if time.monotonic() > deadline:
                break
            case = Case(seed)
            generate(random.Random(seed), case, pool)
            try:
                run_case(p2pcp, case)
            except (Failure, subprocess.TimeoutExpired) as e:
                report_failure(tier, case, e)
                return T_EXIT_FAIL, count
            count += 1
            key = "exit %d" % case.expect
            outcomes[key] = outcomes.get(key, 0) + 1
        print("expected outcomes: %s" % outcomes)
        return T_EXIT_PASS, count
    finally:
        for dev in loops:
            losetup_detach(dev)


def report_failure(tier, case, err):
    print("FAIL seed %d: %s" % (case.seed, err))
    print("  case: %s" % case.describe())
    print("  replay: %s P2PCP %s --seed %d --cases 1" % (
        sys.argv[0], tier, case.seed))


# ---------------------------------------------------------------- interrupt

def interrupted_run(p2pcp, args, delay):
    """Run p2pcp, SIGINT it after @delay seconds; (status, stderr)."""
    proc = subprocess.Popen([p2pcp] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, err


def check_interrupted(case, got, status, err, soff, doff, length):
    """After exit 130: the printed prefix is copied, nothing outside moved.

    Returns the resume range (src, dst, length)."""
    line = err.strip().splitlines()
    m = RESUME_RE.search(line[-1]) if len(line) == 1 else None
    if not m:
        if "interrupted while verifying" in err:
            return None
        raise Failure("exit 130 without one resume line: %r" % err)
    done, rs, rd, rl = (int(x) for x in m.groups())
    if (rs, rd, rl) != (soff + done, doff + done, length - done):
        raise Failure("resume offsets %d %d %d do not follow from %d bytes"
                      " copied of [%d, +%d) -> %d" % (rs, rd, rl, done, soff,
                                                      length, doff))
    if got[doff:doff + done] != case.src_data[soff:soff + done]:
        raise Failure("the reported prefix of %d bytes is not in DST" % done)
    before, start, end = case.dst_data, case.doff, case.doff + case.length
    if got[:start] != before[:start] or got[end:] != before[end:]:
        raise Failure("bytes outside the range changed after SIGINT")
    return rs, rd, rl


def interrupt_case(rng, case, pool):
    case.src, case.dst = rng.choice(pool["src"]), rng.choice(pool["dst"])
    case.same = False
    align = max(case.src.align, case.dst.align)
    size = (2 + rng.randrange(0, 7)) << 20
    case.src_data = rng.randbytes(size)
    case.dst_data = rng.randbytes(size + (1 << 20))
    case.soff = align * rng.randrange(0, 64)
    case.doff = align * rng.randrange(0, 64)
    case.length = size - case.soff - rng.choice([0, 0, rng.randrange(1,
                                                                     align)])
    case.chunk = align * rng.choice([1, 2, 4, 8, 16])
    case.qd = rng.choice([1, 2, 4, 8, 16, 32])
    case.args = ["--sysmem", "--chunk-size", str(case.chunk),
                 "--queue-depth", str(case.qd)]
    if rng.random() < 0.2:
        case.args.append("--verify")
    case.expect, case.expect_dst = reference(case, False)


def run_interrupt_case(p2pcp, rng, case):
    """Interrupt up to three times, resume each time; compare at the end.

    Returns how many runs were really interrupted."""
    case.src.write_all(case.src_data)
    case.dst.write_all(case.dst_data)
    soff, doff, length = case.soff, case.doff, case.length
    interrupts = 0
    before_run = case.dst_data
    for attempt in range(4):
        args = case.args + ["--src-offset", str(soff), "--dst-offset",
                            str(doff), "--length", str(length),
                            case.src.path, case.dst.path]
        delay = rng.uniform(0, 0.15) if attempt < 3 else 120
        status, err = interrupted_run(p2pcp, args, delay)
        got = case.dst.read()
        if status == -signal.SIGINT:
            # Killed before the handler was installed: nothing written.
            if got != before_run:
                raise Failure("killed by SIGINT during planning, yet DST "
                              "changed")
            continue
        if status == EXIT_SIGINT and "before the copy started" in err:
            # Stopped while planning: nothing written, the same run again.
            if got != before_run:
                raise Failure("stopped before the copy started, yet DST "
                              "changed")
            continue
        before_run = got
        if status == EXIT_OK:
            break
        if status != EXIT_SIGINT:
            raise Failure("exit status %d after SIGINT (args %s): %s" %
                          (status, " ".join(args), err.strip()))
        interrupts += 1
        resume = check_interrupted(case, got, status, err, soff, doff,
                                   length)
        if resume is None:
            break  # the copy had completed; only verifying was stopped
        soff, doff, length = resume
    else:
        raise Failure("no run finished")
    if got != case.expect_dst:
        raise Failure("after resuming: " +
                      first_difference(got, case.expect_dst, case.doff,
                                       case.length))
    return interrupts


def test_interrupts(p2pcp, tier, work, seeds, deadline):
    pool = endpoint_pool("files", work, file_alignment(p2pcp, work), [])
    count = interrupted = 0
    for seed in seeds:
        if time.monotonic() > deadline:
            break
        rng = random.Random(seed)
        case = Case(seed)
        interrupt_case(rng, case, pool)
        try:
            interrupted += run_interrupt_case(p2pcp, rng, case)
        except (Failure, subprocess.TimeoutExpired) as e:
            report_failure(tier, case, e)
            return T_EXIT_FAIL, count
        count += 1
    print("%d of the copies were interrupted and resumed" % interrupted)
    if count >= 5 and interrupted == 0:
        print("no copy was ever interrupted: the tier tested nothing")
        return T_EXIT_FAIL, count
    return T_EXIT_PASS, count


TIERS = {"files": test_geometries, "loop": test_geometries,
         "interrupt": test_interrupts}
BUDGET = {"files": 25, "loop": 25, "interrupt": 20}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("p2pcp")
    ap.add_argument("tier", choices=sorted(TIERS))
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("P2PCP_PROPERTY_SEED", 0)) or
                    random.SystemRandom().randrange(1, 2**31))
    ap.add_argument("--cases", type=int,
                    default=int(os.environ.get("P2PCP_PROPERTY_CASES", 0)),
                    help="run exactly N cases (default: the time budget)")
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("P2PCP_PROPERTY_SECONDS",
                                                 0)) or None)
    a = ap.parse_args()
    p2pcp = os.path.realpath(a.p2pcp)
    if a.tier == "loop" and os.geteuid() != 0:
        print("loop devices need root")
        return T_EXIT_SKIP
    seconds = a.seconds or (1e9 if a.cases else BUDGET[a.tier])
    deadline = time.monotonic() + seconds
    n = a.cases or 10**9
    seeds = range(a.seed, a.seed + n)
    print("tier %s, first seed %d (replay: --seed %d%s)" % (
        a.tier, a.seed, a.seed, " --cases %d" % a.cases if a.cases else ""))
    with tempfile.TemporaryDirectory(
            dir=os.environ.get("MESON_BUILD_ROOT")) as work:
        status, count = TIERS[a.tier](p2pcp, a.tier, work, seeds, deadline)
    print("%d cases, seeds %d-%d" % (count, a.seed, a.seed + count - 1))
    if a.cases and count < a.cases and status == T_EXIT_PASS:
        print("FAIL: %d of the %d cases asked for ran before --seconds "
              "ran out" % (count, a.cases))
        return T_EXIT_FAIL
    return status


if __name__ == "__main__":
    sys.exit(main())
