import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  FINAL_STATES,
  REGISTRATION_STATES,
  type RegistrationState
} from '../src/core/registration-state.js'
import {
  OPERATOR_ACTIONS,
  planOperatorAction,
  type ActionPlan
} from '../src/core/operator-action-plan.js'
import { RECONCILE_ATTENTION_CODES } from '../src/core/reconcile-decision.js'
import { TOKEN_EXPIRES_DURING_OUTAGE } from '../src/core/token-expiry-margin.js'
import { JobQueue } from '../src/queue/job-queue.js'
import { factsOf, runRegistrationAction } from '../src/pipeline/operator-actions.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { ReconciliationRepository } from '../src/store/reconciliation.repository.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import type { RegistrationKind } from '../src/core/intake-plan.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

/** Every reason a confirmation or rejection in OpenCRVS hands a registration to an operator. */
const OPENCRVS_REASONS = [
  'NO_OPENCRVS_EVENT',
  'NO_PENDING_ACTION',
  'PENDING_ACTION_CHANGED',
  'NO_REGISTRATION_NUMBER',
  'UNSUPPORTED_PENDING_ACTION',
  'OPENCRVS_ACTION_ALREADY_REJECTED',
  'OPENCRVS_SEVERAL_PENDING_ACTIONS',
  'OPENCRVS_TOKEN_EXPIRED',
  'OPENCRVS_TOKEN_MISSING',
  'OPENCRVS_TOKEN_REFUSED',
  'OPENCRVS_TOKEN_UNREADABLE',
  'OPENCRVS_TOKEN_MODE_UNCONFIGURED',
  'OPENCRVS_TOKEN_EXCHANGE_REFUSED',
  'OPENCRVS_CLIENT_REFUSED',
  'OPENCRVS_AUTH_REQUEST_REFUSED',
  'OPENCRVS_BAD_REQUEST',
  'OPENCRVS_FORBIDDEN',
  'OPENCRVS_NOT_FOUND',
  'OPENCRVS_UNDEFINED_INPUT',
  'OPENCRVS_UNEXPECTED_ANSWER'
]

interface Case {
  name: string
  kind: RegistrationKind
  /** The states it goes through from `received`, the last one being where it stands. */
  path: RegistrationState[]
  /** The reason of its move to needs_attention. */
  reason?: string
  credential?: boolean
  payloadErased?: boolean
}

const UP_TO: Record<string, RegistrationState[]> = {
  received: [],
  packet_created: ['packet_created'],
  submitted: ['packet_created', 'submitted'],
  credential_received: ['packet_created', 'submitted', 'credential_received'],
  failed: ['failed']
}

function cases(): Case[] {
  const all: Case[] = []
  for (const kind of ['birth', 'death', 'update'] as const) {
    for (const state of REGISTRATION_STATES) {
      if (state === 'needs_attention') continue
      const path: Record<string, RegistrationState[]> = {
        ...UP_TO,
        confirmed: [...UP_TO.credential_received!, 'confirmed'],
        completed: ['packet_created', 'completed'],
        rejected: ['failed', 'rejected']
      }
      all.push({
        name: `${kind} ${state}`,
        kind,
        path: path[state]!,
        credential: state === 'credential_received' || state === 'confirmed'
      })
    }
  }
  const attention = (
    from: keyof typeof UP_TO,
    reason: string,
    extra: Partial<Case> = {}
  ): Case => ({
    name: `needs_attention from ${from} for ${reason}${extra.payloadErased ? ' (packet input erased)' : ''}${extra.kind ? ` (${extra.kind})` : ''}`,
    kind: 'birth',
    path: [...UP_TO[from]!, 'needs_attention'],
    reason,
    credential: from === 'credential_received',
    ...extra
  })
  all.push(
    attention('received', TOKEN_EXPIRES_DURING_OUTAGE),
    attention('packet_created', TOKEN_EXPIRES_DURING_OUTAGE),
    attention('packet_created', TOKEN_EXPIRES_DURING_OUTAGE, { payloadErased: true }),
    ...Object.values(RECONCILE_ATTENTION_CODES).map((code) => attention('submitted', code)),
    attention('submitted', 'PACKET_INPUT_MISSING', { payloadErased: true }),
    attention('submitted', 'CREDENTIAL_WITHOUT_NATIONAL_ID', { credential: true }),
    ...OPENCRVS_REASONS.map((code) => attention('credential_received', code)),
    // A death MOSIP reported processed: confirmed without any credential event.
    attention('credential_received', 'OPENCRVS_TOKEN_EXPIRED', {
      kind: 'death',
      credential: false
    }),
    attention('failed', 'OPENCRVS_ALREADY_ACCEPTED'),
    attention('failed', 'OPENCRVS_ALREADY_ACCEPTED', { kind: 'death' }),
    attention('failed', 'OPENCRVS_ALREADY_ACCEPTED', { payloadErased: true }),
    ...OPENCRVS_REASONS.filter((code) => code !== 'OPENCRVS_ACTION_ALREADY_REJECTED').map((code) =>
      attention('failed', code)
    )
  )
  return all
}

for (const dialect of DIALECTS) {
  describe(
    `every state × every operator action, on ${dialect}`,
    await dialectSuiteOptions(dialect),
    () => {
      let ctx: MigratedStore
      let registrations: RegistrationsRepository
      let queue: JobQueue<Tasks>
      let deps: Parameters<typeof runRegistrationAction>[0]
      let next = 0

      before(async () => {
        ctx = await createMigratedStore(dialect)
        registrations = new RegistrationsRepository(ctx.store.db, new SecretBox(TEST_KEY))
        queue = new JobQueue<Tasks>(ctx.store, {
          maxAttempts: 3,
          backoff: { baseMs: 10, maxMs: 10 }
        })
        deps = {
          store: ctx.store,
          registrations,
          queue,
          reconciliation: new ReconciliationRepository(ctx.store)
        }
      })
      after(() => ctx?.drop())

      async function make(c: Case): Promise<string> {
        const id = `1000${String(++next).padStart(11, '0')}`
        await registrations.createOrFind(ctx.store.db, {
          id,
          kind: c.kind,
          opencrvsEventId: `event-${id}`,
          idempotencyKey: `key-${id}`,
          payload: { fields: {} }
        })
        for (const state of c.path) {
          await registrations.transition(ctx.store.db, id, state, {
            ...(state === 'needs_attention' && c.reason ? { reason: c.reason } : {}),
            ...(state === 'credential_received' && c.credential
              ? { changes: { credential_event_id: `mosip-event-${id}` } }
              : {}),
            ...(state === 'needs_attention' &&
            c.credential &&
            !c.path.includes('credential_received')
              ? { changes: { credential_event_id: `mosip-event-${id}` } }
              : {})
          })
        }
        if (c.payloadErased) await registrations.wipeSecrets(ctx.store.db, id, { payload: true })
        return id
      }

      async function jobsOf(id: string) {
        return (await queue.list({ limit: 100_000 })).filter((job) => job.payload.includes(id))
      }

      /** What an offered action must have done. */
      async function assertDone(id: string, plan: Extract<ActionPlan, { offered: true }>) {
        const row = await registrations.get(id)
        const jobs = await jobsOf(id)
        switch (plan.step) {
          case 'submit':
            assert.equal(row?.state === 'received' || row?.state === 'packet_created', true)
            assert.ok(jobs.some((job) => job.task === 'submit-packet' && job.state === 'queued'))
            break
          case 'confirm':
            assert.equal(row?.state, 'credential_received')
            assert.ok(jobs.some((job) => job.task === 'confirm-registration'))
            break
          case 'reconcile':
            assert.equal(row?.state, 'submitted')
            assert.ok((row?.reconcile_at ?? Infinity) <= Date.now(), 'due for a check now')
            break
          case 'reject':
            assert.equal(row?.state, 'failed')
            assert.ok(jobs.some((job) => job.task === 'reject-registration'))
            break
          case 'remove':
            assert.equal(row, undefined)
            assert.deepEqual(await registrations.history(id), [])
            break
        }
      }

      for (const c of cases()) {
        it(c.name, async () => {
          const current = c.path.at(-1) ?? 'received'
          const offered: string[] = []
          for (const action of OPERATOR_ACTIONS) {
            const id = await make(c)
            const before = await registrations.get(id)
            const plan = planOperatorAction(await factsOf(registrations, before!), action)
            const jobsBefore = (await jobsOf(id)).length
            const result = await runRegistrationAction(deps, id, action)
            if (plan.offered) {
              offered.push(action)
              assert.equal(result.done, true, `${action}: ${result.done ? '' : result.reason}`)
              assert.equal(result.done && result.step, plan.step)
              await assertDone(id, plan)
            } else {
              assert.equal(result.done, false, `${action} should be refused`)
              assert.ok(!result.done && result.reason.includes(plan.refusal))
              assert.ok(plan.refusal.length > 10, 'a refusal says why')
              const after = await registrations.get(id)
              assert.equal(after?.state, before?.state, `${action} refused changes nothing`)
              assert.equal((await jobsOf(id)).length, jobsBefore)
            }
          }
          if (!(FINAL_STATES as readonly string[]).includes(current)) {
            assert.ok(offered.includes('remove'))
            // Besides removing it, a way forward — unless the packet input is gone and OpenCRVS
            // already accepted the record (only MOSIP's side is left, which the bridge cannot redo).
            const stuck = c.payloadErased && c.reason === 'OPENCRVS_ALREADY_ACCEPTED'
            if (!stuck) {
              assert.ok(offered.length >= 2, `${c.name}: only ${offered.join(', ')} offered`)
            }
          }
          // What OpenCRVS decided is never contradicted.
          if (c.reason === 'OPENCRVS_ALREADY_ACCEPTED') assert.ok(!offered.includes('reject'))
          if (c.reason === 'OPENCRVS_ACTION_ALREADY_REJECTED') {
            assert.ok(!offered.includes('confirm'))
            assert.ok(!offered.includes('retry'))
            assert.ok(offered.includes('reject'), 'giving up closes it as OpenCRVS decided')
          }
        })
      }
    }
  )
}
