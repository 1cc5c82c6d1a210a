/**
 * Queue throughput: enqueue-and-complete on SQLite and PostgreSQL, measured in one run.
 * Each job is enqueued in its own transaction (as intake does) while runners in this process
 * claim and complete them with a no-op handler. Usage: npm run bench:queue [-- --jobs N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import pino from 'pino'
import {
  createStore,
  JobQueue,
  JobRunner,
  migrateToLatest,
  type DatabaseOptions
} from '@mosip-bridge/server'

const jobsArg = process.argv.indexOf('--jobs')
const JOBS = jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : 5000
const POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function measure(label: string, options: DatabaseOptions): Promise<void> {
  const store = createStore(options, 12)
  await migrateToLatest(store)
  const queue = new JobQueue(store, { maxAttempts: 5, backoff: { baseMs: 100, maxMs: 1000 } })
  const runners = [0].map(
    (i) =>
      new JobRunner({
        queue,
        handlers: { noop: async () => undefined },
        logger: pino({ level: 'silent' }),
        concurrency: 16,
        leaseMs: 30_000,
        pollIntervalMs: 50,
        workerId: `bench-${i}`
      })
  )
  runners.forEach((r) => r.start())
  const started = process.hrtime.bigint()
  const enqueuers = 4
  await Promise.all(
    Array.from({ length: enqueuers }, async (_, e) => {
      for (let i = e; i < JOBS; i += enqueuers) {
        await store.transaction((trx) => queue.enqueue(trx, 'noop', { i }))
        queue.notify()
      }
    })
  )
  const enqueuedAt = process.hrtime.bigint()
  for (;;) {
    const counts = await queue.counts()
    if (counts.done === JOBS) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const finished = process.hrtime.bigint()
  await Promise.all(runners.map((r) => r.stop(1000)))
  await store.close()
  const seconds = (t: bigint) => Number(t - started) / 1e9
  console.log(
    `${label.padEnd(10)} ${String(JOBS).padStart(6)} jobs  ` +
      `enqueued in ${seconds(enqueuedAt).toFixed(2)} s, all done in ${seconds(finished).toFixed(2)} s  ` +
      `→ ${Math.round(JOBS / seconds(finished))} jobs/s enqueue-and-complete`
  )
}

const dir = mkdtempSync(join(tmpdir(), 'bench-queue-'))
try {
  await measure('sqlite', { kind: 'sqlite', sqlitePath: join(dir, 'bench.db') })
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const name = `bench_queue_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
try {
  await admin.connect()
  await admin.query(`create database ${name}`)
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  await measure('postgres', { kind: 'postgres', url: url.toString() })
} catch (error) {
  console.log(`postgres   skipped: ${(error as Error).message}`)
} finally {
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined)
  await admin.end().catch(() => undefined)
}
