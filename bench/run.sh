#!/usr/bin/env bash
# `npm run bench` (which builds the CLI first): Lockstep against its peers on the
# practice lab. Installs the peers when missing, brings the lab up when it is down,
# then times every figure (bench/bench.ts) and prints one table.
# Usage: bench/run.sh [FIGURE-ID…]   e.g. bench/run.sh discover-24
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in ansible nmap hyperfine ssh; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  echo "bench: installing peers: ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: run as root, or install them yourself: apt-get install -y ansible nmap hyperfine openssh-client" >&2
    exit 2
  fi
  apt-get install -y ansible nmap hyperfine openssh-client >&2
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

exec node_modules/.bin/tsx bench/bench.ts "$@"
