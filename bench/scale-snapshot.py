#!/usr/bin/env python3
"""Scale a real sysfs snapshot up by cloning its PCI domain 0000 into more
domains, for the benchmark.  Every clone is the captured tree with its
addresses renamed (0000:bb:dd.f -> DDDD:bb:dd.f, pci0000:bb -> pciDDDD:bb),
its symlinks re-pointed the same way, and its IOMMU groups renumbered, so
lspci and pcipass both see N times the real host.

usage: scale-snapshot.py SNAPSHOT_DIR OUT_DIR MIN_FUNCTIONS
"""
import os
import re
import shutil
import sys

BDF0 = re.compile(r'\b0000:([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])')
HOST0 = re.compile(r'pci0000:([0-9a-f]{2})')


def rename(text, dom):
    text = BDF0.sub(lambda m: '%04x:%s' % (dom, m.group(1)), text)
    return HOST0.sub(lambda m: 'pci%04x:%s' % (dom, m.group(1)), text)


def source_entries(src):
    """The captured domain listed once: (kind, relative path, link target)
    in walk order, so each clone is a plain loop with no directory reads."""
    out = []
    for cur, dirs, files in os.walk(src):
        rel = os.path.relpath(cur, src)
        if rel != '.':
            out.append(('d', rel, None))
        for name in dirs + files:
            s = os.path.join(cur, name)
            r = os.path.normpath(os.path.join(rel, name))
            if os.path.islink(s):
                out.append(('l', r, os.readlink(s)))
            elif os.path.isfile(s):
                out.append(('f', r, s))
        # links to directories were handled above; do not descend into them
        dirs[:] = [x for x in dirs if not os.path.islink(os.path.join(cur, x))]
    return out


def clone_tree(entries, dst, dom, stride):
    """Recreate entries under dst, renaming path components and link targets
    for domain dom; each iommu_group link names its renumbered group.  Files
    are hard links to the source (the benchmark only reads them), so a clone
    costs no data and the tree is made in seconds rather than minutes."""
    os.makedirs(dst, exist_ok=True)
    for kind, rel, arg in entries:
        d = os.path.join(dst, rename(rel, dom))
        if kind == 'd':
            os.makedirs(d, exist_ok=True)
        elif kind == 'f':
            os.link(arg, d)
        elif not os.path.lexists(d):
            t = rename(arg, dom)
            if os.path.basename(rel) == 'iommu_group':
                head, g = t.rsplit('/', 1)
                t = '%s/%d' % (head, int(g) + dom * stride)
            os.symlink(t, d)


def main():
    src, out, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(src, out, symlinks=True)
    devices = os.path.join(out, 'sys/bus/pci/devices')
    base = [n for n in os.listdir(devices) if n.startswith('0000:')]
    groups_dir = os.path.join(out, 'sys/kernel/iommu_groups')
    base_groups = sorted(int(g) for g in os.listdir(groups_dir)) if os.path.isdir(groups_dir) else []
    stride = (max(base_groups) + 1) if base_groups else 0
    roots = [n for n in os.listdir(os.path.join(out, 'sys/devices')) if HOST0.fullmatch(n)]
    domains = -(-want // len(base))
    listed = {r: source_entries(os.path.join(src, 'sys/devices', r)) for r in roots}
    for dom in range(1, domains):
        for r in roots:
            clone_tree(listed[r], os.path.join(out, 'sys/devices', rename(r, dom)), dom, stride)
        for n in base:
            os.symlink(rename(os.readlink(os.path.join(devices, n)), dom), os.path.join(devices, rename(n, dom)))
        drivers = os.path.join(out, 'sys/bus/pci/drivers')
        for drv in os.listdir(drivers):
            for n in os.listdir(os.path.join(src, 'sys/bus/pci/drivers', drv)):
                if BDF0.match(n):
                    p = os.path.join(src, 'sys/bus/pci/drivers', drv, n)
                    os.symlink(rename(os.readlink(p), dom), os.path.join(drivers, drv, rename(n, dom)))
        for g in base_groups:
            new = g + dom * stride
            gdir = os.path.join(groups_dir, str(new))
            os.makedirs(os.path.join(gdir, 'devices'))
            for f in os.listdir(os.path.join(groups_dir, str(g))):
                p = os.path.join(groups_dir, str(g), f)
                if os.path.isfile(p) and not os.path.islink(p):
                    shutil.copyfile(p, os.path.join(gdir, f))
            for n in os.listdir(os.path.join(groups_dir, str(g), 'devices')):
                t = os.readlink(os.path.join(groups_dir, str(g), 'devices', n))
                os.symlink(rename(t, dom), os.path.join(gdir, 'devices', rename(n, dom)))
    print(len(os.listdir(devices)))


if __name__ == '__main__':
    main()
