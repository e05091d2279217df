#!/usr/bin/env bash
# Builds the tiny guest (guest.S: a boot sector that counts boots and ticks on its own
# disk) into a raw 1 MiB disk image at $1, with binutils. Used by the HA lab test and by
# `npm run demo -- --kind vm`.
set -euo pipefail
out="${1:?usage: build.sh OUT.raw}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
as --32 -o "$work/guest.o" "$(dirname "$0")/guest.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -e _start -o "$out" "$work/guest.o"
truncate -s 1M "$out"
