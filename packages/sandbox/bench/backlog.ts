/**
 * Fills a bridge database with registrations waiting for MOSIP (state `submitted`, packet input
 * and token sealed, history written), as a deployment has after a long MOSIP backlog, so the
 * bench can show that the bridge's memory and cost do not grow with them. They are not due for
 * reconciliation during a bench run.
 */
import { randomUUID } from 'node:crypto'
import {
  createStore,
  migrateToLatest,
  RegistrationsRepository,
  SecretBox,
  type DatabaseOptions
} from '@mosip-bridge/server'

const BATCH = 1000

/** A packet input of the size a real birth declaration has once mapped (about 2 KB). */
function packetInput(index: number) {
  return {
    process: 'CRVS_NEW',
    fields: {
      fullName: JSON.stringify([{ language: 'eng', value: `Backlog Child ${index}` }]),
      dateOfBirth: '2026/01/01',
      gender: JSON.stringify([{ language: 'eng', value: 'Female' }]),
      addressLine1: JSON.stringify([{ language: 'eng', value: `${index} Long Road` }]),
      parentOrGuardianName: JSON.stringify([{ language: 'eng', value: `Backlog Parent ${index}` }])
    },
    metaInfo: { metaData: JSON.stringify([{ label: 'registrationType', value: 'NEW' }]) },
    audits: [{ id: randomUUID(), description: 'x'.repeat(600) }],
    notification: { name: `Backlog Child ${index}`, email: 'someone@example.org', phone: '' }
  }
}

export async function seedBacklog(
  database: DatabaseOptions,
  dataKeyHex: string,
  count: number
): Promise<{ seconds: number }> {
  const started = performance.now()
  const store = createStore(database)
  try {
    await migrateToLatest(store)
    const registrations = new RegistrationsRepository(
      store.db,
      new SecretBox(Buffer.from(dataKeyHex, 'hex'))
    )
    const now = Date.now()
    const token = `eyJhbGciOiJSUzI1NiJ9.${'e'.repeat(600)}.${'s'.repeat(342)}`
    for (let from = 0; from < count; from += BATCH) {
      await store.transaction(async (trx) => {
        for (let index = from; index < Math.min(count, from + BATCH); index++) {
          const id = `9${String(index).padStart(14, '0')}`
          await registrations.createOrFind(trx, {
            id,
            kind: 'birth',
            opencrvsEventId: randomUUID(),
            opencrvsActionId: randomUUID(),
            trackingId: `B${String(index).padStart(6, '0')}`,
            idempotencyKey: `backlog:${id}`,
            token,
            tokenExpiresAt: now + 7 * 24 * 3600_000,
            payload: packetInput(index)
          })
          await registrations.transition(trx, id, 'packet_created', { reason: 'PACKET_CREATED' })
          await registrations.transition(trx, id, 'submitted', {
            reason: 'WORKFLOW_STARTED',
            changes: { submitted_at: now, reconcile_at: now + 24 * 3600_000 }
          })
        }
      })
    }
  } finally {
    await store.close()
  }
  return { seconds: (performance.now() - started) / 1000 }
}
