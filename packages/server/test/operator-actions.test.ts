import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { JobQueue } from '../src/queue/job-queue.js'
import { ReconciliationRepository } from '../src/store/reconciliation.repository.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import {
  removeRegistration,
  retryDelivery,
  retryRegistration,
  runRegistrationAction
} from '../src/pipeline/operator-actions.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { TEST_KEY, createMigratedStore, type MigratedStore } from './helpers/databases.js'

describe('operator retry of a stopped registration', () => {
  let ctx: MigratedStore
  let registrations: RegistrationsRepository
  let queue: JobQueue<Tasks>

  before(async () => {
    ctx = await createMigratedStore('sqlite')
    registrations = new RegistrationsRepository(ctx.store.db, new SecretBox(TEST_KEY))
    queue = new JobQueue<Tasks>(ctx.store, { maxAttempts: 3, backoff: { baseMs: 10, maxMs: 10 } })
  })
  after(() => ctx?.drop())
  const deps = () => ({
    store: ctx.store,
    registrations,
    queue,
    reconciliation: new ReconciliationRepository(ctx.store)
  })

  async function make(
    id: string,
    path: Array<Parameters<RegistrationsRepository['transition']>[2]>
  ) {
    await registrations.createOrFind(ctx.store.db, {
      id,
      kind: 'birth',
      opencrvsEventId: `event-${id}`,
      idempotencyKey: `key-${id}`,
      payload: { fields: {} }
    })
    for (const state of path) await registrations.transition(ctx.store.db, id, state)
  }

  it('submits a failed registration again', async () => {
    await make('100010000000001', ['failed'])
    assert.deepEqual(await retryRegistration(deps(), '100010000000001'), {
      retried: true,
      step: 'submit'
    })
    assert.equal((await registrations.get('100010000000001'))?.state, 'received')
    assert.equal((await queue.list({ task: 'submit-packet' })).length, 1)
  })

  it('confirms again a registration that needs attention after its credential arrived', async () => {
    await make('100010000000002', ['packet_created', 'submitted'])
    await registrations.transition(ctx.store.db, '100010000000002', 'credential_received', {
      changes: { credential_event_id: 'mosip-event-1' }
    })
    await registrations.transition(ctx.store.db, '100010000000002', 'needs_attention', {
      reason: 'OPENCRVS_TOKEN_EXPIRED'
    })
    const result = await retryRegistration(deps(), '100010000000002')
    assert.deepEqual(result, { retried: true, step: 'confirm' })
    assert.equal((await registrations.get('100010000000002'))?.state, 'credential_received')
    assert.equal((await queue.list({ task: 'confirm-registration' })).length, 1)
  })

  it('submits again a registration handed over before MOSIP took it, not one MOSIP refused', async () => {
    await make('100010000000011', ['packet_created'])
    await registrations.transition(ctx.store.db, '100010000000011', 'needs_attention', {
      reason: 'OPENCRVS_TOKEN_EXPIRES_DURING_OUTAGE'
    })
    assert.deepEqual(await retryRegistration(deps(), '100010000000011'), {
      retried: true,
      step: 'submit'
    })
    assert.equal((await registrations.get('100010000000011'))?.state, 'received')
    // MOSIP refused it and its rejection in OpenCRVS could not be sent: the rejection is what
    // is retried, not the submission.
    await make('100010000000012', ['failed'])
    await registrations.transition(ctx.store.db, '100010000000012', 'needs_attention', {
      reason: 'OPENCRVS_TOKEN_REFUSED'
    })
    assert.deepEqual(await retryRegistration(deps(), '100010000000012'), {
      retried: true,
      step: 'reject'
    })
    assert.equal((await registrations.get('100010000000012'))?.state, 'failed')
  })

  it('checks again with MOSIP one handed over while MOSIP had its packet and no credential came', async () => {
    await make('100010000000021', ['packet_created', 'submitted'])
    await registrations.transition(ctx.store.db, '100010000000021', 'needs_attention', {
      reason: 'MOSIP_KEEPS_ASKING_RESEND',
      changes: { resubmissions: 3, mosip_unchanged_checks: 4, reconcile_at: null }
    })
    const before = Date.now()
    assert.deepEqual(await retryRegistration(deps(), '100010000000021'), {
      retried: true,
      step: 'reconcile'
    })
    const row = await registrations.get('100010000000021')
    assert.equal(row?.state, 'submitted')
    assert.equal(row?.resubmissions, 0, 'a fresh resubmission budget')
    assert.equal(row?.mosip_unchanged_checks, 0)
    assert.ok((row?.reconcile_at ?? 0) >= before && (row?.reconcile_at ?? 0) <= Date.now())
    assert.equal((await registrations.history('100010000000021')).at(-1)?.reason, 'OPERATOR_RETRY')
  })

  it('does nothing, and says so, when the registration moved on after it was read', async () => {
    const id = '100010000000031'
    await make(id, ['packet_created', 'submitted'])
    await registrations.transition(ctx.store.db, id, 'needs_attention', {
      reason: 'MOSIP_ISSUED_NO_CREDENTIAL'
    })
    const stale = await registrations.get(id)
    // A late credential moves it on between the operator's look and the action.
    await registrations.transition(ctx.store.db, id, 'credential_received')
    const staleRegistrations = Object.assign(
      Object.create(registrations) as RegistrationsRepository,
      {
        get: async () => stale
      }
    )
    const result = await runRegistrationAction(
      { ...deps(), registrations: staleRegistrations },
      id,
      'reject'
    )
    assert.equal(result.done, false)
    assert.match(!result.done ? result.reason : '', /changed meanwhile/)
    assert.equal((await registrations.get(id))?.state, 'credential_received')
    const rejections = await queue.list({ task: 'reject-registration' })
    assert.deepEqual(
      rejections.filter((job) => job.payload.includes(id)),
      []
    )
  })

  it('refuses registrations with nothing to retry', async () => {
    await make('100010000000003', ['packet_created', 'submitted'])
    const result = await retryRegistration(deps(), '100010000000003')
    assert.equal(result.retried, false)
    assert.equal((await retryRegistration(deps(), 'nope')).retried, false)
  })

  it('processes a kept delivery again, and only a kept one', async () => {
    const inbox = new WebsubInboxRepository(ctx.store.db, new SecretBox(TEST_KEY))
    await inbox.record(ctx.store.db, { eventId: 'evt-kept', topic: 't', body: '{"event":{}}' })
    await inbox.markProcessed(ctx.store.db, 'evt-kept', 'undecryptable', {
      note: 'CREDENTIAL_WRONG_RECIPIENT',
      keepBody: true
    })
    assert.deepEqual(await retryDelivery({ store: ctx.store, inbox, queue }, 'evt-kept'), {
      retried: true,
      step: 'process'
    })
    assert.equal((await inbox.get('evt-kept'))?.state, 'received')
    assert.equal((await queue.list({ task: 'process-credential' })).length, 1)
    assert.equal(
      (await retryDelivery({ store: ctx.store, inbox, queue }, 'evt-kept')).retried,
      false
    )
    await inbox.record(ctx.store.db, { eventId: 'evt-done', topic: 't', body: '{}' })
    await inbox.markProcessed(ctx.store.db, 'evt-done', 'processed')
    assert.equal(
      (await retryDelivery({ store: ctx.store, inbox, queue }, 'evt-done')).retried,
      false
    )
  })

  it('removes a registration with its waiting jobs, leaving other registrations alone', async () => {
    const id = '100010000000004'
    const other = '100010000000005'
    await make(id, ['packet_created', 'submitted', 'credential_received'])
    await make(other, [])
    await queue.enqueue(
      ctx.store.db,
      'submit-packet',
      { v: 1, registrationId: id },
      {
        jobKey: `submit:${id}`
      }
    )
    await queue.enqueue(
      ctx.store.db,
      'confirm-registration',
      { v: 1, registrationId: id },
      {
        jobKey: `confirm:${id}:mosip-event-9`
      }
    )
    await queue.enqueue(
      ctx.store.db,
      'submit-packet',
      { v: 1, registrationId: other },
      {
        jobKey: `submit:${other}`
      }
    )
    const before = (await queue.list()).length
    assert.deepEqual(await removeRegistration(deps(), id), {
      opencrvs_event_id: `event-${id}`,
      registration_number: null
    })
    assert.equal(await registrations.get(id), undefined)
    assert.deepEqual(await registrations.history(id), [])
    const left = await queue.list()
    assert.equal(left.length, before - 2)
    assert.ok(left.some((job) => job.job_key === `submit:${other}`))
    assert.equal(await removeRegistration(deps(), id), undefined)
  })
})
