#!/usr/bin/env python3
"""Measure --from-lspci on a directory of real lspci listings.

    bench/lspci-dumps.py [--pcipass ./pcipass] DIR

DIR is searched for files holding lspci hex rows (lspci*.txt, body*.txt,
nvidia-bug-report.log, nvidia-bug-report.log.gz, ...).  For each one:
does `pcipass --from-lspci FILE list --json` read it (exit 0), are the
functions those whose hex rows the file holds, do vendor/device match the
file's own "00:" row, and does every "Kernel driver in use:" line of the
text come back as the function's driver.  The expectation is computed here
from the text, independently of pcipass's reader.  One line per file, then
the totals.  Nothing of DIR is copied or kept.
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys

HEADER = re.compile(r"^(?:([0-9a-fA-F]{4,6}):)?((?:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]/)*)"
                    r"([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7]) ")
ROW0 = re.compile(r"^00: ([0-9a-fA-F]{2}) ([0-9a-fA-F]{2}) ([0-9a-fA-F]{2}) ([0-9a-fA-F]{2})")
HEXROW = re.compile(r"^[0-9a-fA-F]{2,8}: [0-9a-fA-F]{2}( [0-9a-fA-F]{2})*")
DRIVER = re.compile(r"^\s*Kernel driver in use: (\S+)\s*$")


def read_text(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", "replace").replace("\u00a0", " ")


def expected(text):
    """BDF -> {"ids": (vendor, device) or None, "driver": name or None, "hex": bool}"""
    out = {}
    cur = None
    for line in text.splitlines():
        if not line.strip():
            cur = None
            continue
        m = HEADER.match(line)
        if m:
            dom = int(m.group(1) or "0", 16)
            cur = "%04x:%s:%s.%s" % (dom, m.group(3).lower(), m.group(4).lower(), m.group(5))
            out.setdefault(cur, {"ids": None, "driver": None, "hex": False})
            continue
        if cur is None:
            continue
        e = out[cur]
        r = ROW0.match(line)
        if r and e["ids"] is None:
            b = [int(x, 16) for x in r.groups()]
            e["ids"] = ("%04x" % (b[0] | b[1] << 8), "%04x" % (b[2] | b[3] << 8))
        if HEXROW.match(line):
            e["hex"] = True
        d = DRIVER.match(line)
        if d and e["driver"] is None:
            e["driver"] = d.group(1)
    return out


def candidates(root):
    for dirpath, _dirs, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name == "SOURCE" or name.endswith(".eml") or name.endswith(".tsv") or name.endswith(".md"):
                continue
            path = os.path.join(dirpath, name)
            try:
                text = read_text(path)
            except (OSError, EOFError, gzip.BadGzipFile):
                continue
            if any(HEXROW.match(l) and ROW0.match(l) for l in text.splitlines()):
                yield path, text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pcipass", default="./pcipass")
    ap.add_argument("dir")
    a = ap.parse_args()
    tot = dict(files=0, read=0, fns=0, fns_ok=0, ids=0, ids_ok=0, drv=0, drv_ok=0, exact=0)
    for path, text in candidates(a.dir):
        exp = {b: e for b, e in expected(text).items() if e["hex"]}
        tot["files"] += 1
        p = subprocess.run([a.pcipass, "--from-lspci", path, "list", "--json"], capture_output=True, text=True)
        rel = os.path.relpath(path, a.dir)
        if p.returncode != 0:
            print("FAIL %-70s rc=%d %s" % (rel, p.returncode, p.stderr.strip().splitlines()[-1:]))
            continue
        tot["read"] += 1
        got = {f["address"]: f for f in json.loads(p.stdout)["functions"]}
        n_ok = len(set(got) & set(exp))
        ids = [(b, e["ids"]) for b, e in exp.items() if e["ids"] and b in got]
        ids_ok = sum(1 for b, i in ids if (got[b]["vendor_id"], got[b]["device_id"]) == i)
        drv = [(b, e["driver"]) for b, e in exp.items() if e["driver"]]
        drv_ok = sum(1 for b, d in drv if b in got and got[b]["driver"] == d)
        exact = n_ok == len(exp) == len(got) and ids_ok == len(ids) and drv_ok == len(drv)
        for k, v in (("fns", len(exp)), ("fns_ok", n_ok), ("ids", len(ids)), ("ids_ok", ids_ok),
                     ("drv", len(drv)), ("drv_ok", drv_ok), ("exact", exact)):
            tot[k] += v
        print("%-4s %-70s functions %d/%d (pcipass %d)  ids %d/%d  drivers %d/%d" %
              ("ok" if exact else "DIFF", rel, n_ok, len(exp), len(got), ids_ok, len(ids), drv_ok, len(drv)))
    print("files with hex rows: %(files)d, read: %(read)d, exact: %(exact)d; functions %(fns_ok)d/%(fns)d, "
          "ids %(ids_ok)d/%(ids)d, drivers %(drv_ok)d/%(drv)d" % tot)
    return 0 if tot["read"] == tot["files"] else 1


if __name__ == "__main__":
    sys.exit(main())
