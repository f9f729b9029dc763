#!/bin/sh
# Guest side of tests/vm/check-consumers.sh: give pcipass's --qemu-args to
# a real QEMU inside a real kernel, with the devices on vfio-pci.  Runs as
# /payload.sh under busybox sh, as root; the host judges the results.
#
# Topology (check-consumers.sh): a multifunction device behind root port 1
# (virtio-net 0.0, virtio-net 0.1, e1000e 0.2: one IOMMU group), an e1000e
# behind root port 2, and a pcie-pci-bridge with an rtl8139 and an e1000
# below it (one group, one requester ID).  Found by ids and function.
#
# Every endpoint goes to vfio-pci with `pcipass unbind`, then for each set
# in SETS: explain --qemu-args and --libvirt-xml, and
#   qemu-system-x86_64 -machine q35 -nodefaults -display none -S
#                      -qmp stdio <the arguments>
# answering qmp_capabilities, query-pci and quit.  Left in $RESULTS:
#   snapshot.tar.gz            pcipass snapshot with everything on vfio-pci
#   sets                       "NAME BDF..." per set
#   ids                        "BDF VENDOR DEVICE" per endpoint
#   NAME.args NAME.xml NAME.rc pcipass's outputs and exit status
#   NAME.qmp NAME.qemu-err NAME.qemu-rc   QEMU's QMP answers, stderr, status
#   log                        what happened, for the reader
R=${RESULTS:-/tmp}
log() { echo "$*" | tee -a "$R/log"; }
dev=/sys/bus/pci/devices

# find VENDOR DEVICE FUNCTION -> the BDF
find_fn() {
	for d in "$dev"/*; do
		if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then
			case ${d##*/} in *."$3") echo "${d##*/}"; return 0 ;; esac
		fi
	done
	return 1
}
MF0=$(find_fn 0x1af4 0x1041 0)
MF1=$(find_fn 0x1af4 0x1041 1)
MF2=$(find_fn 0x8086 0x10d3 2)
E1000E=$(find_fn 0x8086 0x10d3 0)
RTL=$(find_fn 0x10ec 0x8139 0)
E1000=$(find_fn 0x8086 0x100e 0)
log "multifunction $MF0 $MF1 $MF2, e1000e $E1000E, rtl8139 $RTL, e1000 $E1000 on $(uname -r)"
# busybox modprobe does not follow vfio's softdep on its IOMMU backend.
modprobe vfio-pci 2>/dev/null
modprobe vfio_iommu_type1 2>/dev/null
# A QEMU that exits early must not take the shell down with SIGPIPE on the fifo.
trap '' PIPE

timeout 120 pcipass unbind "$MF0" "$MF1" "$MF2" "$E1000E" "$RTL" "$E1000" >>"$R/log" 2>&1
log "unbind: exit $?"
for b in "$MF0" "$MF1" "$MF2" "$E1000E" "$RTL" "$E1000"; do
	echo "$b $(cat "$dev/$b/vendor") $(cat "$dev/$b/device")" >>"$R/ids"
	log "$b: $(basename "$(readlink "$dev/$b/driver" 2>/dev/null)" 2>/dev/null) group $(basename "$(readlink "$dev/$b/iommu_group")")"
done
timeout 120 pcipass snapshot -o "$R/snapshot.tar.gz" >>"$R/log" 2>&1
log "snapshot: exit $?"

# multifunction: the whole device and a single function on its own port;
# lone1: function 1 alone (its siblings unassigned companions) and the
# rtl8139 (the e1000 behind the same bridge unassigned).
cat > "$R/sets" <<SETS
multifunction $MF0 $MF1 $MF2 $E1000E
lone1 $MF1 $RTL
SETS

# run_qemu NAME: QEMU with NAME.args, stopped (-S) first: query-pci there
# shows the root ports on pcie.0; then cont, so that the firmware numbers
# the buses behind them (query-pci lists a bridge's devices only then), and
# query-pci again until every pcipass device is listed; then quit.
run_qemu() {
	want=$(grep -c '^-device vfio-pci,' "$R/$1.args")
	rm -f /tmp/qmp.in
	mkfifo /tmp/qmp.in
	start=$(cut -d. -f1 /proc/uptime)
	# shellcheck disable=SC2046
	timeout 900 qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nodefaults -display none -S \
		-qmp stdio $(cat "$R/$1.args") </tmp/qmp.in >"$R/$1.qmp" 2>"$R/$1.qemu-err" &
	qpid=$!
	exec 3>/tmp/qmp.in
	printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-pci","id":"stopped"}' \
		'{"execute":"cont"}' >&3
	i=0
	while [ "$i" -lt 300 ] && kill -0 "$qpid" 2>/dev/null; do
		sleep 2
		i=$((i + 1))
		printf '{"execute":"query-pci","id":"running-%d"}\n' "$i" >&3
		sleep 1
		got=$(grep '"id": "running-' "$R/$1.qmp" | tail -n 1 | grep -o '"qdev_id": "pcipass-[0-9]' | wc -l)
		[ "$got" -ge "$want" ] && break
	done
	printf '%s\n' '{"execute":"quit"}' >&3
	exec 3>&-
	wait "$qpid"
	echo $? >"$R/$1.qemu-rc"
	log "$1: qemu exit $(cat "$R/$1.qemu-rc") after $(($(cut -d. -f1 /proc/uptime) - start))s, $i queries"
	tee -a "$R/log" <"$R/$1.qemu-err"
}

while read -r name set; do
	# shellcheck disable=SC2086
	timeout 60 pcipass explain --qemu-args $set >"$R/$name.args" 2>"$R/$name.args-err"
	echo $? >"$R/$name.rc"
	# shellcheck disable=SC2086
	timeout 60 pcipass explain --libvirt-xml $set >"$R/$name.xml" 2>>"$R/$name.args-err"
	log "$name ($set): explain exit $(cat "$R/$name.rc"); arguments:"
	cat "$R/$name.args" | tee -a "$R/log"
	run_qemu "$name"
done <"$R/sets"
exit 0
