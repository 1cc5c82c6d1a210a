#!/usr/bin/env node
// Collects every *.test.ts under packages/*/test and runs them with node's test runner through tsx.
// Node 20's --test does not expand glob patterns itself, hence this small collector.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const filters = process.argv.slice(2)
const files = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (name.endsWith('.test.ts')) files.push(path)
  }
}
for (const pkg of readdirSync('packages')) {
  const dir = join('packages', pkg, 'test')
  if (existsSync(dir)) walk(dir)
}
const selected = files
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
if (selected.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...selected],
  { stdio: 'inherit' }
)
process.exit(result.status ?? 1)
