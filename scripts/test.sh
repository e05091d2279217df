#!/usr/bin/env bash
# `npm test`: every tier that runs on a developer machine or CI, in order —
# types, lint (incl. layering), unit + integration (vitest; the integration tier brings
# the practice lab up), then the browser end-to-end suite (Playwright in Chromium,
# against the same lab). The lab is taken down at the end unless it was already up.
set -uo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ELECTRON_SKIP_BINARY_DOWNLOAD=1

npm run -s typecheck || exit 1
npm run -s lint || exit 1
node build/build-cli.mjs || exit 1

lab_state() { node bin/lockstep.mjs lab status --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).state)}catch{console.log("unknown")}})'; }
was=$(lab_state)

mkdir -p artifacts
status=0
LOCKSTEP_KEEP_LAB=1 npx vitest run --project unit --project integration --reporter=default --reporter=json --outputFile.json=artifacts/vitest.json || status=1
PLAYWRIGHT_JSON_OUTPUT_NAME=artifacts/playwright.json npx playwright test --reporter=list,json || status=1

if [ "$was" != running ] && [ -z "${LOCKSTEP_KEEP_LAB:-}" ]; then
  node bin/lockstep.mjs lab down >/dev/null 2>&1 || true
fi

# One closing line for people and CI: the totals of both runners.
node -e '
const fs = require("fs");
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return undefined; } };
const v = read("artifacts/vitest.json"), p = read("artifacts/playwright.json");
let passed = 0, failed = 0, skipped = 0;
if (v) { passed += v.numPassedTests; failed += v.numFailedTests; skipped += v.numPendingTests + (v.numTodoTests || 0); }
if (p) { passed += p.stats.expected + (p.stats.flaky || 0); failed += p.stats.unexpected; skipped += p.stats.skipped; }
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
'
exit $status
