import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { JobQueue } from '../src/queue/job-queue.js'
import { JobRunner, type PayloadCheck, type TaskHandler } from '../src/queue/job-runner.js'
import { PermanentFailure, RetryLater, Snooze } from '../src/core/job-failure.js'
import {
  DIALECTS,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'
import { LogSink, waitFor } from '@mosip-bridge/test-support'
import { createLogger } from '../src/observability/logger.js'

const silent = pino({ level: 'silent' })

for (const dialect of DIALECTS) {
  describe(`job queue on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    let now = 1_000_000
    const clock = () => now
    let queue: JobQueue

    before(async () => {
      ctx = await createMigratedStore(dialect)
    })
    after(async () => ctx?.drop())
    beforeEach(async () => {
      await ctx.store.db.deleteFrom('jobs').execute()
      now = 1_000_000
      queue = new JobQueue(ctx.store, {
        maxAttempts: 3,
        backoff: { baseMs: 1000, maxMs: 60_000 },
        clock,
        random: () => 1
      })
    })

    function runner(
      handlers: Record<string, TaskHandler>,
      extra: Partial<ConstructorParameters<typeof JobRunner>[0]> = {}
    ) {
      const liveQueue = new JobQueue(ctx.store, {
        maxAttempts: 3,
        backoff: { baseMs: 5, maxMs: 20 }
      })
      return {
        queue: liveQueue,
        runner: new JobRunner({
          queue: liveQueue,
          handlers,
          logger: silent,
          concurrency: 4,
          leaseMs: 5_000,
          pollIntervalMs: 20,
          ...extra
        })
      }
    }

    it('never runs a job enqueued in a transaction that rolled back', async () => {
      await assert.rejects(
        ctx.store.db.transaction().execute(async (trx) => {
          await queue.enqueue(trx, 'send', { n: 1 })
          throw new Error('caller failed after enqueueing')
        }),
        /caller failed/
      )
      await ctx.store.db.transaction().execute(async (trx) => {
        await queue.enqueue(trx, 'send', { n: 2 })
      })
      const ran: unknown[] = []
      const { runner: r } = runner({ send: async (payload) => void ran.push(payload) })
      r.start()
      await waitFor('the committed job to run', () => ran.length === 1)
      await r.stop(1000)
      assert.deepEqual(ran, [{ n: 2 }])
      // The rolled-back job does not exist, so no later poll could run it.
      assert.equal((await queue.list()).length, 1)
    })

    it('puts the registration and MOSIP event ids of a job on its log lines', async () => {
      const sink = new LogSink()
      const logger = createLogger({ level: 'info', destination: sink })
      const { queue: live, runner: run } = runner(
        {
          noisy: async (_payload, { logger: log }) => {
            log.info('working')
          }
        },
        { logger }
      )
      await live.enqueue(ctx.store.db, 'noisy', { v: 1, registrationId: '100010000000077' })
      await live.enqueue(ctx.store.db, 'noisy', { v: 1, eventId: 'mosip-event-77' })
      run.start()
      try {
        await waitFor('both jobs to log', () => sink.entries().length >= 2)
      } finally {
        await run.stop(1_000)
      }
      const lines = sink.entries().filter((line) => line.msg === 'working')
      assert.ok(lines.some((line) => line.registrationId === '100010000000077'))
      assert.ok(lines.some((line) => line.mosipEventId === 'mosip-event-77'))
      assert.ok(lines.every((line) => line.task === 'noisy' && line.jobId !== undefined))
    })

    it('creates one job for a job key enqueued twice, and runs it once', async () => {
      const first = await queue.enqueue(ctx.store.db, 'send', { n: 1 }, { jobKey: 'reg-1:submit' })
      const second = await queue.enqueue(ctx.store.db, 'send', { n: 2 }, { jobKey: 'reg-1:submit' })
      assert.equal(first.created, true)
      assert.equal(second.created, false)
      assert.equal(second.id, first.id)
      const ran: unknown[] = []
      const { runner: r } = runner({ send: async (payload) => void ran.push(payload) })
      r.start()
      await waitFor('the job to finish', async () => (await queue.get(first.id))?.state === 'done')
      await r.stop(1000)
      assert.deepEqual(ran, [{ n: 1 }])
      const third = await queue.enqueue(ctx.store.db, 'send', { n: 3 }, { jobKey: 'reg-1:submit' })
      assert.equal(third.created, false, 'a finished job keeps its key until it is purged')
    })

    it('claims only due jobs, in order, with a lease', async () => {
      const late = await queue.enqueue(ctx.store.db, 'a', {}, { runAt: now + 10_000 })
      const first = await queue.enqueue(ctx.store.db, 'a', {})
      const second = await queue.enqueue(ctx.store.db, 'a', {})
      const claimed = await queue.claim('w1', 10, 30_000)
      assert.deepEqual(
        claimed.map((j) => j.id),
        [first.id, second.id]
      )
      assert.ok(claimed.every((j) => j.state === 'running' && j.attempts === 1))
      assert.ok(claimed.every((j) => j.lease.startsWith('w1/')))
      // Leases run on the database's clock where it has one, on the process's otherwise.
      const leaseNow = ctx.store.capabilities.databaseClock ? Date.now() : now
      assert.ok(claimed.every((j) => Math.abs((j.locked_until ?? 0) - (leaseNow + 30_000)) < 5_000))
      assert.deepEqual(await queue.claim('w2', 10, 30_000), [], 'held jobs are not claimed again')
      now += 10_000
      assert.deepEqual(
        (await queue.claim('w2', 10, 30_000)).map((j) => j.id),
        [late.id]
      )
    })

    it('backs off exponentially, goes dead after the last attempt, and replays', async () => {
      const { id } = await queue.enqueue(ctx.store.db, 'flaky', {})
      const delays: number[] = []
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [job] = await queue.claim('w', 1, 30_000)
        assert.equal(job?.attempts, attempt)
        const outcome = await queue.fail(job!, new Error('MOSIP unreachable'))
        const row = (await queue.get(id))!
        if (attempt < 3) {
          assert.equal(outcome, 'retry')
          assert.equal(row.state, 'queued')
          delays.push(row.run_at - now)
          assert.deepEqual(await queue.claim('w', 1, 30_000), [], 'not due before its backoff')
          now = row.run_at
        } else {
          assert.equal(outcome, 'dead')
          assert.equal(row.state, 'dead')
          assert.match(row.last_error ?? '', /MOSIP unreachable \(gave up after 3 attempts\)/)
        }
      }
      assert.deepEqual(delays, [1000, 2000], 'delay doubles per attempt (random=1: full delay)')
      assert.deepEqual(await queue.claim('w', 1, 30_000), [], 'a dead job is never claimed')
      assert.equal(await queue.replay(id), true)
      assert.equal(await queue.replay(id), false, 'only dead jobs replay')
      const [again] = await queue.claim('w', 1, 30_000)
      assert.equal(again?.id, id)
      assert.equal(again?.attempts, 1)
      assert.equal(await queue.complete(again!), true)
      assert.equal((await queue.get(id))?.state, 'done')
    })

    it('honours an explicit retry-after and sends permanent failures straight to dead', async () => {
      const later = await queue.enqueue(ctx.store.db, 'limited', {})
      const broken = await queue.enqueue(ctx.store.db, 'broken', {})
      const [a, b] = await queue.claim('w', 2, 30_000)
      assert.equal(await queue.fail(a!, new RetryLater(42_000, 'HTTP 429')), 'retry')
      assert.equal((await queue.get(later.id))?.run_at, now + 42_000)
      assert.equal(await queue.fail(b!, new PermanentFailure('schema rejected')), 'dead')
      assert.equal((await queue.get(broken.id))?.state, 'dead')
    })

    /** Sweeps until a lease of `leaseMs` has run out on whichever clock the leases use. */
    async function sweepExpired(): Promise<{ requeued: number; dead: number }> {
      return waitFor('a lease to expire', async () => {
        const swept = await queue.releaseExpiredLeases()
        return swept.requeued + swept.dead > 0 ? swept : undefined
      })
    }

    it('returns expired leases to the queue, and refuses the old holder', async () => {
      const { id } = await queue.enqueue(ctx.store.db, 'slow', {})
      const [held] = await queue.claim('dying', 1, 50)
      now += 1_001
      assert.deepEqual(await sweepExpired(), { requeued: 1, dead: 0 })
      const [taken] = await queue.claim('other', 1, 1_000)
      assert.equal(taken?.id, id)
      assert.equal(taken?.attempts, 2)
      assert.equal(await queue.complete(held!), false, 'the first holder lost its lease')
      assert.equal(await queue.extendLease(held!, 1_000), false)
      assert.equal(await queue.complete(taken!), true)
    })

    it('sends a job whose last attempt lost its lease to dead', async () => {
      const { id } = await queue.enqueue(ctx.store.db, 'crasher', {}, { maxAttempts: 1 })
      await queue.claim('dying', 1, 50)
      now += 1_001
      assert.deepEqual(await sweepExpired(), { requeued: 0, dead: 1 })
      assert.match((await queue.get(id))?.last_error ?? '', /LEASE_EXPIRED/)
    })

    it('snoozes without counting the attempt, backing off by its own snoozes, capped', async () => {
      const { id } = await queue.enqueue(ctx.store.db, 'outage', {})
      const delays: number[] = []
      // Far more snoozes than maxAttempts (3): an outage never exhausts the attempts.
      for (let round = 1; round <= 10; round++) {
        const [job] = await queue.claim('w', 1, 30_000)
        assert.equal(job?.attempts, 1, 'a snooze gives the attempt back')
        assert.equal(
          await queue.fail(job!, new Snooze('MOSIP down', { code: 'MOSIP_HTTP_503' })),
          'snoozed'
        )
        const row = (await queue.get(id))!
        assert.equal(row.state, 'queued')
        assert.equal(row.attempts, 0)
        assert.equal(row.snoozes, round)
        assert.match(row.last_error ?? '', /MOSIP_HTTP_503: MOSIP down/)
        delays.push(row.run_at - now)
        now = row.run_at
      }
      assert.deepEqual(
        delays,
        [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000],
        'exponential from the base, capped at the maximum (random=1: full delay)'
      )
      const [job] = await queue.claim('w', 1, 30_000)
      assert.equal(
        await queue.fail(job!, new Snooze('throttled', { afterMs: 7_000 })),
        'snoozed',
        'a Retry-After is honoured'
      )
      assert.equal((await queue.get(id))?.run_at, now + 7_000)
      now += 7_000
      // Failures of unknown kind still count, and still end in dead.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [again] = await queue.claim('w', 1, 30_000)
        assert.equal(again?.attempts, attempt)
        await queue.fail(again!, new Error('a bug'))
        now = (await queue.get(id))!.run_at
      }
      assert.equal((await queue.get(id))?.state, 'dead')
      assert.equal(await queue.replay(id), true)
      assert.equal((await queue.get(id))?.snoozes, 0, 'a replay starts its backoff afresh')
    })

    it('keeps a snoozing job going through a runner far beyond its attempts', async () => {
      let calls = 0
      const { queue: live, runner: r } = runner({
        waits: async () => {
          calls++
          if (calls < 8) throw new Snooze('not yet', { afterMs: 0 })
        }
      })
      const { id } = await live.enqueue(ctx.store.db, 'waits', {})
      r.start()
      await waitFor('the job to finish', async () => (await live.get(id))?.state === 'done')
      await r.stop(1000)
      const job = await live.get(id)
      assert.equal(calls, 8)
      assert.equal(job?.attempts, 1)
      assert.equal(job?.snoozes, 7)
    })

    it('judges leases by the database clock where it has one: a clock ahead takes no live lease', async (t) => {
      if (!ctx.store.capabilities.databaseClock) {
        t.skip('SQLite serves one machine, whose processes share one clock')
        return
      }
      // Instance A with the right time holds a 60 s lease; instance B's clock runs 90 s ahead.
      const a = new JobQueue(ctx.store, { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 1 } })
      const b = new JobQueue(ctx.store, {
        maxAttempts: 3,
        backoff: { baseMs: 1, maxMs: 1 },
        clock: () => Date.now() + 90_000
      })
      const { id } = await a.enqueue(ctx.store.db, 'long', {}, { runAt: 0 })
      const [held] = await a.claim('a', 1, 60_000)
      assert.equal(held?.id, id)
      assert.deepEqual(await b.releaseExpiredLeases(), { requeued: 0, dead: 0 })
      assert.deepEqual(await b.claim('b', 1, 60_000), [], 'B cannot take the job A runs')
      assert.equal(await b.extendLease(held!, 60_000), true)
      assert.equal(await a.complete(held!), true)
      // B's own leases also end on the database's clock, not 90 s later.
      const second = await b.enqueue(ctx.store.db, 'long', {}, { runAt: 0 })
      const [mine] = await b.claim('b', 1, 60_000)
      assert.equal(mine?.id, second.id)
      assert.ok(Math.abs((mine?.locked_until ?? 0) - (Date.now() + 60_000)) < 5_000)
    })

    it('runs a failing job through its retries to dead, then again after replay', async () => {
      let calls = 0
      let healthy = false
      const attempts: string[] = []
      const { queue: live, runner: r } = runner(
        {
          flaky: async () => {
            calls++
            if (!healthy) throw new Error('still down')
          }
        },
        {
          onAttempt: (task, outcome, seconds) => {
            assert.ok(seconds >= 0 && seconds < 60)
            attempts.push(`${task}:${outcome}`)
          }
        }
      )
      const { id } = await live.enqueue(ctx.store.db, 'flaky', {})
      r.start()
      await waitFor('the job to die', async () => (await live.get(id))?.state === 'dead')
      assert.equal(calls, 3)
      healthy = true
      await live.replay(id)
      await waitFor(
        'the replayed job to finish',
        async () => (await live.get(id))?.state === 'done'
      )
      await r.stop(1000)
      assert.equal(calls, 4)
      // Each attempt is reported with how it ended, for the job-duration histogram.
      assert.deepEqual(attempts, ['flaky:retry', 'flaky:retry', 'flaky:dead', 'flaky:done'])
    })

    it('marks a job for an unknown task dead instead of retrying it', async () => {
      const { queue: live, runner: r } = runner({})
      const { id } = await live.enqueue(ctx.store.db, 'nobody-handles-this', {})
      r.start()
      await waitFor('the job to die', async () => (await live.get(id))?.state === 'dead')
      await r.stop(1000)
      const job = await live.get(id)
      assert.equal(job?.attempts, 1)
      assert.match(job?.last_error ?? '', /UNKNOWN_TASK/)
    })

    it('lets running jobs finish at shutdown', async () => {
      let finished = 0
      const { queue: live, runner: r } = runner({
        work: async () => {
          await new Promise((resolve) => setTimeout(resolve, 150))
          finished++
        }
      })
      for (let i = 0; i < 3; i++) await live.enqueue(ctx.store.db, 'work', { i })
      r.start()
      await waitFor('jobs to start', () => r.activeCount === 3)
      await r.stop(5_000)
      assert.equal(finished, 3)
      assert.equal((await live.counts()).done, 3)
    })

    it('returns jobs that outlive the shutdown timeout to the queue, attempt not counted', async () => {
      let sawAbort = false
      const { queue: live, runner: r } = runner({
        hang: (_payload, { signal }) =>
          new Promise<void>((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              sawAbort = true
              reject(signal.reason as Error)
            })
          })
      })
      const { id } = await live.enqueue(ctx.store.db, 'hang', {})
      r.start()
      await waitFor('the job to start', () => r.activeCount === 1)
      await r.stop(100)
      assert.equal(sawAbort, true)
      const job = await live.get(id)
      assert.equal(job?.state, 'queued')
      assert.equal(job?.attempts, 0)
      assert.equal(job?.locked_by, null)
    })

    it('keeps renewing the lease of a long job so nobody else takes it', async () => {
      let runs = 0
      const { queue: live, runner: r } = runner(
        {
          long: async () => {
            runs++
            // Three lease lengths: the lease must be renewed several times. (A lease long
            // enough for a renewal to be late by 250 ms on a loaded machine.)
            await new Promise((resolve) => setTimeout(resolve, 1200))
          }
        },
        { leaseMs: 400 }
      )
      const { runner: other } = runner({ long: async () => void runs++ }, { leaseMs: 400 })
      const { id } = await live.enqueue(ctx.store.db, 'long', {})
      r.start()
      await waitFor('the job to start', () => r.activeCount === 1)
      other.start()
      await waitFor('the job to finish', async () => (await live.get(id))?.state === 'done')
      await Promise.all([r.stop(1000), other.stop(1000)])
      assert.equal(runs, 1)
    })

    it('hands a job enqueued while a local runner has a free slot straight to it, without a claim', async () => {
      const ran: unknown[] = []
      const { queue: live, runner: r } = runner({
        send: async (payload) => void ran.push(payload)
      })
      r.start()
      const inTransaction = await ctx.store.transaction(async (trx) => {
        const { id } = await live.enqueue(trx, 'send', { n: 1 })
        // Written already held by the runner, first attempt counted.
        const row = await trx
          .selectFrom('jobs')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
        assert.equal(row.state, 'running')
        assert.equal(row.attempts, 1)
        assert.ok(row.locked_by?.startsWith(`${r.workerId}/`))
        // Not run before its transaction has committed.
        await new Promise((resolve) => setTimeout(resolve, 30))
        assert.equal(ran.length, 0)
        return id
      })
      const outside = (await live.enqueue(ctx.store.db, 'send', { n: 2 })).id
      // Outside a transaction too: never queued, so no claim could have taken it.
      const held = await live.get(outside)
      assert.notEqual(held?.state, 'queued')
      assert.equal(held?.attempts, 1)
      await waitFor('both jobs to finish', async () => {
        const states = await Promise.all([inTransaction, outside].map((id) => live.get(id)))
        return states.every((job) => job?.state === 'done')
      })
      await r.stop(1000)
      assert.deepEqual(ran, [{ n: 1 }, { n: 2 }])
    })

    it('hands nothing over for a rolled-back transaction, a later job or a task the runner does not run', async () => {
      const ran: unknown[] = []
      const { queue: live, runner: r } = runner(
        { send: async (payload) => void ran.push(payload) },
        { concurrency: 1 }
      )
      r.start()
      try {
        await assert.rejects(
          ctx.store.transaction(async (trx) => {
            await live.enqueue(trx, 'send', { n: 'rolled back' })
            throw new Error('caller failed')
          }),
          /caller failed/
        )
        const later = await live.enqueue(
          ctx.store.db,
          'send',
          { n: 'later' },
          { runAt: Date.now() + 60_000 }
        )
        assert.equal((await live.get(later.id))?.state, 'queued')
        // The slot the rolled-back job reserved is free again: this one runs.
        await live.enqueue(ctx.store.db, 'send', { n: 'runs' })
        await waitFor('the job to run', () => ran.length === 1)
      } finally {
        await r.stop(1000)
      }
      // A task no runner of the queue runs is queued for whichever runner claims it.
      const other = await live.enqueue(ctx.store.db, 'other', {})
      assert.equal((await live.get(other.id))?.state, 'queued')
      assert.deepEqual(ran, [{ n: 'runs' }])
      assert.equal((await live.list()).length, 3)
    })

    it('runs a handed-over job elsewhere once its lease ends when its runner died before running it', async () => {
      const { queue: live } = runner({})
      // A runner that takes the job and then dies (never runs it, never renews its lease).
      live.attachTaker({
        accepts: () => true,
        reserve: () => ({ lease: 'dead-runner/1', leaseMs: 100 }),
        take: () => undefined,
        cancel: () => undefined
      })
      const { id } = await live.enqueue(ctx.store.db, 'send', { n: 1 })
      assert.equal((await live.get(id))?.state, 'running')
      const ran: unknown[] = []
      const { runner: survivor } = runner(
        { send: async (payload) => void ran.push(payload) },
        { leaseMs: 200 }
      )
      survivor.start()
      await waitFor('the job to run after its lease ended', () => ran.length === 1)
      await survivor.stop(1000)
      assert.equal((await live.get(id))?.attempts, 2)
    })

    it('counts jobs by state and purges old finished ones', async () => {
      const { id } = await queue.enqueue(ctx.store.db, 'x', {})
      await queue.enqueue(ctx.store.db, 'x', {})
      const [job] = await queue.claim('w', 1, 1000)
      await queue.complete(job!)
      assert.deepEqual(await queue.counts(), { queued: 1, running: 0, done: 1, dead: 0 })
      assert.equal(await queue.purgeDone(now), 0)
      now += 1
      assert.equal(await queue.purgeDone(now), 1)
      assert.equal(await queue.get(id), undefined)
    })

    it('discards waiting and dead jobs by key or key prefix, never running or finished ones', async () => {
      const keys = ['submit:1', 'submit:1:retry-5', 'confirm:1:e1', 'confirm:1:e2', 'confirm:10:e1']
      for (const jobKey of keys) await queue.enqueue(ctx.store.db, 'x', {}, { jobKey })
      const running = await queue.enqueue(ctx.store.db, 'x', {}, { jobKey: 'confirm:1:e3' })
      const dead = await queue.enqueue(ctx.store.db, 'x', {}, { jobKey: 'confirm:1:e4' })
      now += 1
      const claimed = await queue.claim('w', 10, 1000)
      for (const job of claimed) {
        if (job.id === dead.id) await queue.fail(job, new PermanentFailure('no'))
        else if (job.id !== running.id) await queue.release(job)
      }
      assert.equal((await queue.get(dead.id))?.state, 'dead')
      const discarded = await ctx.store.transaction((trx) =>
        queue.discardWaiting(trx, { keys: ['submit:1'], prefixes: ['confirm:1:'] })
      )
      assert.equal(discarded, 4, 'submit:1, confirm:1:e1, confirm:1:e2 and the dead confirm:1:e4')
      const left = (await queue.list()).map((job) => job.job_key).sort()
      assert.deepEqual(left, ['confirm:10:e1', 'confirm:1:e3', 'submit:1:retry-5'])
      assert.equal(await queue.discardWaiting(ctx.store.db, { keys: [], prefixes: [] }), 0)
      assert.equal(
        await queue.discardWaiting(ctx.store.db, { keys: [], prefixes: ['confirm:1_'] }),
        0,
        'a prefix is literal text, not a pattern'
      )
    })

    it('checks each payload against its task before the handler runs', async () => {
      interface GreetTasks {
        greet: { v: 1; name: string }
      }
      const checkGreet: PayloadCheck<GreetTasks['greet']> = (payload) => {
        const { v, name } = (payload ?? {}) as { v?: unknown; name?: unknown }
        if (v !== 1 || typeof name !== 'string') throw new Error('expected { v: 1, name }')
        return { v, name }
      }
      const greeted: string[] = []
      const typed = new JobQueue<GreetTasks>(ctx.store, {
        maxAttempts: 3,
        backoff: { baseMs: 5, maxMs: 20 }
      })
      const typedRunner = new JobRunner<GreetTasks>({
        queue: typed,
        handlers: {
          greet: async ({ name }) => {
            greeted.push(name)
          }
        },
        payloads: { greet: checkGreet },
        logger: silent,
        concurrency: 2,
        leaseMs: 5_000,
        pollIntervalMs: 20
      })
      const good = await typed.enqueue(ctx.store.db, 'greet', { v: 1, name: 'Ada' })
      // An older or foreign writer can store anything under the task's name.
      const bad = await queue.enqueue(ctx.store.db, 'greet', { v: 2, who: 'Ada' })
      typedRunner.start()
      await waitFor('both jobs to settle', async () => {
        const states = await Promise.all([typed.get(good.id), typed.get(bad.id)])
        return states[0]?.state === 'done' && states[1]?.state === 'dead'
      })
      await typedRunner.stop(1000)
      assert.deepEqual(greeted, ['Ada'])
      const rejected = await typed.get(bad.id)
      assert.equal(rejected?.attempts, 1, 'a payload that does not fit is not retried')
      assert.match(rejected?.last_error ?? '', /INVALID_JOB_PAYLOAD.*expected \{ v: 1, name \}/)
    })
  })
}
