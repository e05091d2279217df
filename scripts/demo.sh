#!/usr/bin/env bash
# The main job against the practice lab: build two servers on this computer, find
# them, take their inventory, validate them, install the pair and prove it, exactly
# as an admin would with real servers. `--kind vm` uses the QEMU lab (real kernels, DRBD);
# pass a real pair's site file as $1 instead.
set -euo pipefail
cd "$(dirname "$0")/.."
lockstep() { node bin/lockstep.mjs "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

kind=container
if [ "${1:-}" = "--kind" ]; then
  kind="${2:-}"
  shift 2 || true
  if [ "$kind" != container ] && [ "$kind" != vm ]; then
    echo "demo: --kind must be container or vm (got \"$kind\")" >&2
    exit 2
  fi
fi
site="${1:-}"
allow=()
siteOf() { lockstep lab status "$@" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).info.siteFile))'; }
if [ -z "$site" ] && [ "$kind" = vm ]; then
  bash scripts/install-system-deps.sh --vm
  step "VM lab: two Debian 12 servers as QEMU VMs on this computer (first time: builds an image, ~10 min)"
  lockstep lab up --kind vm
  site="$(siteOf --kind vm)"
  step "Find servers on the VM lab's management network"
  lockstep discover 10.212.0.0/24
  # Real kernels and disks: DRBD and the pool are installed for real. Only the private
  # link's round trip under TCG emulation (~6 ms) is over the 5 ms threshold.
  allow=(--allow-checks net.latency-high)
elif [ -z "$site" ]; then
  bash scripts/install-system-deps.sh
  step "Practice lab: two Debian 12 servers on this computer"
  lockstep lab up
  site="$(siteOf)"
  bundle="$(sed -n 's/^  bundle: //p' "$site")"
  step "Offline package bundle for the lab (its servers have no internet)"
  lockstep bundle build --out "$bundle"
  step "Find servers on the lab's management network"
  lockstep discover 10.211.0.0/24
  # Containers share this computer's kernel: no DRBD module, no disks of their own, and
  # (on most machines) no nested VT-x. validate says so; the install goes on past
  # exactly these findings and installs everything else for real.
  allow=(--allow-checks cpu.virt-missing,disk.none-available,kmod.drbd-unavailable)
fi

step "Inventory of both servers ($site)"
lockstep probe -c "$site"

step "Validate (nothing is changed)"
lockstep validate -c "$site" || true

step "Plan"
lockstep plan -c "$site" "${allow[@]}"

step "Install"
lockstep apply -c "$site" "${allow[@]}" --yes

step "Install again: a converged pair needs nothing"
lockstep apply -c "$site" "${allow[@]}" --yes

if [ "$kind" = vm ]; then
  step "A protected VM: a tiny guest on a mirrored disk, run by the cluster (level ha)"
  guest="$(mktemp -d)/tiny-guest.raw"
  bash test/lab/tiny-guest/build.sh "$guest"
  lockstep vm create demo1 -c "$site" --image "$guest" --disk-size 64M --memory 32M "${allow[@]}" --yes
  echo "Its serial console: /var/log/lockstep/vms/demo1.console.log on the server that runs it."
fi

if lockstep status --help >/dev/null 2>&1; then
  step "The pair, as the console sees it"
  lockstep status -c "$site" || true
fi

if [ "$kind" = vm ]; then
  printf '\nDone. The VM lab keeps running; `node bin/lockstep.mjs lab down --kind vm` removes it.\n'
else
  printf '\nDone. The lab keeps running; `node bin/lockstep.mjs lab down` removes it.\n'
fi
