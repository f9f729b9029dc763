#!/bin/sh
# Build the libFuzzer harnesses (fuzz/fuzz_*.c) with ASan and UBSan against
# every src/*.c except main.c.  The project's objects go into a static
# archive, so a harness pulls in only what it calls (the cmd_*.c files need
# main.c and stay out unless something references them).
#
# Needs: clang, libclang-rt-14-dev (libFuzzer and the sanitizer runtimes),
# pkg-config and the -dev packages configure checks for (libpci-dev,
# libjson-c-dev, libsmartcols-dev, libarchive-dev).  No configure run: a
# minimal config.h is written into the build directory.
#
# Usage: fuzz/build.sh [OUTDIR]        (default fuzz/build)
#        CC=clang-14 fuzz/build.sh     (another clang)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${1:-$here/build}
CC=${CC:-clang}
PKGS="libpci json-c smartcols libarchive"

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz/build.sh: $CC: not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi
pkg_cflags=$(pkg-config --cflags $PKGS)
pkg_libs=$(pkg-config --libs $PKGS)

san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-g -O1 -fno-omit-frame-pointer $san -Wall -Wextra -Wshadow -Wno-unused-parameter"

mkdir -p "$out/include" "$out/obj"
version=$(sed -n 's/^AC_INIT(\[pcipass\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
cat >"$out/include/config.h.new" <<EOF
/* Written by fuzz/build.sh: what configure would define for the sources. */
#define PACKAGE "pcipass"
#define PACKAGE_NAME "pcipass"
#define PACKAGE_VERSION "${version:-0}"
#define PACKAGE_STRING "pcipass ${version:-0}"
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
EOF
# Keep the old file when nothing changed, so timestamps stay meaningful.
if cmp -s "$out/include/config.h.new" "$out/include/config.h"; then
	rm "$out/include/config.h.new"
else
	mv "$out/include/config.h.new" "$out/include/config.h"
fi

# -iquote: src/archive.h must not hide libarchive's <archive.h>.
inc="-iquote $out/include -iquote $top/src -iquote $here"

# compile SRC OBJ EXTRA: only when the object is older than the source or
# any header it may include.
compile() {
	src=$1 obj=$2
	shift 2
	if [ -f "$obj" ] && [ -z "$(find "$src" "$top"/src/*.h "$here"/*.h "$out/include/config.h" -newer "$obj" 2>/dev/null | head -n 1)" ]; then
		return 0
	fi
	echo "  CC      ${src#"$top"/}"
	# shellcheck disable=SC2086
	"$CC" $cflags "$@" $inc $pkg_cflags -c -o "$obj" "$src"
}

rm -f "$out/libpcipass.a"
objs=
for src in "$top"/src/*.c; do
	name=$(basename "$src" .c)
	[ "$name" = main ] && continue
	compile "$src" "$out/obj/$name.o" -fsanitize=fuzzer-no-link
	objs="$objs $out/obj/$name.o"
done
# shellcheck disable=SC2086
ar rcs "$out/libpcipass.a" $objs
compile "$here/tree.c" "$out/obj/fuzz-tree.o" -fsanitize=fuzzer-no-link

for harness in "$here"/fuzz_*.c; do
	name=$(basename "$harness" .c)
	compile "$harness" "$out/obj/$name.o" -fsanitize=fuzzer-no-link
	echo "  LD      ${out#"$top"/}/$name"
	# shellcheck disable=SC2086
	"$CC" $cflags -fsanitize=fuzzer -o "$out/$name" "$out/obj/$name.o" "$out/obj/fuzz-tree.o" \
		"$out/libpcipass.a" $pkg_libs
done
