/**
 * Records every statement the bridge runs on SQLite, with its parameters, one JSON line each
 * (`{"m":"run"|"all"|"get","s":sql,"p":parameters}`), for `sql-replay.ts`. Loaded into the bridge
 * process by `npm run bench -- --sql-trace <file>` (node's `--import`), which names the file in
 * BENCH_SQL_TRACE_FILE. For benchmarks only: the file holds every value written, sealed ones
 * included, and recording costs the bridge time.
 *
 * Written by hand: better-sqlite3 has no statement log with parameters (its `verbose` option
 * gives the SQL text only).
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'

const file = process.env.BENCH_SQL_TRACE_FILE
if (file) {
  // better-sqlite3 as the bridge resolves it (this module is loaded before the bridge's bin).
  const Database = createRequire(process.argv[1] ?? import.meta.url)('better-sqlite3')
  const probe = new Database(':memory:')
  const statement = Object.getPrototypeOf(probe.prepare('select 1'))
  probe.close()
  const fd = openSync(file, 'w', 0o600)
  let lines = []
  const flush = () => {
    if (lines.length === 0) return
    writeSync(fd, lines.join(''))
    lines = []
  }
  const toJson = (_key, value) => (typeof value === 'bigint' ? Number(value) : value)
  for (const method of ['run', 'all', 'get']) {
    const original = statement[method]
    statement[method] = function (...args) {
      lines.push(`${JSON.stringify({ m: method, s: this.source, p: args[0] }, toJson)}\n`)
      if (lines.length >= 1000) flush()
      return original.apply(this, args)
    }
  }
  process.on('exit', () => {
    flush()
    closeSync(fd)
  })
}
