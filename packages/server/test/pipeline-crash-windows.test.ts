import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { waitFor } from '@mosip-bridge/test-support'
import { JobQueue } from '../src/queue/job-queue.js'
import type { JobContext } from '../src/queue/job-runner.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { DIALECTS, dialectSuiteOptions } from './helpers/databases.js'
import { ScriptedMosip } from './helpers/pipeline-fakes.js'
import { createPipelineHarness, type PipelineHarness } from './helpers/pipeline-harness.js'

/**
 * The ways a runner killed at an exact step used to end a registration wrongly. Each test runs
 * the steps up to that point with a runner that then never hears back (its process is gone: the
 * job keeps its lease until it expires), and continues with fresh runners on the same database.
 */
for (const dialect of DIALECTS) {
  describe(`crash windows, on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let h: PipelineHarness | undefined
    afterEach(async () => {
      await h?.drop()
      h = undefined
    })

    async function stateOf(id: string): Promise<string | undefined> {
      return (await h!.registrations.get(id))?.state
    }

    /** Claims the next job as a runner that is then killed while running its handler. */
    async function runAndKill(leaseMs: number): Promise<void> {
      const [job] = await h!.queue.claim('killed-runner', 1, leaseMs)
      assert.ok(job, 'a job to run')
      const context: JobContext = {
        job,
        signal: new AbortController().signal,
        logger: pino({ level: 'silent' })
      }
      const handler = h!.handlers[job.task as 'submit-packet'] as (
        payload: unknown,
        context: JobContext
      ) => Promise<void>
      // Never settles: the partner took the call, the runner never hears back.
      void handler(JSON.parse(job.payload), context)
      await waitFor('the partner to take the call', () => h!.mosip.started.size > 0)
    }

    it('(a) a credential that overtakes an unrecorded submission waits without using attempts, and the submission picks it up', async () => {
      h = await createPipelineHarness(dialect, {
        mosip: new ScriptedMosip({ startWorkflow: ['accept-then-kill'] })
      })
      const id = '100030000000001'
      await h.register(id, 'birth')
      // MOSIP accepts workflowinstance; the runner is killed before recording `submitted`.
      await runAndKill(1_500)
      assert.equal(await stateOf(id), 'packet_created')
      assert.ok(h.mosip.started.has(id))

      // MOSIP processes the packet and publishes the credential; a fresh runner takes it while
      // the killed runner's lease on submit-packet still holds.
      await h.deliverCredential('mosip-event-a', id)
      const first = h.startRunner({ maxAttempts: 2, backoffMs: 5 })
      const credentialJob = await waitFor('the credential job to wait several times', async () => {
        const [job] = await h!.queue.list({ task: 'process-credential' })
        return job && job.snoozes >= 5 ? job : undefined
      })
      assert.equal(credentialJob.state === 'dead', false, 'waiting used up no attempt')
      assert.ok(credentialJob.attempts <= 1)
      assert.equal(await stateOf(id), 'packet_created')
      assert.equal((await h.inbox.get('mosip-event-a'))?.registration_id, id)
      await first.runner.stop(1_000)

      // Another instance, whose backoff makes the credential wait ten minutes, runs it once
      // more: now only recording the submission can bring it forward.
      const slow = new JobQueue<Tasks>(h.ctx.store, {
        maxAttempts: 2,
        backoff: { baseMs: 600_000, maxMs: 600_000 }
      })
      const [again] = await slow.claim('second-instance', 1, 5_000)
      assert.equal(again?.task, 'process-credential')
      const error = await h.handlers['process-credential'](
        { v: 1, eventId: 'mosip-event-a' },
        { job: again!, signal: new AbortController().signal, logger: pino({ level: 'silent' }) }
      ).catch((thrown: unknown) => thrown)
      assert.equal(await slow.fail(again!, error), 'snoozed')
      const parked = await h.queue.get(again!.id)
      assert.ok((parked?.run_at ?? 0) > Date.now() + 60_000, 'parked for minutes')

      // The killed runner's lease runs out; a fresh runner submits again and records it.
      h.startRunner({ maxAttempts: 2, leaseMs: 1_000 })
      await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed', 20_000)
      const states = (await h.registrations.history(id)).map((entry) => entry.to_state)
      assert.deepEqual(states, [
        'received',
        'packet_created',
        'submitted',
        'credential_received',
        'confirmed'
      ])
      assert.equal(h.mosip.calls.startWorkflow, 2, 'resubmitted once, MOSIP saying already started')
      assert.deepEqual(
        h.opencrvs.mutations.map((m) => m.kind),
        ['accept']
      )
      const [done] = await h.queue.list({ task: 'process-credential' })
      assert.equal(done?.state, 'done')
    })
  })
}
