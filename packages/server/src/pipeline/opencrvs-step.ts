/**
 * What the confirmation and rejection jobs share: reaching the registration's OpenCRVS event
 * with a usable token, handing a registration to an operator when OpenCRVS refuses, and
 * finishing it.
 */
import type { Logger } from '../observability/logger.js'
import type { JobContext } from '../queue/job-runner.js'
import type { Store } from '../store/database.js'
import {
  WIPE_ALL_SECRETS,
  type RegistrationsRepository
} from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import type { RegistrationState } from '../core/registration-state.js'
import type { OpencrvsEvents, OpencrvsTokenSource } from '../core/ports.js'
import type { JobQueue } from '../queue/job-queue.js'
import { deceasedUinOf } from '../core/deceased-uin.js'
import type { StoredPacketInput } from '../core/intake-plan.js'
import { describeFailure, waitForPartner, type Failure } from './partner-failure.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

export interface OpencrvsDeps {
  store: Store
  registrations: RegistrationsRepository
  tokens: OpencrvsTokenSource
  events: OpencrvsEvents
  logger: Logger
  /**
   * Set when MOSIP_DEACTIVATE_UIN_ON_DEATH is on: a confirmed death carrying the deceased's UIN
   * queues its deactivation here.
   */
  uinDeactivation?: { queue: JobQueue<Tasks> }
}

/** A transaction id OpenCRVS sees for our action; stable per registration. */
export const opencrvsTransactionId = (registrationId: string) => `mosip-interop-${registrationId}`

/**
 * What to do with a failed OpenCRVS call: an outage (no answer, 5xx, 429, a conflict) is waited
 * out however long it lasts — until the token expires, which the token source then reports as
 * permanent; anything permanent hands the registration to an operator (`needs_attention`)
 * instead of looping — a refused or expired token will not get better by itself.
 */
export async function failOpencrvsStep(
  deps: OpencrvsDeps,
  registration: Registration,
  failure: Failure,
  context: JobContext
): Promise<void> {
  if (failure.kind === 'retry') {
    await deps.registrations.noteAttempt(registration.id, describeFailure(failure))
    waitForPartner(failure)
  }
  await deps.registrations.transition(deps.store.db, registration.id, 'needs_attention', {
    reason: failure.code,
    lastError: describeFailure(failure)
  })
  context.logger.warn(
    { registrationId: registration.id, code: failure.code },
    'registration needs attention'
  )
}

/**
 * The OpenCRVS event of a registration and a token to act on it with; on failure the
 * registration has been dealt with (retry thrown, or handed to an operator) and undefined is
 * returned.
 */
export async function openOpencrvs(
  deps: OpencrvsDeps,
  registration: Registration,
  context: JobContext
): Promise<{ eventId: string; token: { value: string } } | undefined> {
  const eventId = registration.opencrvs_event_id
  if (!eventId) {
    await failOpencrvsStep(
      deps,
      registration,
      { kind: 'permanent', code: 'NO_OPENCRVS_EVENT', reason: 'the intake token had no eventId' },
      context
    )
    return undefined
  }
  const token = await deps.tokens.tokenFor({
    eventId,
    actionId: registration.opencrvs_action_id,
    storedToken: deps.registrations.tokenOf(registration)
  })
  if (token.kind !== 'ok') {
    await failOpencrvsStep(deps, registration, token, context)
    return undefined
  }
  return { eventId, token }
}

/** Moves a registration to its final state and erases what was kept of the person and token. */
export async function finishRegistration(
  deps: OpencrvsDeps,
  registration: Registration,
  to: RegistrationState,
  reason: string,
  log: Logger
): Promise<void> {
  const deactivation = deps.uinDeactivation
  const uin =
    deactivation && to === 'confirmed' && registration.kind === 'death'
      ? deceasedUinOf(deps.registrations.payloadOf<StoredPacketInput>(registration)?.fields)
      : undefined
  if (deactivation && uin !== undefined) {
    // A death MOSIP processed, now confirmed: everything goes but the deceased's UIN, kept
    // sealed for the deactivation queued in the same transaction (which erases it).
    await deps.store.transaction(async (trx) => {
      await deps.registrations.transition(trx, registration.id, to, {
        reason,
        lastError: null,
        current: registration,
        changes: {
          ...WIPE_ALL_SECRETS,
          national_id_sealed: deps.registrations.sealNationalId(registration.id, uin)
        }
      })
      await deactivation.queue.enqueue(
        trx,
        TASKS.deactivateUin,
        { v: 1, registrationId: registration.id },
        { jobKey: jobKeys.deactivateUin(registration.id) }
      )
    })
    deactivation.queue.notify()
    log.info(
      { registrationId: registration.id, state: to, reason },
      'registration finished; UIN deactivation queued'
    )
    return
  }
  // OpenCRVS now holds the outcome: nothing of the person or the token is kept. (One
  // transition: it writes the state, the erasure and the history entry together.)
  await deps.registrations.transition(deps.store.db, registration.id, to, {
    reason,
    lastError: null,
    current: registration,
    changes: WIPE_ALL_SECRETS
  })
  log.info({ registrationId: registration.id, state: to, reason }, 'registration finished')
}
