#!/usr/bin/env bash
# The main job against the practice lab: build two servers on this computer, find
# them, take their inventory, validate them, install the pair and prove it, exactly
# as an admin would with real servers. Pass a real pair's site file as $1 instead.
set -euo pipefail
cd "$(dirname "$0")/.."
lockstep() { node bin/lockstep.mjs "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

site="${1:-}"
allow=()
if [ -z "$site" ]; then
  bash scripts/install-system-deps.sh
  step "Practice lab: two Debian 12 servers on this computer"
  lockstep lab up
  site="$(lockstep lab status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).info.siteFile))')"
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

if lockstep status --help >/dev/null 2>&1; then
  step "The pair, as the console sees it"
  lockstep status -c "$site" || true
fi

printf '\nDone. The lab keeps running; `node bin/lockstep.mjs lab down` removes it.\n'
