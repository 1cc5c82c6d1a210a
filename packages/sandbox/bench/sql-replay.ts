/**
 * Replays the SQLite statements of a bench run (recorded with `npm run bench -- --sql-trace
 * <file>`) alone, against a new database file, to compare storage settings or schema changes
 * without the HTTP, crypto and simulators around them, and so with far less noise than the
 * end-to-end bench. Variants run in alternation; medians are printed.
 *   npm run bench:sql-replay -- <trace.jsonl> [--runs 3] [--variant 'name=pragma; pragma']...
 * e.g. --variant 'log 1000=wal_autocheckpoint = 1000' --variant 'log 4000=wal_autocheckpoint = 4000'
 * A variant's pragmas run after those the bridge set when it opened the database.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type SqliteDatabase from 'better-sqlite3'

// better-sqlite3 as the bridge resolves it.
const Database = createRequire(import.meta.resolve('@mosip-bridge/server'))(
  'better-sqlite3'
) as typeof SqliteDatabase

interface Recorded {
  m: 'run' | 'all' | 'get'
  s: string
  p?: unknown
}

const args = process.argv.slice(2)
const traceFile = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'))
if (!traceFile) {
  console.error('usage: sql-replay <trace.jsonl> [--runs N] [--variant "name=pragma; pragma"]...')
  process.exit(2)
}
const runsIndex = args.indexOf('--runs')
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 3
const variants = args
  .flatMap((arg, i) => (args[i - 1] === '--variant' ? [arg] : []))
  .map((text) => {
    const [name, pragmas = ''] = text.split(/=(.*)/s)
    return {
      name: name!.trim(),
      pragmas: pragmas
        .split(';')
        .map((p) => p.trim())
        .filter(Boolean)
    }
  })
if (variants.length === 0) variants.push({ name: 'as recorded', pragmas: [] })

const revive = (_key: string, value: unknown) =>
  value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer'
    ? Buffer.from((value as { data: number[] }).data)
    : value
const statements: Recorded[] = readFileSync(traceFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line, revive) as Recorded)
const isPragma = (source: string) => /^\s*pragma\b/i.test(source)

interface Figures {
  totalMs: number
  commitMs: number
  cpuMs: number
  errors: number
}

function replay(pragmas: string[]): Figures {
  const dir = mkdtempSync(join(tmpdir(), 'sql-replay-'))
  const db = new Database(join(dir, 'replay.db'))
  const prepared = new Map<string, SqliteDatabase.Statement>()
  let applied = false
  let total = 0n
  let commit = 0n
  let errors = 0
  const cpuBefore = process.cpuUsage()
  try {
    for (const { m, s, p } of statements) {
      if (!applied && !isPragma(s)) {
        for (const pragma of pragmas) db.pragma(pragma)
        applied = true
      }
      let statement = prepared.get(s)
      if (!statement) {
        statement = db.prepare(s)
        prepared.set(s, statement)
      }
      const started = process.hrtime.bigint()
      try {
        if (p === undefined) statement[m]()
        else statement[m](p)
      } catch {
        // As in the recorded run, some statements fail by design (a key already taken, a
        // savepoint rolled back): they are counted, not fatal.
        errors++
      }
      const took = process.hrtime.bigint() - started
      total += took
      if (/^\s*commit\b/i.test(s)) commit += took
    }
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const cpu = process.cpuUsage(cpuBefore)
  return {
    totalMs: Number(total) / 1e6,
    commitMs: Number(commit) / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    errors
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}
const results = new Map<string, Figures[]>(variants.map((v) => [v.name, []]))
for (let run = 0; run < RUNS; run++) {
  for (const variant of variants) results.get(variant.name)!.push(replay(variant.pragmas))
}
const commits = statements.filter(({ s }) => /^\s*commit\b/i.test(s)).length
console.log(
  `${statements.length} statements, ${commits} commits, ${RUNS} runs of each variant in alternation (medians)`
)
console.table(
  Object.fromEntries(
    [...results].map(([name, runs]) => [
      name,
      {
        'statements ms': median(runs.map((r) => r.totalMs)).toFixed(0),
        'commits ms': median(runs.map((r) => r.commitMs)).toFixed(0),
        'CPU ms': median(runs.map((r) => r.cpuMs)).toFixed(0),
        'failed statements': runs[0]?.errors ?? 0
      }
    ])
  )
)
