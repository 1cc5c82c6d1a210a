import type { Logger } from '../observability/logger.js'
import type { JobContext, TaskHandler } from '../queue/job-runner.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import type { RegistrationState } from '../core/registration-state.js'
import type { OpencrvsEvents, OpencrvsTokenSource } from '../core/ports.js'
import { describeFailure, lastAttempt, retryJob, type Failure } from './partner-failure.js'
import type { RegistrationJobPayload } from './tasks.js'

export interface OpencrvsDeps {
  store: Store
  registrations: RegistrationsRepository
  tokens: OpencrvsTokenSource
  events: OpencrvsEvents
  logger: Logger
}

/** A transaction id OpenCRVS sees for our action; stable per registration. */
export const opencrvsTransactionId = (registrationId: string) => `mosip-interop-${registrationId}`

/**
 * What to do with a failed OpenCRVS call: retry while it may help, otherwise hand the
 * registration to an operator (`needs_attention`) instead of looping — a refused or expired
 * token will not get better by itself.
 */
export async function failOpencrvsStep(
  deps: OpencrvsDeps,
  registration: Registration,
  failure: Failure,
  context: JobContext
): Promise<void> {
  if (failure.kind === 'retry' && !lastAttempt(context)) {
    await deps.registrations.noteAttempt(registration.id, describeFailure(failure))
    retryJob(failure)
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
async function openOpencrvs(
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

async function finish(
  deps: OpencrvsDeps,
  registration: Registration,
  to: RegistrationState,
  reason: string,
  log: Logger
): Promise<void> {
  await deps.store.db.transaction().execute(async (trx) => {
    await deps.registrations.transition(trx, registration.id, to, {
      reason,
      lastError: null,
      current: registration
    })
    // OpenCRVS now holds the outcome: nothing of the person or the token is kept.
    await trx
      .updateTable('registrations')
      .set({ token_sealed: null, payload_sealed: null, national_id_sealed: null })
      .where('id', '=', registration.id)
      .execute()
  })
  log.info({ registrationId: registration.id, state: to, reason }, 'registration finished')
}

/**
 * Confirms a registration whose credential arrived: find the pending OpenCRVS action, then
 * accept it with the national id (births; deaths send none), or approve the correction that
 * asked for an id. When OpenCRVS has no pending action (the country configuration answered 200
 * synchronously), a birth's national id is kept and the registration waits for an operator.
 */
export function confirmRegistrationJob(
  deps: OpencrvsDeps & { nationalIdFieldId: string }
): TaskHandler {
  const { registrations } = deps

  return async (payload, context) => {
    const { registrationId } = payload as RegistrationJobPayload
    const registration = await registrations.get(registrationId)
    if (!registration || registration.state !== 'credential_received') return
    const access = await openOpencrvs(deps, registration, context)
    if (!access) return
    const { eventId, token } = access

    const pending = await deps.events.pendingAction(token.value, eventId)
    if (pending.kind !== 'ok') return failOpencrvsStep(deps, registration, pending, context)
    const nationalId = registrations.nationalIdOf(registration)

    if (pending.value === null) {
      if (registration.kind === 'birth' && nationalId !== undefined) {
        return failOpencrvsStep(
          deps,
          registration,
          {
            kind: 'permanent',
            code: 'NO_PENDING_ACTION',
            reason: 'OpenCRVS has no pending action: the national id could not be written'
          },
          context
        )
      }
      return finish(deps, registration, 'confirmed', 'NO_PENDING_ACTION', context.logger)
    }
    const action = pending.value
    if (registration.opencrvs_action_id && action.actionId !== registration.opencrvs_action_id) {
      return failOpencrvsStep(
        deps,
        registration,
        {
          kind: 'permanent',
          code: 'PENDING_ACTION_CHANGED',
          reason: 'the pending OpenCRVS action is not the one that sent this registration'
        },
        context
      )
    }
    // Only keys with a value: superjson would turn an undefined under a dotted key into null,
    // which OpenCRVS reads as "clear this field".
    const declaration: Record<string, string> =
      registration.kind === 'birth' && nationalId !== undefined
        ? { [deps.nationalIdFieldId]: nationalId }
        : {}
    const transactionId = opencrvsTransactionId(registrationId)

    if (action.actionType === 'REGISTER') {
      if (!registration.registration_number) {
        return failOpencrvsStep(
          deps,
          registration,
          { kind: 'permanent', code: 'NO_REGISTRATION_NUMBER', reason: 'no registration number' },
          context
        )
      }
      const accepted = await deps.events.acceptRegistration(token.value, {
        eventId,
        actionId: action.actionId,
        transactionId,
        registrationNumber: registration.registration_number,
        declaration
      })
      if (accepted.kind !== 'ok') return failOpencrvsStep(deps, registration, accepted, context)
      return finish(deps, registration, 'confirmed', 'REGISTER_ACCEPTED', context.logger)
    }
    if (action.actionType === 'APPROVE_CORRECTION' && action.requestId) {
      const approved = await deps.events.approveCorrection(token.value, {
        eventId,
        actionId: action.actionId,
        transactionId,
        requestId: action.requestId,
        declaration
      })
      if (approved.kind !== 'ok') return failOpencrvsStep(deps, registration, approved, context)
      return finish(deps, registration, 'confirmed', 'CORRECTION_APPROVED', context.logger)
    }
    return failOpencrvsStep(
      deps,
      registration,
      {
        kind: 'permanent',
        code: 'UNSUPPORTED_PENDING_ACTION',
        reason: `the pending OpenCRVS action is ${action.actionType}`
      },
      context
    )
  }
}

/**
 * Rejects in OpenCRVS a registration MOSIP refused or we gave up on, so the record leaves
 * "pending external validation" and the registrar can act on it.
 */
export function rejectRegistrationJob(deps: OpencrvsDeps): TaskHandler {
  const { registrations } = deps

  return async (payload, context) => {
    const { registrationId } = payload as RegistrationJobPayload
    const registration = await registrations.get(registrationId)
    if (!registration || registration.state !== 'failed') return
    const access = await openOpencrvs(deps, registration, context)
    if (!access) return
    const { eventId, token } = access
    let actionId = registration.opencrvs_action_id
    if (!actionId) {
      const pending = await deps.events.pendingAction(token.value, eventId)
      if (pending.kind !== 'ok') return failOpencrvsStep(deps, registration, pending, context)
      actionId = pending.value?.actionId ?? null
    }
    if (!actionId) {
      return finish(deps, registration, 'rejected', 'NO_PENDING_ACTION', context.logger)
    }
    const rejected = await deps.events.rejectRegistration(token.value, {
      eventId,
      actionId,
      transactionId: opencrvsTransactionId(registrationId)
    })
    if (rejected.kind !== 'ok') return failOpencrvsStep(deps, registration, rejected, context)
    return finish(deps, registration, 'rejected', 'REGISTER_REJECTED', context.logger)
  }
}
