#!/usr/bin/env bash
# The main job against the practice lab: build two servers on this computer, find
# them, pin their keys, take their inventory and validate them, exactly as an admin
# would do with real servers. Pass real servers' site file as $1 to skip the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
lockstep() { node bin/lockstep.mjs "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

site="${1:-}"
if [ -z "$site" ]; then
  bash scripts/install-system-deps.sh
  step "Practice lab: two Debian servers on this computer"
  lockstep lab up
  site="$(lockstep lab status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).siteFile))')"
  step "Find servers on the lab's management network"
  lockstep discover 10.211.0.0/24
fi

step "Inventory of both servers (site file: $site)"
lockstep probe -c "$site"

if lockstep validate --help >/dev/null 2>&1; then
  step "Validate"
  lockstep validate -c "$site" || true
fi

printf '\nDone. The lab keeps running; `node bin/lockstep.mjs lab down` removes it.\n'
