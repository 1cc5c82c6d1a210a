import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import pino from 'pino'
import { sql } from 'kysely'
import { createStore, type DatabaseOptions } from '../src/store/database.js'
import { JobQueue } from '../src/queue/job-queue.js'
import { migrateToLatest } from '../src/store/migrate.js'
import { JobRunner } from '../src/queue/job-runner.js'
import { DIALECTS, createTestDatabase, dialectSuiteOptions } from './helpers/databases.js'
import { waitFor } from '@mosip-bridge/test-support'

const workerScript = fileURLToPath(new URL('./fixtures/queue-worker.ts', import.meta.url))

function startWorker(args: {
  database: DatabaseOptions
  name: string
  runners: number
  leaseMs: number
  mode: 'record' | 'hang'
}): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const ready = new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('"ready":true')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`worker ${args.name} exited early with ${code}`)))
  })
  return { child, ready }
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

/**
 * The schema and the workers' bookkeeping table, made once before the workers start: two
 * processes creating the same table at once can collide in PostgreSQL's catalog.
 */
async function prepare(options: DatabaseOptions): Promise<void> {
  const store = createStore(options, 1)
  try {
    await migrateToLatest(store)
    await sql`create table if not exists job_runs (job_id bigint not null, runner text not null)`.execute(
      store.db
    )
  } finally {
    await store.close()
  }
}

for (const dialect of DIALECTS) {
  describe(`job queue across processes on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    it('runs 1,000 jobs exactly once with 4 runners in two processes', async () => {
      const database = await createTestDatabase(dialect)
      await prepare(database.options)
      const workers = [
        startWorker({
          database: database.options,
          name: 'p1',
          runners: 2,
          leaseMs: 10_000,
          mode: 'record'
        }),
        startWorker({
          database: database.options,
          name: 'p2',
          runners: 2,
          leaseMs: 10_000,
          mode: 'record'
        })
      ]
      const store = createStore(database.options)
      try {
        // Both processes migrate the empty database at the same time.
        await Promise.all(workers.map((w) => w.ready))
        const queue = new JobQueue(store, { maxAttempts: 5, backoff: { baseMs: 10, maxMs: 100 } })
        for (let batch = 0; batch < 10; batch++) {
          await store.db.transaction().execute(async (trx) => {
            for (let i = 0; i < 100; i++) await queue.enqueue(trx, 'work', { n: batch * 100 + i })
          })
        }
        await waitFor(
          'all 1,000 jobs to finish',
          async () => (await queue.counts()).done === 1000,
          120_000,
          100
        )
        const runs = await sql<{
          job_id: number
          runner: string
        }>`select job_id, runner from job_runs`.execute(store.db)
        assert.equal(runs.rows.length, 1000, 'each job ran once: no duplicate executions')
        assert.equal(new Set(runs.rows.map((r) => Number(r.job_id))).size, 1000)
        const processes = new Set(runs.rows.map((r) => r.runner.split('-')[0]))
        assert.deepEqual([...processes].sort(), ['p1', 'p2'], 'both processes took part')
        const repeated = await store.db
          .selectFrom('jobs')
          .select('id')
          .where('attempts', '!=', 1)
          .execute()
        assert.deepEqual(repeated, [], 'no job needed a second attempt')
      } finally {
        await Promise.all(workers.map((w) => stopWorker(w.child)))
        await store.close()
        await database.drop()
      }
    })

    it('loses no job when a runner holding jobs is killed with SIGKILL', async () => {
      const database = await createTestDatabase(dialect)
      await prepare(database.options)
      const leaseMs = 1_500
      const worker = startWorker({
        database: database.options,
        name: 'doomed',
        runners: 1,
        leaseMs,
        mode: 'hang'
      })
      const store = createStore(database.options)
      let survivor: JobRunner | undefined
      try {
        await worker.ready
        const queue = new JobQueue(store, { maxAttempts: 5, backoff: { baseMs: 10, maxMs: 100 } })
        const ids: number[] = []
        for (let i = 0; i < 4; i++) ids.push((await queue.enqueue(store.db, 'work', { i })).id)
        await waitFor(
          'the doomed runner to hold all jobs',
          async () => (await queue.counts()).running === 4
        )
        const held = await store.db
          .selectFrom('jobs')
          .select(['locked_by', 'locked_until'])
          .execute()
        assert.ok(held.every((j) => j.locked_by?.startsWith('doomed-0/')))
        const killedAt = Date.now()
        worker.child.kill('SIGKILL')
        await once(worker.child, 'exit')

        const ranAt = new Map<number, number>()
        survivor = new JobRunner({
          queue,
          logger: pino({ level: 'silent' }),
          concurrency: 4,
          leaseMs,
          pollIntervalMs: 50,
          workerId: 'survivor',
          handlers: {
            work: async (_payload, { job }) => {
              assert.ok(!ranAt.has(job.id), `job ${job.id} ran twice`)
              ranAt.set(job.id, Date.now())
            }
          }
        })
        survivor.start()
        await waitFor(
          'every held job to run again',
          async () => (await queue.counts()).done === 4,
          20_000
        )
        assert.deepEqual(
          [...ranAt.keys()].sort((a, b) => a - b),
          ids
        )
        const leaseEnd = Math.max(...held.map((j) => j.locked_until ?? 0))
        for (const at of ranAt.values()) {
          assert.ok(at >= leaseEnd, 'nothing ran before the dead runner’s lease expired')
          assert.ok(at - killedAt < 10_000)
        }
        const jobs = await store.db.selectFrom('jobs').select(['attempts', 'state']).execute()
        assert.ok(jobs.every((j) => j.state === 'done' && j.attempts === 2))
      } finally {
        await survivor?.stop(1000)
        await stopWorker(worker.child)
        await store.close()
        await database.drop()
      }
    })
  })
}
