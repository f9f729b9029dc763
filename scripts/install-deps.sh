#!/bin/sh
# Install what pcipass needs to build and to run its whole test suite on
# Debian 12: build tools and libraries, lspci (the tests compare against
# it), bats, QEMU with Debian's kernel and busybox (the real-kernel tests),
# libvirt's virsh and virt-xml-validate (the --libvirt-xml tests),
# and the tools of the sanitizer, fuzzing, man page and completion checks.
set -eu

packages="
	build-essential autoconf automake libtool pkg-config
	libpci-dev libjson-c-dev libsmartcols-dev libarchive-dev libkmod-dev
	pciutils pci.ids
	bats bats-support bats-assert jq python3 python3-jsonschema libxml2-utils
	qemu-system-x86 seabios linux-image-amd64 busybox-static cpio kmod driverctl
	libvirt-clients
	groff mandoc bash-completion zsh
	clang libclang-rt-14-dev valgrind strace
"

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $packages
