#!/usr/bin/env python3
"""Read a PCI tree on stdin and print one "BDF PARENT" line per function
shown, PARENT being the bridge it is drawn under or "root" (on a root bus).

  tree-edges.py lspci     the output of lspci -t (-D or not)
  tree-edges.py pcipass   the output of pcipass list -t -o SLOT

list-columns.bats compares the two (list -t -s against lspci -t -s).
lspci -t draws a child to the right of its bridge, siblings in one column,
depth first: the parent of an entry is the last entry before it, in reading
order, that starts in a column left of it.
"""
import re
import sys

ROOT = re.compile(r"\[([0-9a-f]{4}):([0-9a-f]{2})\]")
ENTRY = re.compile(r"([0-9a-f]{2}\.[0-7])(?:-\[([0-9a-f]{2})(?:-[0-9a-f]{2})?\])?")


def lspci(lines):
    seen = []  # (column, domain, secondary bus, bdf)
    for line in lines:
        pos = 0
        while pos < len(line):
            r = ROOT.match(line, pos) if line[pos] == "[" else None
            e = None if r else ENTRY.match(line, pos)
            if r and (pos == 0 or line[pos - 1] in "-+\\|"):
                seen.append((pos, r.group(1), r.group(2), "root"))
                pos = r.end()
            elif e and line[pos - 1:pos] in ("-", ""):
                parent = next(s for s in reversed(seen) if s[0] < pos)
                bdf = "%s:%s:%s" % (parent[1], parent[2], e.group(1))
                print(bdf, parent[3])
                seen.append((pos, parent[1], e.group(2) or "--", bdf))
                pos = e.end()
            else:
                pos += 1


def pcipass(lines):
    stack = []  # (indent, bdf)
    for line in lines:
        m = re.search(r"([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])", line)
        if not m:
            continue
        while stack and stack[-1][0] >= m.start():
            stack.pop()
        print(m.group(1), stack[-1][1] if stack else "root")
        stack.append((m.start(), m.group(1)))


{"lspci": lspci, "pcipass": pcipass}[sys.argv[1]](sys.stdin.read().splitlines())
