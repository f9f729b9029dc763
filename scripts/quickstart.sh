#!/bin/sh
# The first command of the README: install the dependencies, build, and
# show this host's PCI functions.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
autoreconf -fi
./configure
make -j"$(nproc)"
./pcipass list
