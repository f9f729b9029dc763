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

    bench/lspci-dumps.py --text [--pcipass ./pcipass] DIR

measures listings without hex rows (lspci -vvv, -nnvvv, -nnk, also inside
*.md notes): the files that hold device lines but no hex row, and a
text-only copy (hex rows stripped, in a temporary file) of every file with
hex rows.  For each: does it read, are the functions those the text lists,
do the ids the text prints ("[vvvv:dddd]" with -nn) come back and are the
unprinted ones null (never invented), the drivers, and the kernel's groups
("IOMMU group: N").  For a stripped copy, the full listing's own reading is
compared too: same functions, ids, drivers, groups and parents, and no
function gains a blocker.
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
GROUP = re.compile(r"^\s*IOMMU group: (\d+)\s*$")
HEADER_IDS = re.compile(r"\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\](?: \(rev [0-9a-fA-F]{2}\))?(?: \(prog-if .*\))?\s*$")


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


def expected_text(text):
    """BDF -> {"ids": (vendor, device) or None, "driver": ..., "group": int or None}, from the text only"""
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
            i = HEADER_IDS.search(line[m.end():].split(": ", 1)[-1])
            e = out.setdefault(cur, {"ids": None, "driver": None, "group": None})
            if i and not e["ids"]:
                # a log holds several runs: lspci -nn's line prints ids, lspci -v's may not
                e["ids"] = (i.group(1).lower(), i.group(2).lower())
            continue
        if cur is None:
            continue
        e = out[cur]
        d = DRIVER.match(line)
        if d and e["driver"] is None:
            e["driver"] = d.group(1)
        g = GROUP.match(line)
        if g and e["group"] is None:
            e["group"] = int(g.group(1))
    return out


def text_candidates(root):
    """(path, text, stripped): files with device lines and no hex row, and hex files with their rows stripped"""
    for dirpath, _dirs, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name == "SOURCE" or name.endswith(".eml") or name.endswith(".tsv"):
                continue
            path = os.path.join(dirpath, name)
            try:
                text = read_text(path)
            except (OSError, EOFError, gzip.BadGzipFile):
                continue
            lines = text.splitlines()
            if not any(HEADER.match(l) for l in lines):
                continue
            if any(HEXROW.match(l) and ROW0.match(l) for l in lines):
                yield path, "\n".join(l for l in lines if not HEXROW.match(l)) + "\n", True
            else:
                yield path, text, False


def pcipass_json(pcipass, path):
    p = subprocess.run([pcipass, "--from-lspci", path, "list", "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1:]
    return {f["address"]: f for f in json.loads(p.stdout)["functions"]}, None


def blockers(f):
    return {x["code"] for x in f["findings"] if x["severity"] == "blocker"}


def main_text(a):
    import tempfile
    tot = dict(files=0, read=0, fns=0, fns_ok=0, ids=0, ids_ok=0, noids=0, noids_null=0, drv=0, drv_ok=0,
               grp=0, grp_ok=0, exact=0, stripped=0, same=0, gained=0)
    for path, text, stripped in text_candidates(a.dir):
        rel = os.path.relpath(path, a.dir) + (" (hex rows stripped)" if stripped else "")
        exp = expected_text(text)
        tot["files"] += 1
        with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=os.environ.get("TMPDIR", "/tmp")) as t:
            t.write(text)
            t.flush()
            got, err = pcipass_json(a.pcipass, t.name)
        if got is None:
            print("FAIL %-70s %s" % (rel, err))
            continue
        tot["read"] += 1
        n_ok = len(set(got) & set(exp))
        ids = [(b, e["ids"]) for b, e in exp.items() if e["ids"] and b in got]
        ids_ok = sum(1 for b, i in ids if (got[b]["vendor_id"], got[b]["device_id"]) == i)
        noids = [b for b, e in exp.items() if not e["ids"] and b in got]
        noids_null = sum(1 for b in noids if got[b]["vendor_id"] is None and got[b]["device_id"] is None)
        drv = [(b, e["driver"]) for b, e in exp.items() if e["driver"]]
        drv_ok = sum(1 for b, d in drv if b in got and got[b]["driver"] == d)
        grp = [(b, e["group"]) for b, e in exp.items() if e["group"] is not None]
        grp_ok = sum(1 for b, g in grp if b in got and got[b]["iommu_group"] == g)
        exact = (n_ok == len(exp) == len(got) and ids_ok == len(ids) and noids_null == len(noids) and
                 drv_ok == len(drv) and grp_ok == len(grp))
        for k, v in (("fns", len(exp)), ("fns_ok", n_ok), ("ids", len(ids)), ("ids_ok", ids_ok),
                     ("noids", len(noids)), ("noids_null", noids_null), ("drv", len(drv)), ("drv_ok", drv_ok),
                     ("grp", len(grp)), ("grp_ok", grp_ok), ("exact", exact)):
            tot[k] += v
        vs = ""
        if stripped:
            full, _ = pcipass_json(a.pcipass, path)
            tot["stripped"] += 1
            # what the text printed must agree; what it did not print is null
            keys = ("vendor_id", "device_id", "class", "revision", "driver", "iommu_group", "parent")
            diff = [] if full is not None and set(full) == set(got) else ["functions"]
            for b in (full if not diff else {}):
                diff += ["%s %s %s/%s" % (b, k, full[b][k], got[b][k]) for k in keys
                         if got[b][k] is not None and full[b][k] != got[b][k] or
                         got[b][k] is None and k in ("driver", "iommu_group", "parent") and full[b][k] is not None]
            same = not diff
            gained = 0 if full is None else sum(1 for b in got if b in full and blockers(got[b]) - blockers(full[b]))
            tot["same"] += same
            tot["gained"] += gained
            vs = "  vs hex: %s, %d gained a blocker" % ("same" if same else "DIFFERENT (%s)" % diff[0], gained)
        print("%-4s %-70s functions %d/%d (pcipass %d)  ids %d/%d (unprinted %d, null %d)  drivers %d/%d  "
              "groups %d/%d%s" % ("ok" if exact else "DIFF", rel, n_ok, len(exp), len(got), ids_ok, len(ids),
                                  len(noids), noids_null, drv_ok, len(drv), grp_ok, len(grp), vs))
    print("listings without hex rows: %(files)d (%(stripped)d of them stripped copies), read: %(read)d, "
          "exact: %(exact)d; functions %(fns_ok)d/%(fns)d, ids %(ids_ok)d/%(ids)d, unprinted ids null "
          "%(noids_null)d/%(noids)d, drivers %(drv_ok)d/%(drv)d, groups %(grp_ok)d/%(grp)d; stripped copies "
          "agreeing with their hex listing: %(same)d/%(stripped)d, functions gaining a blocker: %(gained)d" % tot)
    return 0 if tot["read"] == tot["files"] else 1


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
    ap.add_argument("--text", action="store_true", help="listings without hex rows (see above)")
    ap.add_argument("dir")
    a = ap.parse_args()
    if a.text:
        return main_text(a)
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
