#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Man page checks.

  check-man.py lint SRCDIR BUILDDIR
      Every man/NAME.SECTION.in in SRCDIR must have been configured into
      BUILDDIR, must have no @PLACEHOLDER@ left, and must pass
      `mandoc -T lint -W warning` and `groff -man -ww -z` without a message.
      Skips (77) only if neither linter is installed.

  check-man.py help PAGE PROGRAM BUILDROOT
      Every long option that PROGRAM's --help prints must appear in PAGE.
      PROGRAM is a meson target name (looked up in BUILDROOT's
      introspection data) or a path to a script.  Skips (77) while no such
      target is declared yet; fails once it is and the page misses an option.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
OPTION_RE = re.compile(r'(?<![\w-])--[A-Za-z0-9][A-Za-z0-9-]*')


def fail(msg):
    print('FAIL: ' + msg)
    return 1


def lint(srcdir, builddir):
    sources = sorted(glob.glob(os.path.join(srcdir, '*.in')))
    if not sources:
        return fail('no man page sources in ' + srcdir)
    mandoc = shutil.which('mandoc')
    groff = shutil.which('groff')
    if not mandoc and not groff:
        print('SKIP: neither mandoc nor groff is installed')
        return SKIP

    bad = 0
    for src in sources:
        name = os.path.basename(src)[:-len('.in')]
        page = os.path.join(builddir, name)
        if not os.path.isfile(page):
            bad += fail('%s: not configured (add %r to man_pages in '
                        'man/meson.build)' % (name, name))
            continue
        with open(page, encoding='utf-8') as f:
            text = f.read()
        left = sorted(set(re.findall(r'@[A-Z_]+@', text)))
        if left:
            bad += fail('%s: placeholders not filled in: %s'
                        % (name, ' '.join(left)))
        if not re.match(r'\.\\" SPDX-License-Identifier: ', text):
            bad += fail('%s: first line is not an SPDX header' % name)
        runs = []
        if mandoc:
            runs.append([mandoc, '-T', 'lint', '-W', 'warning', page])
        if groff:
            runs.append([groff, '-man', '-ww', '-z', page])
        for cmd in runs:
            res = subprocess.run(cmd, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            if res.returncode != 0 or res.stdout.strip():
                bad += fail('%s: %s (exit %d):\n%s'
                            % (name, os.path.basename(cmd[0]),
                               res.returncode, res.stdout.rstrip()))
        print('%s: checked with %s' % (name, ', '.join(
            os.path.basename(c[0]) for c in runs)))
    return 1 if bad else 0


def find_program(program, buildroot):
    """Return the command to run, or None while it is not declared."""
    if os.sep in program:
        return program if os.path.isfile(program) else None
    info = os.path.join(buildroot, 'meson-info', 'intro-targets.json')
    with open(info, encoding='utf-8') as f:
        targets = json.load(f)
    for t in targets:
        if t['name'] == program and t['type'] == 'executable':
            return t['filename'][0]
    return None


def page_text(page):
    """The page's source with roff escapes reduced to plain text."""
    with open(page, encoding='utf-8') as f:
        text = f.read()
    text = text.replace('\\-', '-').replace('\\(hy', '-')
    text = re.sub(r'\\f(\[[^]]*\]|\(..|.)', '', text)
    text = text.replace('\\&', '').replace('\\%', '')
    return text


def help_check(page, program, buildroot):
    cmd = find_program(program, buildroot)
    if cmd is None:
        print('SKIP: %s is not declared in the build yet' % program)
        return SKIP
    if not os.path.isfile(page):
        return fail('%s has no man page (%s)' % (program, page))
    if not os.access(cmd, os.X_OK):
        return fail('%s is declared but %s is not built' % (program, cmd))
    res = subprocess.run([cmd, '--help'], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        return fail('%s --help exited %d: %s'
                    % (program, res.returncode, res.stderr.strip()))
    options = sorted(set(OPTION_RE.findall(res.stdout)))
    if not options:
        return fail('%s --help lists no long option' % program)
    text = page_text(page)
    missing = [o for o in options
               if not re.search(r'(?<![\w-])' + re.escape(o) + r'(?![\w-])',
                                text)]
    print('%s --help: %s' % (program, ' '.join(options)))
    if missing:
        return fail('%s does not document: %s'
                    % (os.path.basename(page), ' '.join(missing)))
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == 'lint':
        return lint(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == 'help':
        return help_check(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 99


if __name__ == '__main__':
    sys.exit(main(sys.argv))
