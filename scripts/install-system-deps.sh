#!/usr/bin/env bash
# Installs the Debian packages that the practice lab, the tests and the browser
# end-to-end run need. Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
  debootstrap          # builds the practice lab's cached Debian root
  systemd-container    # systemd-nspawn: the lab's servers
  iproute2             # network namespaces, veth cables, bridges
  openssh-client       # tests compare with what OpenSSH sees
  openssh-server       # transport tests run a real sshd on loopback
  ethtool iputils-ping # link facts and the private-link test
  chromium             # Playwright drives the real browser through the web bridge
  xvfb                 # a display for the Electron suite where a runtime exists
  sudo                 # transport tests prove sudo with a password on stdin
  openipmi             # ipmi_sim: the simulated BMCs the IPMI fencing test fences through
)

# --vm adds what the VM lab needs (`npm run test:lab`, `lockstep lab up --kind vm`).
if [ "${1:-}" = --vm ]; then
  packages+=(qemu-system-x86 qemu-utils busybox-static binutils) # busybox: the FT test's tiny guest; binutils: the HA test's boot-sector guest
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: needs root to install Debian packages (run it with sudo)." >&2
  exit 2
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all Debian packages present."
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
mkdir -p /run/sshd
