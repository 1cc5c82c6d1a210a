import type { TaskHandler } from '../queue/job-runner.js'
import { mosipIdOf } from '../core/registration-state.js'
import type { MosipIdentityGateway } from '../core/ports.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import { describeFailure, waitForPartner } from './partner-failure.js'
import type { Tasks } from './tasks.js'

/** History reasons of a death's UIN deactivation (the registration stays `confirmed`). */
export const UIN_DEACTIVATION = {
  done: 'UIN_DEACTIVATED',
  failed: 'UIN_DEACTIVATION_FAILED'
} as const

/**
 * Deactivates the deceased's UIN of a confirmed death in MOSIP's ID repository
 * (MOSIP_DEACTIVATE_UIN_ON_DEATH). The UIN was kept sealed for this job alone and is erased
 * with its outcome, so a second run finds nothing to do: the identity is deactivated once.
 * MOSIP unreachable, answering 5xx or refusing the login: the job waits (a snooze, however
 * long the outage lasts). MOSIP refusing the request (`IDR-IDC-007`, no identity has this UIN;
 * an invalid request): recorded as `UIN_DEACTIVATION_FAILED` with MOSIP's code, for an operator.
 * The UIN itself is never logged nor written anywhere but its sealed column.
 */
export function deactivateUinJob(deps: {
  store: Store
  registrations: RegistrationsRepository
  identities: MosipIdentityGateway
}): TaskHandler<Tasks['deactivate-uin']> {
  const { registrations } = deps
  return async ({ registrationId }, context) => {
    const registration = await registrations.get(registrationId)
    if (!registration || registration.kind !== 'death') return
    const uin = registrations.nationalIdOf(registration)
    // Already deactivated (or refused) and recorded: nothing is left to do.
    if (uin === undefined) return
    const outcome = await deps.identities.deactivate({
      uin,
      registrationId: mosipIdOf(registration)
    })
    if (outcome.kind === 'retry') waitForPartner(outcome)
    if (outcome.kind === 'ok') {
      await registrations.note(deps.store.db, registrationId, UIN_DEACTIVATION.done, {
        changes: { national_id_sealed: null },
        whileNationalIdKept: true
      })
      context.logger.info({ registrationId }, 'deceased UIN deactivated in MOSIP')
      return
    }
    await registrations.note(deps.store.db, registrationId, UIN_DEACTIVATION.failed, {
      lastError: describeFailure(outcome),
      changes: { national_id_sealed: null },
      whileNationalIdKept: true
    })
    context.logger.warn(
      { registrationId, code: outcome.code },
      'MOSIP refused to deactivate the deceased UIN'
    )
  }
}
