import { FINAL_STATES, type RegistrationState } from './registration-state.js'

/**
 * What an operator can do with one registration, from the console or the CLI:
 * - `retry`: the step it stopped at, again (submit to MOSIP, confirm in OpenCRVS, ask MOSIP);
 * - `confirm`: confirm again in OpenCRVS with the credential MOSIP sent;
 * - `reconcile`: ask MOSIP about it now instead of at its next scheduled check;
 * - `reject`: give up and reject the record's action in OpenCRVS (the rejection job reads the
 *   event first and never rejects what OpenCRVS already accepted);
 * - `remove`: stop tracking it (it and its history are deleted, its waiting jobs discarded).
 */
export const OPERATOR_ACTIONS = ['retry', 'confirm', 'reconcile', 'reject', 'remove'] as const

export type OperatorAction = (typeof OPERATOR_ACTIONS)[number]

export function isOperatorAction(value: string): value is OperatorAction {
  return (OPERATOR_ACTIONS as readonly string[]).includes(value)
}

export const OPERATOR_ACTION_LABELS: Record<OperatorAction, string> = {
  retry: 'Retry',
  confirm: 'Confirm again',
  reconcile: 'Check with MOSIP now',
  reject: 'Give up and reject',
  remove: 'Remove'
}

/** What the plan needs to know about a registration (no personal data). */
export interface RegistrationFacts {
  state: RegistrationState
  kind: string
  /** Whether it belongs to an OpenCRVS event (updates may not). */
  hasOpencrvsEvent: boolean
  /** Whether MOSIP's credential (or, for a death, its processed answer) arrived. */
  hasCredential: boolean
  /** Whether the packet input is still kept (it is erased when the registration ends). */
  payloadKept: boolean
  /** For `needs_attention`: the state it was handed over from, and why. */
  handedOverFrom?: string | null
  reason?: string | null
}

/** What an action does when run (`offered`), or why it is not offered. */
export type ActionPlan =
  | { action: OperatorAction; offered: true; step: ActionStep; description: string }
  | { action: OperatorAction; offered: false; refusal: string }

/** What an offered action does. */
export type ActionStep =
  /** Submit the packet to MOSIP (again). */
  | 'submit'
  /** Queue the confirmation in OpenCRVS (again). */
  | 'confirm'
  /** Ask MOSIP about it at once. */
  | 'reconcile'
  /** Fail it and queue its rejection in OpenCRVS. */
  | 'reject'
  | 'remove'

/** OpenCRVS already rejected the action a confirmation would accept. */
const OPENCRVS_REJECTED = 'OPENCRVS_ACTION_ALREADY_REJECTED'
/** OpenCRVS already accepted the action a rejection would reject. */
const OPENCRVS_ACCEPTED = 'OPENCRVS_ALREADY_ACCEPTED'

const offer = (action: OperatorAction, step: ActionStep, description: string): ActionPlan => ({
  action,
  offered: true,
  step,
  description
})
const refuse = (action: OperatorAction, refusal: string): ActionPlan => ({
  action,
  offered: false,
  refusal
})

function retryPlan(r: RegistrationFacts): ActionPlan {
  const submit = (description: string) =>
    r.payloadKept
      ? offer('retry', 'submit', description)
      : refuse('retry', 'its packet input was already erased; it cannot be submitted again')
  switch (r.state) {
    case 'received':
    case 'packet_created':
      return submit('queue its submission to MOSIP again (it resumes where it stopped)')
    case 'failed':
      return submit('submit it to MOSIP again')
    case 'submitted':
      return refuse('retry', 'it waits on MOSIP: check with MOSIP now instead')
    case 'credential_received':
      return refuse('retry', 'its confirmation in OpenCRVS is queued: confirm again instead')
    case 'needs_attention':
      if (r.hasCredential) {
        const confirm = confirmPlan(r)
        return confirm.offered ? offerConfirm('retry') : refuse('retry', confirm.refusal)
      }
      if (r.handedOverFrom === 'submitted') {
        return offer('retry', 'reconcile', 'check it with MOSIP again, with a fresh budget')
      }
      if (r.handedOverFrom === 'failed') {
        // MOSIP refused it and its rejection in OpenCRVS stopped: the rejection is what is
        // retried — unless OpenCRVS had accepted the action, when only MOSIP can take it further.
        if (r.reason === OPENCRVS_ACCEPTED) {
          return submit('submit it to MOSIP again (OpenCRVS already registered it)')
        }
        const reject = rejectPlan(r)
        return reject.offered
          ? offer(
              'retry',
              'reject',
              'queue its rejection in OpenCRVS again (the event is read first)'
            )
          : refuse('retry', reject.refusal)
      }
      return submit('submit it to MOSIP again')
    default:
      return refuse('retry', `it is ${r.state}: finished`)
  }
}

const offerConfirm = (action: OperatorAction): ActionPlan =>
  offer(action, 'confirm', 'confirm it in OpenCRVS again (the event is read first)')

function confirmPlan(r: RegistrationFacts): ActionPlan {
  if (r.state !== 'credential_received' && r.state !== 'needs_attention') {
    return refuse('confirm', `it is ${r.state}: there is nothing to confirm`)
  }
  if (!r.hasCredential) {
    return refuse('confirm', 'no credential has come from MOSIP: there is nothing to confirm')
  }
  if (r.reason === OPENCRVS_REJECTED) {
    return refuse(
      'confirm',
      'OpenCRVS already rejected this action; it is not confirmed against that (give up and reject closes it)'
    )
  }
  return offerConfirm('confirm')
}

function reconcilePlan(r: RegistrationFacts): ActionPlan {
  if (r.state === 'submitted') {
    return offer('reconcile', 'reconcile', 'ask MOSIP about it at the next check (within seconds)')
  }
  if (r.state === 'needs_attention' && !r.hasCredential && r.handedOverFrom === 'submitted') {
    return offer('reconcile', 'reconcile', 'check it with MOSIP again, with a fresh budget')
  }
  return refuse('reconcile', `it is ${r.state}: only a registration MOSIP has is checked with it`)
}

function rejectPlan(r: RegistrationFacts): ActionPlan {
  if ((FINAL_STATES as readonly string[]).includes(r.state)) {
    return refuse('reject', `it is ${r.state}: finished`)
  }
  if (r.kind === 'update') {
    return refuse('reject', 'an update has no OpenCRVS action to reject; remove it instead')
  }
  if (!r.hasOpencrvsEvent) {
    return refuse('reject', 'it has no OpenCRVS event to reject; remove it instead')
  }
  if (r.state === 'credential_received') {
    return refuse(
      'reject',
      'MOSIP issued the ID and its confirmation is queued; it is not rejected against that'
    )
  }
  if (r.reason === OPENCRVS_ACCEPTED) {
    return refuse(
      'reject',
      'OpenCRVS already accepted this action; it is never rejected against that (retry or remove it)'
    )
  }
  return offer(
    'reject',
    'reject',
    'stop it and reject its action in OpenCRVS (unless OpenCRVS already decided)'
  )
}

/** Every action with whether it applies to this registration, in `OPERATOR_ACTIONS` order. */
export function planOperatorActions(r: RegistrationFacts): ActionPlan[] {
  return [
    retryPlan(r),
    confirmPlan(r),
    reconcilePlan(r),
    rejectPlan(r),
    offer('remove', 'remove', 'stop tracking it: it, its history and its waiting jobs are deleted')
  ]
}

/** The plan of one action. */
export function planOperatorAction(r: RegistrationFacts, action: OperatorAction): ActionPlan {
  return planOperatorActions(r).find((plan) => plan.action === action)!
}
