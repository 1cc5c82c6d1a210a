import { isUniqueViolation, type Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { JobQueue } from '../queue/job-queue.js'
import type { IntakePlan } from '../core/intake-plan.js'
import type { RegistrationIds } from './registration-ids.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

interface IntakeSource {
  eventId?: string
  actionId?: string
  /** The intake token, kept sealed to confirm the registration later (1.9/2.0 model). */
  token: string
  /** Token expiry, seconds since the epoch. */
  exp?: number
}

interface IntakeResult {
  transactionId: string
  /** False when the same record had already been accepted. */
  created: boolean
}

/**
 * Accepts a registration: the row (with its sealed token and packet input) and the job that
 * submits the packet commit together, so an accepted registration always has work queued.
 */
export class IntakeService {
  constructor(
    private readonly deps: {
      store: Store
      registrations: RegistrationsRepository
      queue: JobQueue<Tasks>
      registrationIds: RegistrationIds
    }
  ) {}

  async accept(plan: IntakePlan, source: IntakeSource): Promise<IntakeResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.deps.store.transaction(async (trx) => {
          // Drawn in the transaction: a MOSIP-format id's sequence value commits with the row.
          const id = await this.deps.registrationIds.next(trx)
          const { registration, created } = await this.deps.registrations.createOrFind(trx, {
            id,
            kind: plan.kind,
            opencrvsEventId: source.eventId ?? null,
            opencrvsActionId: source.actionId ?? null,
            trackingId: plan.trackingId,
            registrationNumber: plan.registrationNumber,
            idempotencyKey: plan.idempotencyKey,
            token: source.token,
            tokenExpiresAt: source.exp !== undefined ? source.exp * 1000 : null,
            payload: plan.packet
          })
          if (created) {
            await this.deps.queue.enqueue(
              trx,
              TASKS.submitPacket,
              { v: 1, registrationId: id },
              { jobKey: jobKeys.submitPacket(id) }
            )
          }
          return { transactionId: registration.id, created }
        })
        if (result.created) this.deps.queue.notify()
        return result
      } catch (error) {
        // A random id (reference format) can collide with an existing one, as can a MOSIP-format
        // id once its sequence has wrapped within the same second: draw again.
        if (isUniqueViolation(error) && attempt < 5) continue
        throw error
      }
    }
  }
}
