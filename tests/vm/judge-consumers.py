#!/usr/bin/env python3
"""Judge what tests/vm/guest-consumers.sh left: did real QEMU put every
device where pcipass's --qemu-args said, and do the --libvirt-xml outputs
pass virt-xml-validate and `virsh -c test:///default define`?

Usage: judge-consumers.py RESULTS-DIR

Prints one "ok N - ..." / "not ok N - ..." line per check (with "#"
diagnostics) and nothing else on stdout; the caller counts them.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

results = sys.argv[1]
n = 0


def check(ok, what, why=''):
    global n
    n += 1
    print(('ok %d - %s' if ok else 'not ok %d - %s') % (n, what))
    if not ok and why:
        for line in str(why).splitlines():
            print('#   ' + line)
    sys.stdout.flush()
    return ok


def read(name):
    try:
        with open(os.path.join(results, name)) as f:
            return f.read()
    except OSError:
        return None


def props(arg):
    """'vfio-pci,host=X,bus=Y' -> ('vfio-pci', {'host': 'X', 'bus': 'Y'})"""
    model, _, rest = arg.partition(',')
    return model, dict(kv.split('=', 1) for kv in rest.split(',') if kv)


def devfn(addr):
    slot, _, fn = addr.partition('.')
    return int(slot, 16), int(fn or '0', 16)


def replies(text):
    """id -> return of every QMP reply that has an id; errors under 'errors'."""
    out = {'errors': []}
    for line in (text or '').splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if 'error' in msg:
            out['errors'].append(msg['error'])
        elif 'id' in msg and 'return' in msg:
            out[msg['id']] = msg['return']
    return out


def bus0(pci):
    return next((b for b in pci if b['bus'] == 0), {'devices': []})['devices']


ids = {}
for line in (read('ids') or '').splitlines():
    bdf, vendor, device = line.split()
    ids[bdf] = (int(vendor, 16), int(device, 16))

DOMAIN_HEAD = """<domain type='test'>
  <name>pcipass-consumers</name>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
"""
DOMAIN_TAIL = "  </devices>\n</domain>\n"

sets = [l.split() for l in (read('sets') or '').splitlines() if l.strip()]
check(len(sets) == 2 and len(ids) == 6, 'the guest ran both sets with 6 endpoints on vfio-pci',
      read('log'))
for name, *members in sets:
    rc = (read(name + '.rc') or '').strip()
    args = [l for l in (read(name + '.args') or '').splitlines()]
    check(rc == '0' and args, '%s: explain --qemu-args %s: exit 0 with arguments' % (name, ' '.join(members)),
          'exit %s; stderr: %s' % (rc, read(name + '.args-err')))
    ports, vfio = {}, []
    for line in args:
        opt, _, arg = line.partition(' ')
        model, p = props(arg)
        if opt != '-device':
            check(False, '%s: argument line %r is -device ...' % (name, line))
        elif model == 'pcie-root-port':
            ports[p['id']] = devfn(p['addr'])
        elif model == 'vfio-pci':
            vfio.append(p)
    qrc = (read(name + '.qemu-rc') or '').strip()
    r = replies(read(name + '.qmp'))
    check(qrc == '0' and not r['errors'], '%s: qemu-system-x86_64 -machine q35 -nodefaults -S with them started '
          'and quit cleanly' % name, 'exit %s, errors %s, stderr:\n%s' % (qrc, r['errors'], read(name + '.qemu-err')))
    stopped = bus0(r.get('stopped', []))
    for pid, (slot, fn) in ports.items():
        found = [d for d in stopped if d['qdev_id'] == pid]
        check(len(found) == 1 and (found[0]['slot'], found[0]['function']) == (slot, fn)
              and 'pci_bridge' in found[0],
              '%s: stopped, query-pci shows root port %s at pcie.0 %02x.%x' % (name, pid, slot, fn),
              json.dumps(found))
    running = [v for k, v in r.items() if k.startswith('running-')]
    last = bus0(running[-1]) if running else []
    for p in vfio:
        slot, fn = devfn(p['addr'])
        port = [d for d in last if d['qdev_id'] == p['bus']]
        below = port[0]['pci_bridge'].get('devices', []) if port and 'pci_bridge' in port[0] else []
        hit = [d for d in below if d['qdev_id'] == p['id']]
        want_ids = ids.get(p['host'])
        ok = (len(hit) == 1 and (hit[0]['slot'], hit[0]['function']) == (slot, fn) and want_ids ==
              (hit[0]['id']['vendor'], hit[0]['id']['device']))
        check(ok, '%s: query-pci shows %s (%s) behind %s at %02x.%x with the host ids' %
              (name, p['host'], p['id'], p['bus'], slot, fn), json.dumps(hit or below or port))
    for pid in ports:
        port = [d for d in last if d['qdev_id'] == pid]
        below = port[0]['pci_bridge'].get('devices', []) if port and 'pci_bridge' in port[0] else []
        check(any(d['slot'] == 0 and d['function'] == 0 for d in below),
              '%s: behind %s the guest finds function 0' % (name, pid), json.dumps(below))

    # libvirt: the same set's XML in a whole q35 domain
    frag = read(name + '.xml') or ''
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'domain.xml')
        with open(path, 'w') as f:
            f.write(DOMAIN_HEAD + frag + DOMAIN_TAIL)
        v = subprocess.run(['virt-xml-validate', path, 'domain'], capture_output=True, text=True)
        check(v.returncode == 0, '%s: --libvirt-xml in a q35 domain passes virt-xml-validate' % name,
              v.stdout + v.stderr)
        d = subprocess.run(['virsh', '-q', '-c', 'test:///default', 'define %s; dumpxml pcipass-consumers' % path],
                           capture_output=True, text=True)
        given = ET.fromstring(DOMAIN_HEAD + frag + DOMAIN_TAIL)
        ok = d.returncode == 0
        try:
            back = ET.fromstring(d.stdout[d.stdout.index('<domain'):])
        except ValueError:
            back, ok = None, False

        def hostdevs(root):
            out = []
            for h in root.iter('hostdev'):
                src = h.find('source/address')
                a = h.find('address')
                out.append((tuple(sorted(src.attrib.items())), tuple(sorted(a.attrib.items())) if a is not None else ()))
            return sorted(out)
        ok = ok and hostdevs(back) == hostdevs(given) and len(hostdevs(given)) > 0
        check(ok, '%s: virsh -c test:///default define takes it; dumpxml gives back every hostdev and address' % name,
              d.stdout + d.stderr)
        # the XML and the arguments describe the same guest
        xml_places = sorted((int(a.get('bus'), 16), int(a.get('function'), 16)) for a in
                            (h.find('address') for h in given.iter('hostdev')) if a.get('type') == 'pci')
        arg_places = sorted((int(re.sub(r'\D', '', p['bus'])), devfn(p['addr'])[1]) for p in vfio)
        check(xml_places == arg_places, '%s: --libvirt-xml and --qemu-args place the functions alike' % name,
              '%s vs %s' % (xml_places, arg_places))
