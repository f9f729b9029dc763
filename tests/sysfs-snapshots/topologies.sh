# The QEMU topologies of the snapshots (bash, sourced by make-snapshots.sh
# and tests/vm/check-kernel.sh).  One place, so that a snapshot and the
# kernel facts recorded for it always come from the same machine.
#
#   topo_names                  every QEMU topology, in boot order
#   topo_qemu_args NAME         -device/-drive options (after run-vm.sh's own)
#   topo_iommu NAME             run-vm.sh --iommu KIND (intel, amd, none)
#   topo_append NAME            extra kernel arguments
#   topo_modules                extra modules for mkinitramfs.sh --modules

# noiommu is the IOMMU-off topology.  vfio's no-IOMMU mode
# (vfio.enable_unsafe_noiommu_mode) cannot be had: Debian's kernel is built
# without CONFIG_VFIO_NOIOMMU ("vfio: unknown parameter ... ignored", and
# vfio-pci's probe fails with EINVAL for want of a group).
topo_names=(rootports pcibridge multifunction switch sriov noiommu vfio gpu amdvi)
# Captures for group prediction and pcipass diff (not probed by
# check-kernel.sh): NAME-noiommu is NAME's machine with the IOMMU off the way
# noiommu is rootports' (no IOMMU device, no intel_iommu=on; amdvi keeps its
# IOMMU function and boots amd_iommu=off); sriov-novfs is sriov before the
# VFs are enabled; rootports-moved is rootports with the e1000e and the nvme
# swapped between rp2 and rp3 (their bus= differs; rp3 is created before
# the e1000e that sits on it).
topo_pair_names=(pcibridge-noiommu multifunction-noiommu switch-noiommu sriov-noiommu
	gpu-noiommu amdvi-noiommu sriov-novfs rootports-moved)
topo_modules='snd_hda_intel'

_topo_rp() { echo "-device pcie-root-port,id=rp$1,chassis=$1,slot=$1${2:+,$2}"; }
_topo_nvme_drive='-drive if=none,id=d0,file=null-co://,format=raw'

topo_qemu_args() {
	case $1 in
	*-noiommu) topo_qemu_args "${1%-noiommu}" ;;
	sriov-novfs) topo_qemu_args sriov ;;
	rootports-moved)
		echo "$(_topo_rp 1) -device virtio-net-pci,bus=rp1,mac=52:54:00:00:00:01"
		echo "$(_topo_rp 2) $(_topo_rp 3)"
		echo "-device e1000e,bus=rp3,mac=52:54:00:00:00:02"
		echo "-device nvme,serial=pcipass0,drive=d0,bus=rp2 $_topo_nvme_drive"
		;;
	rootports | noiommu | vfio | amdvi)
		echo "$(_topo_rp 1) -device virtio-net-pci,bus=rp1,mac=52:54:00:00:00:01"
		echo "$(_topo_rp 2) -device e1000e,bus=rp2,mac=52:54:00:00:00:02"
		echo "$(_topo_rp 3) -device nvme,serial=pcipass0,drive=d0,bus=rp3 $_topo_nvme_drive"
		;;
	pcibridge)
		echo "$(_topo_rp 1) -device pcie-pci-bridge,id=pb1,bus=rp1"
		echo "-device rtl8139,bus=pb1,addr=1.0,mac=52:54:00:00:00:01"
		echo "-device e1000,bus=pb1,addr=2.0,mac=52:54:00:00:00:02"
		echo "$(_topo_rp 2) -device virtio-net-pci,bus=rp2,mac=52:54:00:00:00:03"
		;;
	multifunction)
		echo "$(_topo_rp 1)"
		echo "-device virtio-net-pci,bus=rp1,addr=0.0,multifunction=on,mac=52:54:00:00:00:01"
		echo "-device virtio-net-pci,bus=rp1,addr=0.1,mac=52:54:00:00:00:02"
		echo "-device e1000e,bus=rp1,addr=0.2,mac=52:54:00:00:00:03"
		;;
	switch)
		echo "$(_topo_rp 1) -device x3130-upstream,id=up1,bus=rp1"
		echo "-device xio3130-downstream,id=dn1,bus=up1,chassis=11,slot=1"
		echo "-device xio3130-downstream,id=dn2,bus=up1,chassis=12,slot=2"
		echo "-device virtio-net-pci,bus=dn1,mac=52:54:00:00:00:01"
		echo "-device e1000e,bus=dn2,mac=52:54:00:00:00:02"
		;;
	sriov)
		echo "$(_topo_rp 1) -device virtio-net-pci,bus=rp1,mac=52:54:00:00:00:01"
		echo "$(_topo_rp 2) -device nvme-subsys,id=s0"
		echo "-device nvme,serial=pcipass0,subsys=s0,bus=rp2,sriov_max_vfs=3,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=10,msix_qsize=16"
		;;
	gpu)
		# A GPU-shaped pair: display function 0 + HD audio function 1,
		# neither with FLR, on a 5 GT/s root port (design.md 7: a bus
		# reset below a 16 GT/s QEMU root port never completes); an
		# e1000e (pm, bus) alone on a second 5 GT/s port.
		echo "$(_topo_rp 1 x-speed=5)"
		echo "-device VGA,bus=rp1,addr=0.0,multifunction=on"
		echo "-device ich9-intel-hda,bus=rp1,addr=0.1"
		echo "$(_topo_rp 2 x-speed=5) -device e1000e,bus=rp2,mac=52:54:00:00:00:02"
		;;
	*) return 1 ;;
	esac
}

topo_iommu() { # NAME -> run-vm.sh --iommu KIND
	case $1 in
	amdvi | amdvi-noiommu) echo amd ;;
	noiommu | *-noiommu) echo none ;;
	*) echo intel ;;
	esac
}

topo_append() { # NAME -> kernel arguments besides pcipass.topology=NAME
	case $1 in
	amdvi-noiommu) echo amd_iommu=off ;;
	*) ;;
	esac
}
