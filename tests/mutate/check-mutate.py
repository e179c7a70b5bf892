#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tools/mutate's self-test, on a project of one file (tests/mutate/fixture).

usage: check-mutate.py SOURCE_ROOT

The fixture has exactly three mutants: two that change what clamp_len
returns, which its test must kill, and one that cannot change anything
(twice's r is assigned before it is read).  Checked:
- tools/mutate finds exactly those three;
- a run kills the two, and the third survives: reported SURVIVED and the
  target missed (exit 1) without --equivalent, reported equivalent and
  left out of the score (exit 0, 100%) with it;
- tools/mutate --list on the project itself works, so GROUPS names files
  that exist.
"""
import os
import shutil
import subprocess
import sys
import tempfile

KILLABLE = [
    "src/twice.c:11 [flip-compare] if (len > max)  ->  if (len <= max)",
    "src/twice.c:11 [drop-check] if (len > max)  ->  if (0 && (len > max))",
]
EQUIVALENT = "src/twice.c:18 [off-by-one] int r = 0;  ->  int r = 1;"


def run(cmd, cwd=None):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def expect(cond, what, output=""):
    if not cond:
        print("FAIL: " + what)
        if output:
            print(output)
        sys.exit(1)
    print("ok: " + what)


def main():
    root = os.path.realpath(sys.argv[1])
    mutate = os.path.join(root, "tools", "mutate")
    for tool in ("git", "gcov", "meson", "ninja", "cc"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed; tools/mutate needs it" % tool)
            return 77

    # Every function is in the population, whatever its return type and
    # wherever it is written (issue 20: functions returning an enum or a
    # struct pointer, or with the type on the line before, were left out).
    import importlib.machinery
    tool = importlib.machinery.SourceFileLoader("mutate", mutate).load_module()
    text = ("static const int t[2] = { f(1) };\n"
            "enum why plan(int a)\n{\n\tif (a > 1)\n\t\treturn 1;\n}\n"
            "static enum why\nhidden(int a)\n{\n\treturn a < 2;\n}\n"
            "static const struct s *find(int a)\n{\n\treturn a == 3 ? 0 : 0;\n}\n"
            "struct s *make(int a)\n{\n\treturn a != 4 ? 0 : 0;\n}\n")
    lines = {line.strip() for _, line in tool.code_lines(text)}
    expect(lines == {"if (a > 1)", "return 1;", "return a < 2;",
                     "return a == 3 ? 0 : 0;", "return a != 4 ? 0 : 0;"},
           "the bodies of functions returning an enum or a struct pointer, "
           "or with the type on the line before, are mutated; file-scope "
           "initialisers are not", repr(sorted(lines)))

    status, out = run([mutate, "--list"], cwd=root)
    expect(status == 0, "tools/mutate --list on the project: every file "
           "of GROUPS exists", out)

    with tempfile.TemporaryDirectory(
            dir=os.environ.get("MESON_BUILD_ROOT")) as tmp:
        fixture = os.path.join(tmp, "fixture")
        shutil.copytree(os.path.join(root, "tests", "mutate", "fixture"),
                        fixture)
        # tools/mutate copies what git lists: tracked and untracked files.
        run(["git", "init", "-q"], cwd=fixture)
        equivalent = os.path.join(tmp, "equivalent")
        with open(equivalent, "w") as f:
            f.write("# r is assigned before it is read.\n%s\n" % EQUIVALENT)
        base = [mutate, "--source", fixture, "--files", "src/twice.c",
                "--suites", "unit", "--target", "100"]

        status, out = run(base + ["--list"])
        listed = [line for line in out.splitlines()
                  if line.startswith("src/")]
        expect(listed == KILLABLE + [EQUIVALENT],
               "the fixture's mutants are exactly the three expected", out)

        status, out = run(base)
        for m in KILLABLE:
            expect("killed: " + m in out, "killed: " + m, out)
        expect("SURVIVED: " + EQUIVALENT in out,
               "the equivalent mutant survives", out)
        expect(status == 1 and "2 of 3 killed" in out,
               "without --equivalent it counts: 2 of 3, target missed", out)

        status, out = run(base + ["--equivalent", equivalent])
        expect("equivalent: " + EQUIVALENT in out,
               "with --equivalent it is reported as equivalent", out)
        expect(status == 0 and "2 of 2 killed (100.0%)" in out and
               "census of 3" in out,
               "and left out of the score: 2 of 2, a census of 3", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
