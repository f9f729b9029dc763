#!/bin/sh
# In the guest, after the snapshot capture (tests/sysfs-snapshots/
# guest-payload.sh runs it when installed as /usr/bin/guest-lspci.sh):
# the lspci listings of tests/lspci-dumps, as root and as a user.
# Usage: guest-lspci.sh OUTDIR
set -u
out=${1:?usage: guest-lspci.sh OUTDIR}
mkdir -p "$out"
rc=0
lspci -nnDvvvxxxx >"$out/nnDvvvxxxx.txt" 2>"$out/stderr" || rc=1
lspci -nnDvvvxxx >"$out/nnDvvvxxx.txt" 2>>"$out/stderr" || rc=1
lspci -x >"$out/x.txt" 2>>"$out/stderr" || rc=1
# as nobody (util-linux setpriv: busybox has its own applet of that name):
# config space beyond 64 bytes is root's, the text stays
/usr/local/bin/setpriv --reuid=65534 --regid=65534 --clear-groups lspci -nnDvvvxxx \
	>"$out/user.nnDvvvxxx.txt" 2>>"$out/stderr" || rc=1
lspci --version >"$out/version" 2>&1
exit $rc
