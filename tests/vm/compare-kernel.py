#!/usr/bin/env python3
"""Compare what VFIO did in a guest with what pcipass says from its snapshot.

Usage:
  compare-kernel.py assemble TOPOLOGY PROBEDIR QEMU-CMD-FILE > FACTS.json
  compare-kernel.py compare FACTS.json SNAPSHOT PCIPASS

`assemble` gathers the guest's answers (tests/vm/guest-probe.sh wrote
PROBEDIR/sets, PROBEDIR/NNN.json, PROBEDIR/host.json) into one document:
the recorded ground truth of tests/vm/kernel-facts/TOPOLOGY.json.  A set
whose answer is missing or not JSON keeps "probe": null and says why.

`compare` runs `PCIPASS --sysroot SNAPSHOT explain --json SET...` for every
set and prints one row per fact: topology, set, fact, kernel, pcipass,
agree.  Its last line is `compare: N passed, M failed`; it exits 1 when M > 0.

The facts and how each is read (the contract with pcipass explain --json):

  assignable   kernel: the set is refused when, for any function of it,
               vfio-pci did not bind (bind_errno; EBUSY for an SR-IOV PF with
               VFs enabled), the function has no IOMMU group, its group is
               not viable (VFIO_GROUP_GET_STATUS) or VFIO_GROUP_SET_CONTAINER
               failed, VFIO_SET_IOMMU(TYPE1v2) failed (EPERM: no interrupt
               remapping), or VFIO_GROUP_GET_DEVICE_FD failed.
               pcipass: no blocker other than its policy ones (host-in-use,
               in-use-by-vm, not-endpoint on a header-type-0 chipset
               function): those say the host would break, not that the
               kernel refuses.
  code:CODE    only for a set the kernel refused: the finding code the
               refusal maps to must be among pcipass's blocker findings
               (functions[].findings, host.findings):
                 no group, host without IOMMU groups  -> iommu-disabled
                 no group, IOMMU groups exist         -> no-iommu-group
                 no-IOMMU (vfio-noiommu) group, or
                 SET_IOMMU failing other than EPERM   -> iommu-disabled
                 bind EBUSY                           -> sriov-pf-enabled
                 group not viable / SET_CONTAINER     -> group-not-viable
                 SET_IOMMU EPERM                      -> no-interrupt-remapping
               any other refusal: "code:blocker", some blocker must exist.
  Per function, when the kernel gave a device fd (pcipass:
  functions[i].reset = {function_reset, reset_set, set_reset}):
  function_reset  VFIO_DEVICE_FLAGS_RESET  <=>  function_reset != null
  reset_set       the BDFs VFIO_DEVICE_GET_PCI_HOT_RESET_INFO names, sorted
                  ([] when it fails, e.g. ENODEV)  <=>  sorted reset_set
  set_reset       VFIO_DEVICE_PCI_HOT_RESET with exactly the groups the info
                  names succeeded (not attempted: false)  <=>  set_reset
  bar<j>.mmap     for each MMIO BAR j in 0..5 (the snapshot's `resource`
                  says MMIO, VFIO reports a size): VFIO_REGION_INFO_FLAG_MMAP
                  <=>  functions[i].bars[index j].mmap
A fact pcipass does not report counts as a disagreement.  A set the
kernel could not be asked about counts as one failed fact ("probed").  A
function vfio-probe could not give back to its driver counts as one failed
fact ("restored"): the sets after it may not start from the snapshot's state.
"""
import json
import os
import subprocess
import sys
import tarfile

NOT_REPORTED = "(not reported)"
# Blockers that are pcipass's policy, not a refusal of the kernel's: the
# verdict compared is pcipass's without them (design: host-in-use "or the
# host breaks").
POLICY_CODES = {"host-in-use", "in-use-by-vm"}


def assemble(topology, probedir, qemu_cmd_file):
    host = {}
    try:
        with open(os.path.join(probedir, "host.json")) as f:
            host = json.load(f)
    except (OSError, ValueError) as e:
        host = {"error": str(e)}
    doc = {"topology": topology, "guest": host}
    try:
        with open(qemu_cmd_file) as f:
            doc["qemu"] = f.read().strip()
    except OSError:
        doc["qemu"] = None
    sets = []
    try:
        lines = open(os.path.join(probedir, "sets")).read().splitlines()
    except OSError as e:
        lines = []
        doc["error"] = "no sets file: %s" % e
    for line in lines:
        num, kinds, bdfs = line.split("\t")
        entry = {"id": num, "kinds": kinds.split(","), "set": bdfs.split()}
        try:
            with open(os.path.join(probedir, num + ".json")) as f:
                entry["probe"] = json.load(f)
        except (OSError, ValueError) as e:
            entry["probe"] = None
            entry["probe_error"] = str(e)
        try:
            err = open(os.path.join(probedir, num + ".err")).read().strip()
            if err:
                entry["stderr"] = err
        except OSError:
            pass
        sets.append(entry)
    doc["sets"] = sets
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


def snapshot_resources(snapshot):
    """BDF -> list of (start, end, flags) from sys/bus/pci/devices/*/resource."""
    res = {}
    def parse(text):
        rows = []
        for ln in text.splitlines():
            p = ln.split()
            if len(p) >= 3:
                rows.append(tuple(int(x, 16) for x in p[:3]))
        return rows
    if os.path.isdir(snapshot):
        base = os.path.join(snapshot, "sys/bus/pci/devices")
        for b in os.listdir(base):
            try:
                res[b] = parse(open(os.path.join(base, b, "resource")).read())
            except OSError:
                pass
        return res
    with tarfile.open(snapshot) as t:
        members = {m.name.lstrip("./"): m for m in t.getmembers()}
        # devices/ are symlinks into sys/devices/pci*: find resource files there
        for name, m in members.items():
            if name.startswith("sys/devices/pci") and name.endswith("/resource") and m.isfile():
                bdf = name.split("/")[-2]
                res[bdf] = parse(t.extractfile(m).read().decode())
    return res


def kernel_refusal(s, host_groups):
    """(refused?, [expected codes], reason text) from one probe answer."""
    p = s["probe"]
    codes, why = [], []
    groups = {g["id"]: g for g in p["groups"]}
    for f in p["functions"]:
        b = f["bdf"]
        if f["group"] is None:
            codes.append("iommu-disabled" if host_groups == 0 else "no-iommu-group")
            why.append("%s: no IOMMU group" % b)
            continue
        if not f["bind"]["bound"]:
            err = f["bind"]["bind_errno"]
            codes.append("sriov-pf-enabled" if err == "EBUSY" else "blocker")
            why.append("%s: bind %s" % (b, err))
            continue
        g = groups.get(f["group"])
        if g is None or g["open_errno"]:
            codes.append("iommu-disabled" if host_groups == 0 else "blocker")
            why.append("%s: group %s open %s" % (b, f["group"], g and g["open_errno"]))
            continue
        if not g["viable"] or g["set_container_errno"]:
            codes.append("group-not-viable")
            why.append("%s: group %d %s" % (b, g["id"], "not viable" if not g["viable"]
                                             else "SET_CONTAINER " + g["set_container_errno"]))
            continue
    si = p["set_iommu"]
    if si["errno"]:
        noiommu_group = host_groups == 0 or any(g.get("noiommu") for g in p["groups"])
        codes.append("no-interrupt-remapping" if si["errno"] == "EPERM" and not noiommu_group
                     else "iommu-disabled")
        why.append("SET_IOMMU %s" % si["errno"])
    if not codes:
        for f in p["functions"]:
            if f["device_fd_errno"]:
                codes.append("blocker")
                why.append("%s: GET_DEVICE_FD %s" % (f["bdf"], f["device_fd_errno"]))
    return bool(codes), sorted(set(codes)), "; ".join(why)


def compare(facts_file, snapshot, pcipass):
    facts = json.load(open(facts_file))
    topo = facts["topology"]
    host_groups = facts.get("guest", {}).get("iommu_groups", 0)
    resources = snapshot_resources(snapshot)
    rows, passed, failed = [], 0, 0

    def row(setname, fact, kernel, pc):
        nonlocal passed, failed
        ok = kernel == pc
        if ok:
            passed += 1
        else:
            failed += 1
        def show(v):
            if isinstance(v, bool):
                return "yes" if v else "no"
            if isinstance(v, list):
                return "[" + " ".join(x.replace("0000:", "") for x in v) + "]"
            return str(v)
        rows.append((topo, setname, fact, show(kernel), show(pc), "yes" if ok else "NO"))

    if facts.get("error") or not facts.get("sets"):
        row("-", "probed", True, facts.get("error", "no sets"))
    for s in facts.get("sets", []):
        setname = ",".join(b.replace("0000:", "") for b in s["set"])
        if s.get("probe") is None:
            row(setname, "probed", True, False)
            continue
        for f in s["probe"]["functions"]:
            if not f["restored"]:
                row(setname, "restored:" + f["bdf"][5:], f["orig_driver"], f["driver_restored"])
        r = subprocess.run([pcipass, "--sysroot", snapshot, "explain", "--json"] + s["set"],
                           capture_output=True, text=True)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            doc = None
        if doc is None:
            row(setname, "pcipass-ran", True, "exit %d: %s" % (r.returncode, r.stderr.strip()[:60]))
            continue
        refused, codes, why = kernel_refusal(s, host_groups)
        blockers = {x["code"] for x in doc.get("host", {}).get("findings", []) + doc.get("findings", [])
                    if x.get("severity") == "blocker"}
        for fn in doc.get("functions", []):
            blockers |= {x["code"] for x in fn.get("findings", []) if x.get("severity") == "blocker"}
        # The kernel answers for itself: pcipass's policy blockers (the host
        # would break: host-in-use, in-use-by-vm; the chipset stays: a
        # not-endpoint on a header-type-0 function) are not kernel refusals.
        kernel_blockers = set()
        for fn in doc.get("functions", []):
            for x in fn.get("findings", []):
                if x.get("severity") != "blocker" or x["code"] in POLICY_CODES:
                    continue
                if x["code"] == "not-endpoint" and fn.get("header_type") == 0:
                    continue
                kernel_blockers.add(x["code"])
        kernel_blockers |= {x["code"] for x in doc.get("host", {}).get("findings", [])
                            if x.get("severity") == "blocker"}
        says = not kernel_blockers if "assignable" in doc else NOT_REPORTED
        row(setname, "assignable", not refused, says)
        for c in codes:
            if c == "blocker":
                row(setname, "code:blocker", True, bool(blockers))
            else:
                row(setname, "code:" + c, True, c in blockers)
        pfun = {fn.get("address"): fn for fn in doc.get("functions", [])}
        for f in s["probe"]["functions"]:
            if "reset" not in f:
                continue  # no device fd: nothing per function to compare
            b = f["bdf"]
            short = b[5:]
            pf = pfun.get(b, {})
            reset = pf.get("reset")
            if not isinstance(reset, dict):
                reset = {}
            fr = reset.get("function_reset", NOT_REPORTED)
            row(setname, short + " function_reset", f["reset"],
                fr if fr == NOT_REPORTED else fr is not None)
            hri = f["hot_reset_info"]
            kset = sorted(d["bdf"] for d in hri["devices"]) if not hri["errno"] else []
            ps = reset.get("reset_set", NOT_REPORTED)
            row(setname, short + " reset_set", kset, sorted(ps) if isinstance(ps, list) else ps)
            hr = f["hot_reset"]
            row(setname, short + " set_reset", bool(hr["attempted"] and hr["errno"] is None),
                reset.get("set_reset", NOT_REPORTED))
            bars = {bar.get("index"): bar for bar in pf.get("bars", [])}
            res = resources.get(b, [])
            for reg in f["regions"]:
                j = reg["index"]
                if reg["errno"] or not reg["size"] or j >= len(res) or not (res[j][2] & 0x200):
                    continue
                row(setname, "%s bar%d.mmap" % (short, j), reg["mmap"],
                    bars.get(j, {}).get("mmap", NOT_REPORTED))
    for r in rows:
        print("\t".join(r))
    print("compare: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "assemble":
        assemble(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 5 and argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
