#!/usr/bin/env bash
# Packages the Lockstep desktop app (AppImage and .deb on Linux) on a NETWORKED
# machine: electron-builder downloads Electron and its own tools, which the
# development machines cannot reach. Usage: npm run package [-- --mac|--win]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x node_modules/electron/dist/electron && "$(uname -s)" == Linux ]]; then
  echo "Fetching the Electron runtime (node_modules/electron/install.js)…" >&2
  node node_modules/electron/install.js
fi

npm run build
npm run build:renderer
npm run build:electron

# The config is checked against electron-builder's schema before the long build.
npx vitest run test/unit/electron/builder-config.test.ts

npx electron-builder --config build/electron-builder.yml --publish never "${@:---linux}"
echo "Packages are in release/." >&2
