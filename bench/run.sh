#!/usr/bin/env bash
# `npm run bench` (which builds the CLI first): Lockstep against its peers on the
# practice lab. Installs the peers when missing, brings the lab up when it is down and
# builds its offline bundle when there is none, then times every figure (bench/bench.ts,
# which first converges the lab with one apply) and prints one table.
# Usage: bench/run.sh [FIGURE-ID…]   e.g. bench/run.sh discover-24
set -euo pipefail
cd "$(dirname "$0")/.."

# tool → Debian package (chromium: the UI figures; /usr/bin/chromium is what they drive)
declare -A package=([ansible]=ansible [nmap]=nmap [hyperfine]=hyperfine [ssh]=openssh-client [chromium]=chromium)
missing=()
for tool in "${!package[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package[$tool]}")
done
if ((${#missing[@]} > 0)); then
  echo "bench: installing peers: ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: run as root, or install them yourself: apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
  apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; }
fi

[[ -f dist/lockstep.mjs ]] || node build/build-cli.mjs

lab_state() {
  node bin/lockstep.mjs --json lab status 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).state)}catch{console.log("unknown")}})'
}
if [[ $(lab_state) != running ]]; then
  echo "bench: starting the practice lab (lockstep lab up)" >&2
  # A lab that does not come up is not fatal: its figures report "not available".
  node bin/lockstep.mjs lab up >&2 || echo "bench: lab up failed; lab figures will be marked not available" >&2
fi

# The lab's servers have no internet: they install from the offline bundle its site file
# names (`lockstep bundle build`, as scripts/demo.sh does). A fresh clone has none yet, and
# a package added to the stack since it was built would fail every apply.
if [[ $(lab_state) == running ]]; then
  site=$(node bin/lockstep.mjs --json lab status | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).info.siteFile))')
  bundle=$(sed -n 's/^  bundle: //p' "$site")
  if [[ -n $bundle ]] && ! node_modules/.bin/tsx bench/bundle-fresh.ts "$bundle"; then
    echo "bench: building the lab's offline package bundle ($bundle)" >&2
    node bin/lockstep.mjs bundle build --out "$bundle" >&2 || echo "bench: bundle build failed; the apply figures will say why" >&2
  fi
fi

# The UI figures serve renderer/dist (built by `npm ci`; built here when missing).
[[ -f renderer/dist/index.html ]] || npx vite build --config renderer/vite.config.ts --logLevel warn >&2 ||
  echo "bench: the renderer did not build; the UI figures will say why" >&2

exec node_modules/.bin/tsx bench/bench.ts "$@"
