import type { TaskHandler } from '../queue/job-runner.js'
import {
  ACTION_STATUS,
  pendingActionOf,
  settlementOf,
  type EventActionLike
} from '../core/pending-action.js'
import {
  failOpencrvsStep,
  finishRegistration,
  openOpencrvs,
  opencrvsTransactionId,
  type OpencrvsDeps
} from './opencrvs-step.js'
import type { Tasks } from './tasks.js'

/**
 * Confirms a registration whose credential arrived: find the pending OpenCRVS action, then
 * accept it with the national id (births; deaths send none), or approve the correction that
 * asked for an id. When OpenCRVS has no pending action, the event says why: already accepted
 * by us (a runner stopped before recording OpenCRVS's answer: finished quietly) or with the
 * national id in it, the registration is confirmed; rejected meanwhile, or accepted without
 * the national id (the country configuration answered 200 synchronously), a birth's national id
 * is kept and the registration waits for an operator.
 */
export function confirmRegistrationJob(
  deps: OpencrvsDeps & { nationalIdFieldId: string }
): TaskHandler<Tasks['confirm-registration']> {
  const { registrations } = deps

  return async ({ registrationId }, context) => {
    const registration = await registrations.get(registrationId)
    if (!registration || registration.state !== 'credential_received') return
    const access = await openOpencrvs(deps, registration, context)
    if (!access) return
    const { eventId, token } = access

    // One read of the event serves both questions: what OpenCRVS waits for and, when it waits for
    // nothing, whether it already took our action (each event.get also writes an audit row).
    const event = await deps.events.getEvent(token.value, eventId)
    if (event.kind !== 'ok') return failOpencrvsStep(deps, registration, event, context)
    const pending = pendingActionOf(event.value)
    if (pending.kind !== 'ok') return failOpencrvsStep(deps, registration, pending, context)
    const nationalId = registrations.nationalIdOf(registration)

    if (pending.value === null) {
      const settled = settlementOf(event.value.actions, {
        actionId: registration.opencrvs_action_id,
        transactionId: opencrvsTransactionId(registrationId)
      })
      if (settled?.status === ACTION_STATUS.rejected) {
        return failOpencrvsStep(
          deps,
          registration,
          {
            kind: 'permanent',
            code: 'OPENCRVS_ACTION_ALREADY_REJECTED',
            reason: 'OpenCRVS rejected the action this registration was sent for'
          },
          context
        )
      }
      if (
        settled?.status === ACTION_STATUS.accepted &&
        (registration.kind !== 'birth' ||
          nationalId === undefined ||
          declaredValue(settled, deps.nationalIdFieldId) === nationalId)
      ) {
        return finishRegistration(
          deps,
          registration,
          'confirmed',
          'ACTION_ALREADY_ACCEPTED',
          context.logger
        )
      }
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
      return finishRegistration(
        deps,
        registration,
        'confirmed',
        'NO_PENDING_ACTION',
        context.logger
      )
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
      return finishRegistration(
        deps,
        registration,
        'confirmed',
        'REGISTER_ACCEPTED',
        context.logger
      )
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
      return finishRegistration(
        deps,
        registration,
        'confirmed',
        'CORRECTION_APPROVED',
        context.logger
      )
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

/** The value an accepted action's declaration gave `fieldId`, if any. */
function declaredValue(action: EventActionLike, fieldId: string): unknown {
  const declaration = action.declaration
  return typeof declaration === 'object' && declaration !== null
    ? (declaration as Record<string, unknown>)[fieldId]
    : undefined
}
