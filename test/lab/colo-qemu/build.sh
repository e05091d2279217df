#!/usr/bin/env bash
# Builds the QEMU that test/lab/ft-colo.test.ts proves COLO on under TCG: the source of
# this machine's qemu-system-x86 package (Debian 12: 7.2 + Debian's stable patches),
# plus colo-tcg-bql.patch (the checkpoint deadlock fix), tagged lockstep-colo-tcg-bql.
# Only qemu-system-x86_64 is built (about 10 minutes on 2 cores); the result is
# OUT/bin/qemu-system-x86_64 (the source tree is removed). It uses Debian's firmware at
# run time (-L).
#
#   sudo test/lab/colo-qemu/build.sh [OUT]      # OUT defaults to /var/cache/lockstep/colo-qemu
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/var/cache/lockstep/colo-qemu}
if [ "$(id -u)" != 0 ]; then
  echo "colo-qemu: needs root (apt-get)" >&2
  exit 2
fi

version=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
upstream=${version#*:}
upstream=${upstream%%-*}
. /etc/os-release
echo "colo-qemu: qemu ${version} (Debian ${VERSION_CODENAME}) → ${out}"

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends \
  build-essential meson ninja-build pkgconf flex bison python3 \
  libglib2.0-dev libpixman-1-dev libslirp-dev zlib1g-dev libfdt-dev >/dev/null

# The source package, with an apt state of its own (the machine's sources stay as they are).
apt_dir="${out}/apt"
mkdir -p "${apt_dir}/lists/partial" "${out}/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"${apt_dir}/sources.list" <<EOF
deb-src [signed-by=${keyring}] http://deb.debian.org/debian ${VERSION_CODENAME} main
deb-src [signed-by=${keyring}] http://deb.debian.org/debian ${VERSION_CODENAME}-updates main
deb-src [signed-by=${keyring}] http://deb.debian.org/debian-security ${VERSION_CODENAME}-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=${apt_dir}/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=${apt_dir}/lists")
apt-get "${apt_opts[@]}" update -qq
(cd "${out}/src" && apt-get "${apt_opts[@]}" source --download-only -qq "qemu=${version}")

tree="${out}/qemu-${upstream}"
rm -rf "${tree}"
mkdir -p "${tree}"
tar -xJf "${out}/src/qemu_${upstream}.orig.tar.xz" -C "${tree}" --strip-components=1
tar -xJf "${out}/src/qemu_${version#*:}.debian.tar.xz" -C "${tree}"
cd "${tree}"
grep -v '^#' debian/patches/series | while read -r patch; do
  [ -n "${patch}" ] && patch -p1 -s --forward <"debian/patches/${patch}"
done
patch -p1 <"${here}/colo-tcg-bql.patch"

mkdir -p build
cd build
../configure --target-list=x86_64-softmmu --with-pkgversion=lockstep-colo-tcg-bql \
  --enable-replication --enable-slirp --disable-docs --disable-werror --disable-user \
  --disable-tools --disable-guest-agent --disable-xen --disable-vnc --disable-sdl --disable-gtk \
  --disable-opengl --disable-spice --disable-curses --disable-capstone >"${out}/configure.log"
nice -n 10 ninja -j"$(nproc)" qemu-system-x86_64 >"${out}/build.log"

mkdir -p "${out}/bin"
cp qemu-system-x86_64 "${out}/bin/qemu-system-x86_64.new"
mv "${out}/bin/qemu-system-x86_64.new" "${out}/bin/qemu-system-x86_64"
rm -rf "${tree}"
"${out}/bin/qemu-system-x86_64" --version | head -n 1
