import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { JobQueue } from '../src/queue/job-queue.js'
import type { ClaimedJob } from '../src/queue/job-queue.js'
import type { JobContext } from '../src/queue/job-runner.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { ok, permanent } from '../src/core/outcome.js'
import type { CredentialDecryptor, IssuedCredential } from '../src/core/ports.js'
import { processCredentialJob } from '../src/pipeline/process-credential.job.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { TEST_KEY, createMigratedStore, type MigratedStore } from './helpers/databases.js'

/** Decrypts "vc:<subject id or empty>" to a credential with that subject id and a UIN. */
const decryptor: CredentialDecryptor = {
  async decrypt(text) {
    if (!text.startsWith('vc:')) return permanent('CREDENTIAL_MALFORMED', 'not a test credential')
    const subjectId = text.slice(3)
    const credential: IssuedCredential = {
      subjectRegistrationId: subjectId === '' ? undefined : subjectId,
      subject: { UIN: '9876543210' }
    }
    return ok(credential)
  }
}

describe('processing a stored credential delivery', () => {
  let ctx: MigratedStore
  let registrations: RegistrationsRepository
  let inbox: WebsubInboxRepository
  let queue: JobQueue<Tasks>
  let handle: ReturnType<typeof processCredentialJob>

  const context = (): JobContext => ({
    job: { attempts: 1, max_attempts: 3 } as ClaimedJob,
    signal: new AbortController().signal,
    logger: pino({ level: 'silent' })
  })

  async function deliver(eventId: string, body: unknown): Promise<void> {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    await inbox.record(ctx.store.db, { eventId, topic: 'crvs/CREDENTIAL_ISSUED', body: text })
    await handle({ v: 1, eventId }, context())
  }

  before(async () => {
    ctx = await createMigratedStore('sqlite')
    const box = new SecretBox(TEST_KEY)
    registrations = new RegistrationsRepository(ctx.store.db, box)
    inbox = new WebsubInboxRepository(ctx.store.db, box)
    queue = new JobQueue<Tasks>(ctx.store, { maxAttempts: 3, backoff: { baseMs: 10, maxMs: 10 } })
    handle = processCredentialJob({
      store: ctx.store,
      inbox,
      registrations,
      queue,
      decryptor,
      nationalIdKey: 'UIN'
    })
  })
  after(() => ctx?.drop())

  it('keeps a delivery that is not JSON or has no credential, body included', async () => {
    await deliver('evt-not-json', 'not json at all')
    await deliver('evt-no-data', { event: { id: 'evt-no-data' } })
    await deliver('evt-empty', { event: { data: { credential: '' } } })
    await deliver('evt-number', { event: { data: { credential: 42 } } })
    for (const [eventId, note] of [
      ['evt-not-json', 'DELIVERY_NOT_JSON'],
      ['evt-no-data', 'DELIVERY_WITHOUT_CREDENTIAL'],
      ['evt-empty', 'DELIVERY_WITHOUT_CREDENTIAL'],
      ['evt-number', 'DELIVERY_WITHOUT_CREDENTIAL']
    ] as const) {
      const entry = await inbox.get(eventId)
      assert.equal(entry?.state, 'invalid', eventId)
      assert.equal(entry?.note, note, eventId)
      assert.notEqual(entry?.body_sealed, null, `${eventId} keeps its body`)
    }
  })

  it('ignores an unusable registrationId and keeps a credential it cannot match', async () => {
    await deliver('evt-odd-id', { event: { data: { credential: 'vc:', registrationId: 7 } } })
    const entry = await inbox.get('evt-odd-id')
    assert.equal(entry?.state, 'unmatched')
    assert.equal(entry?.note, 'UNKNOWN_REGISTRATION')
    assert.notEqual(entry?.body_sealed, null)
  })

  it('matches by event.data.registrationId when the subject has no id, with a minimal envelope', async () => {
    const id = '100017777777777'
    await registrations.createOrFind(ctx.store.db, {
      id,
      kind: 'birth',
      opencrvsEventId: `event-${id}`,
      idempotencyKey: `key-${id}`
    })
    for (const state of ['packet_created', 'submitted'] as const) {
      await registrations.transition(ctx.store.db, id, state)
    }
    await deliver('evt-match', { event: { data: { credential: 'vc:', registrationId: id } } })
    assert.equal((await inbox.get('evt-match'))?.state, 'processed')
    const registration = await registrations.get(id)
    assert.equal(registration?.state, 'credential_received')
    assert.equal(registration?.credential_event_id, 'evt-match')
    assert.equal(await registrations.readNationalId(id), '9876543210')
    const jobs = await queue.list({ task: 'confirm-registration' })
    assert.deepEqual(
      jobs.map((job) => JSON.parse(job.payload) as unknown),
      [{ v: 1, registrationId: id }]
    )
  })
})
