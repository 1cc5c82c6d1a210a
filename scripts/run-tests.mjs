#!/usr/bin/env node
// Runs the *.test.ts files under packages/*/test with node's test runner through tsx, by tier.
//
// Tiers, told apart by the file name:
//   unit  *.test.ts      starts no child process (may listen on 127.0.0.1 and use SQLite or
//                        PostgreSQL)
//   e2e   *.e2e.test.ts  starts child processes: the bridge, the simulators, the CLIs, queue
//                        workers, openssl or keytool
//
// Usage: node scripts/run-tests.mjs [--tier unit|e2e] [substring ...]
// Without --tier every tier runs, unit first. Substrings keep only the files whose path contains
// one of them. Node 20's --test does not expand glob patterns itself, hence this collector.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync, existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const TIERS = {
  // Unit files are mostly CPU (loading modules, crypto), with some waiting on timers and
  // databases: one file more than there are cores keeps the cores busy without the contention of
  // many more (measured on 2 cores, largest files first: 57-59 s at 3, 60-76 s at 4).
  unit: {
    matches: (file) => !file.endsWith('.e2e.test.ts'),
    concurrency: availableParallelism() + 1
  },
  // Each e2e file starts processes of its own and has time limits on what they do.
  e2e: { matches: (file) => file.endsWith('.e2e.test.ts'), concurrency: availableParallelism() }
}

const args = process.argv.slice(2)
const tierFlag = args.indexOf('--tier')
let tiers = Object.keys(TIERS)
if (tierFlag !== -1) {
  const tier = args[tierFlag + 1]
  if (!(tier in TIERS)) {
    console.error(`--tier must be one of ${Object.keys(TIERS).join(', ')}`)
    process.exit(2)
  }
  tiers = [tier]
  args.splice(tierFlag, 2)
}
const filters = args

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
// Largest files first: they tend to run longest, and starting them early keeps the last
// minutes of a run from waiting on one long file while the other cores idle.
const selected = files
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort((a, b) => statSync(b).size - statSync(a).size || a.localeCompare(b))
if (selected.length === 0) {
  console.error('no test files found')
  process.exit(1)
}

const keyCache = pathToFileURL(resolve('packages/test-support/src/install-rsa-key-cache.ts')).href

// End-to-end tests start the compiled bridge and simulators: bring dist/ up to date first (CI
// builds on `npm ci`).
if (process.env.CI !== 'true' && selected.some(TIERS.e2e.matches)) {
  const built = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}

let status = 0
for (const tier of tiers) {
  const { matches, concurrency } = TIERS[tier]
  const tierFiles = selected.filter(matches)
  if (tierFiles.length === 0) continue
  console.log(`\n# ${tier} tier: ${tierFiles.length} files, ${concurrency} at a time\n`)
  const result = spawnSync(
    process.execPath,
    [
      // Workspace packages resolve to their TypeScript sources, run through tsx.
      '--conditions=@mosip-bridge/source',
      '--import',
      'tsx',
      // Test processes share RSA keys through a cache on disk instead of each generating its own.
      '--import',
      keyCache,
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      ...tierFiles
    ],
    { stdio: 'inherit' }
  )
  if (result.status !== 0) status = result.status ?? 1
}
process.exit(status)
