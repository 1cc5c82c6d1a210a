#!/usr/bin/env node
// Runs the compiled simulators (`npm run build`, which `npm ci` runs, writes dist/).
await import('../dist/cli/main.js')
