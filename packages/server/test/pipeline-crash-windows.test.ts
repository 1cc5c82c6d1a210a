import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { waitFor } from '@mosip-bridge/test-support'
import { JobQueue, type ClaimedJob } from '../src/queue/job-queue.js'
import type { JobContext } from '../src/queue/job-runner.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { DIALECTS, dialectSuiteOptions } from './helpers/databases.js'
import { permanent } from '../src/core/outcome.js'
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

    function contextOf(job: ClaimedJob): JobContext {
      return { job, signal: new AbortController().signal, logger: pino({ level: 'silent' }) }
    }

    function handlerOf(task: string): (payload: unknown, context: JobContext) => Promise<void> {
      return h!.handlers[task as keyof Tasks] as (
        payload: unknown,
        context: JobContext
      ) => Promise<void>
    }

    /** Runs the next due job to its end, as a runner would, and returns its task. */
    async function runNext(): Promise<string> {
      const [job] = await h!.queue.claim('runner', 1, 5_000)
      assert.ok(job, 'a job to run')
      try {
        await handlerOf(job.task)(JSON.parse(job.payload), contextOf(job))
        await h!.queue.complete(job)
      } catch (error) {
        await h!.queue.fail(job, error)
      }
      return job.task
    }

    /**
     * Claims the next job as a runner that is killed while its handler runs: the partner takes
     * the call (`taken` turns true), the runner never hears back, and its lease stays until it
     * expires.
     */
    async function runAndKill(leaseMs: number, taken: () => boolean): Promise<void> {
      const [job] = await h!.queue.claim('killed-runner', 1, leaseMs)
      assert.ok(job, 'a job to run')
      void handlerOf(job.task)(JSON.parse(job.payload), contextOf(job))
      await waitFor('the partner to take the call', taken)
    }

    it('(a) a credential that overtakes an unrecorded submission waits without using attempts, and the submission picks it up', async () => {
      h = await createPipelineHarness(dialect, {
        mosip: new ScriptedMosip({ startWorkflow: ['accept-then-kill'] })
      })
      const id = '100030000000001'
      await h.register(id, 'birth')
      // MOSIP accepts workflowinstance; the runner is killed before recording `submitted`.
      await runAndKill(1_500, () => h!.mosip.started.size > 0)
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
      const [again] = await waitFor('the credential job to be due', async () => {
        const claimed = await slow.claim('second-instance', 1, 5_000)
        return claimed.length > 0 ? claimed : undefined
      })
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
      // A job is marked done after its handler returns, possibly after the next job ran.
      await waitFor(
        'the credential job to finish',
        async () => (await h!.queue.list({ task: 'process-credential' }))[0]?.state === 'done'
      )
    })

    it('(b) a confirmation OpenCRVS accepted before the runner was killed finishes quietly', async () => {
      h = await createPipelineHarness(dialect)
      const id = '100030000000002'
      const { eventId } = await h.register(id, 'birth')
      assert.equal(await runNext(), 'submit-packet')
      await h.deliverCredential('mosip-event-b', id)
      assert.equal(await runNext(), 'process-credential')
      assert.equal(await stateOf(id), 'credential_received')
      // OpenCRVS accepts the action with the national id; the runner is killed before recording it.
      h.opencrvs.killAfter = 'accept'
      await runAndKill(1_000, () => h!.opencrvs.mutations.length === 1)

      h.startRunner({ maxAttempts: 2, leaseMs: 1_000 })
      await waitFor('the registration to finish', async () => {
        const state = await stateOf(id)
        return state === 'confirmed' || state === 'needs_attention'
      })
      const history = await h.registrations.history(id)
      assert.deepEqual(
        history.slice(-1).map((entry) => [entry.to_state, entry.reason]),
        [['confirmed', 'ACTION_ALREADY_ACCEPTED']]
      )
      assert.equal(h.opencrvs.mutations.length, 1, 'accepted once, never again')
      const accepted = h.opencrvs.events
        .get(eventId)
        ?.actions.filter((a) => a.status === 'Accepted')
      assert.equal(accepted?.length, 2, 'CREATE and our one REGISTER')
      assert.equal(await h.registrations.readNationalId(id), undefined, 'wiped once finished')
    })

    it('(b) a birth OpenCRVS accepted without the national id still goes to an operator', async () => {
      h = await createPipelineHarness(dialect)
      const id = '100030000000003'
      const { eventId, actionId } = await h.register(id, 'birth')
      assert.equal(await runNext(), 'submit-packet')
      await h.deliverCredential('mosip-event-c', id)
      assert.equal(await runNext(), 'process-credential')
      // The country configuration answered 200: OpenCRVS accepted it without the national id.
      h.opencrvs.settle(eventId, actionId, 'Accepted')
      assert.equal(await runNext(), 'confirm-registration')
      const registration = await h.registrations.get(id)
      assert.equal(registration?.state, 'needs_attention')
      assert.match(registration?.last_error ?? '', /NO_PENDING_ACTION/)
      assert.notEqual(await h.registrations.readNationalId(id), undefined, 'kept for the operator')
    })

    it('(b) a rejection OpenCRVS took before the runner was killed finishes quietly', async () => {
      h = await createPipelineHarness(dialect, {
        mosip: new ScriptedMosip({ createPacket: [permanent('RPR-PKR-016', 'invalid input')] })
      })
      const id = '100030000000004'
      await h.register(id, 'death')
      assert.equal(await runNext(), 'submit-packet')
      assert.equal(await stateOf(id), 'failed')
      h.opencrvs.killAfter = 'reject'
      await runAndKill(1_000, () => h!.opencrvs.mutations.length === 1)
      h.startRunner({ maxAttempts: 2, leaseMs: 1_000 })
      await waitFor('the rejection to be recorded', async () => (await stateOf(id)) === 'rejected')
      const last = (await h.registrations.history(id)).at(-1)
      assert.equal(last?.reason, 'ACTION_ALREADY_REJECTED')
      assert.equal(h.opencrvs.mutations.length, 1)
    })

    it('never rejects a death OpenCRVS already accepted', async () => {
      h = await createPipelineHarness(dialect, {
        mosip: new ScriptedMosip({ createPacket: [permanent('RPR-PKR-016', 'invalid input')] })
      })
      const id = '100030000000005'
      const { eventId, actionId } = await h.register(id, 'death')
      // OpenCRVS accepted the death (the country configuration answered 200) …
      h.opencrvs.settle(eventId, actionId, 'Accepted')
      // … and MOSIP refuses the packet, so the bridge would reject it.
      h.startRunner({ maxAttempts: 2 })
      await waitFor('the rejection job to end', async () => {
        const [job] = await h!.queue.list({ task: 'reject-registration' })
        return job?.state === 'done'
      })
      assert.equal(await stateOf(id), 'needs_attention')
      assert.deepEqual(h.opencrvs.mutations, [], 'no rejection was sent')
      const last = (await h.registrations.history(id)).at(-1)
      assert.equal(last?.reason, 'OPENCRVS_ALREADY_ACCEPTED')
      const [reject] = await h.queue.list({ task: 'reject-registration' })
      assert.equal(reject?.state, 'done')
      assert.equal(reject?.attempts, 1)
    })
  })
}
