#!/usr/bin/env python3
"""Start QEMU with pcipass's --qemu-args and print where each device landed.

Usage: qemu-place.py ARGS-FILE [STANDIN]

Every "-device vfio-pci,host=...,REST" line becomes "-device STANDIN,REST"
when STANDIN is given (no host has these functions: a model QEMU can
instantiate takes the same id, bus, addr and multifunction).  QEMU runs
-machine q35 -accel tcg -nodefaults -display none -S; query-pci while
stopped, then cont until the firmware has numbered the buses behind the
root ports (query-pci lists a bridge's devices only then), then quit.
Prints one line per device with an id: "ID BUS-ID SLOT.FN" (BUS-ID pcie.0
for the root bus), "stopped" lines for what query-pci said before cont,
and exits non-zero when QEMU refuses the arguments.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

args = []
for line in open(sys.argv[1]):
    opt, _, arg = line.strip().partition(' ')
    if len(sys.argv) > 2 and arg.startswith('vfio-pci,'):
        arg = sys.argv[2] + ',' + ','.join(p for p in arg.split(',')[1:] if not p.startswith('host='))
    args += [opt, arg]

tmp = tempfile.mkdtemp()
sock = os.path.join(tmp, 'qmp')
qemu = subprocess.Popen(['qemu-system-x86_64', '-machine', 'q35', '-accel', 'tcg', '-m', '64', '-nodefaults',
                         '-display', 'none', '-S', '-qmp', 'unix:%s,server=on,wait=off' % sock] + args,
                        stderr=subprocess.PIPE, text=True)
s = None
for _ in range(300):
    if qemu.poll() is not None:
        sys.stderr.write(qemu.stderr.read())
        sys.exit(1)
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        break
    except OSError:
        s = None
        time.sleep(0.1)
f = s.makefile('rw')
f.readline()


def cmd(name):
    f.write(json.dumps({'execute': name}) + '\n')
    f.flush()
    while True:
        msg = json.loads(f.readline())
        if 'return' in msg or 'error' in msg:
            return msg.get('return')


def walk(devices, bus_id, out):
    for d in devices:
        if d.get('qdev_id'):
            out.append('%s %s %02x.%x' % (d['qdev_id'], bus_id, d['slot'], d['function']))
        if 'pci_bridge' in d:
            walk(d['pci_bridge'].get('devices', []), d['qdev_id'] or '?', out)
    return out


cmd('qmp_capabilities')
stopped = walk(cmd('query-pci')[0]['devices'], 'pcie.0', [])
want = sum(1 for a in args if a.startswith(('vfio-pci', sys.argv[2] if len(sys.argv) > 2 else 'vfio-pci')))
cmd('cont')
placed = []
for _ in range(200):
    placed = walk(cmd('query-pci')[0]['devices'], 'pcie.0', [])
    if len(placed) >= len(stopped) + want:
        break
    time.sleep(0.1)
cmd('quit')
qemu.wait(timeout=60)
for line in stopped:
    print('stopped ' + line)
for line in placed:
    print(line)
