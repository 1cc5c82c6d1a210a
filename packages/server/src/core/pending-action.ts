import { ok, permanent, type Outcome } from './outcome.js'

/**
 * Finding the action OpenCRVS is waiting for in an EventDocument, with the semantics of the
 * toolkit's `getPendingAction`: an action with status Requested that no Accepted or Rejected
 * action points back to through `originalActionId`. The toolkit throws unless there is exactly
 * one; here the three cases are values, so that callers decide what "none" and "several" mean.
 */
/** The action OpenCRVS waits for, as the pipeline acts on it. */
export interface PendingAction {
  actionId: string
  /** REGISTER, APPROVE_CORRECTION, … */
  actionType: string
  eventType: string
  /** For APPROVE_CORRECTION: the id of the REQUEST_CORRECTION action. */
  requestId?: string
}

export const ACTION_STATUS = {
  requested: 'Requested',
  accepted: 'Accepted',
  rejected: 'Rejected'
} as const

/** The parts of an OpenCRVS action this module reads; everything else is carried along. */
export interface EventActionLike {
  id: string
  type: string
  /** Absent only on very old documents; treated as Accepted there. */
  status?: string
  originalActionId?: string | null
  /** APPROVE_CORRECTION / REJECT_CORRECTION: the REQUEST_CORRECTION action's id. */
  requestId?: string
  [key: string]: unknown
}

/** The parts of an OpenCRVS EventDocument this module reads. */
export interface EventDocumentLike {
  id: string
  type: string
  actions: EventActionLike[]
  [key: string]: unknown
}

type PendingActionSearch =
  | { kind: 'one'; action: PendingAction }
  | { kind: 'none' }
  | { kind: 'several'; actionIds: string[] }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isAction(value: unknown): value is EventActionLike {
  return isRecord(value) && typeof value.id === 'string' && typeof value.type === 'string'
}

/**
 * Narrows an untrusted value (a deserialised `event.get` or mutation answer) to an
 * EventDocumentLike, or undefined when it does not have the shape. Malformed entries in
 * `actions` are dropped rather than failing the whole document.
 */
export function asEventDocument(value: unknown): EventDocumentLike | undefined {
  if (!isRecord(value)) return undefined
  if (typeof value.id !== 'string' || typeof value.type !== 'string') return undefined
  if (!Array.isArray(value.actions)) return undefined
  return { ...value, id: value.id, type: value.type, actions: value.actions.filter(isAction) }
}

/** The confirmation (Accepted or Rejected action) written for `actionId`, if any. */
export function confirmationOf(
  actions: readonly EventActionLike[],
  actionId: string
): EventActionLike | undefined {
  return actions.find(
    (action) =>
      action.originalActionId === actionId &&
      (action.status === ACTION_STATUS.accepted || action.status === ACTION_STATUS.rejected)
  )
}

/** Requested actions that no Accepted or Rejected action confirms yet, in document order. */
export function unconfirmedRequests(actions: readonly EventActionLike[]): EventActionLike[] {
  const confirmed = new Set<string>()
  for (const action of actions) {
    if (
      typeof action.originalActionId === 'string' &&
      (action.status === ACTION_STATUS.accepted || action.status === ACTION_STATUS.rejected)
    ) {
      confirmed.add(action.originalActionId)
    }
  }
  return actions.filter(
    (action) => action.status === ACTION_STATUS.requested && !confirmed.has(action.id)
  )
}

function toPendingAction(event: EventDocumentLike, action: EventActionLike): PendingAction {
  const pending: PendingAction = {
    actionId: action.id,
    actionType: action.type,
    eventType: event.type
  }
  if (typeof action.requestId === 'string') pending.requestId = action.requestId
  return pending
}

/** Several pending actions and none of them preferred: the bridge cannot tell which to confirm. */
export const SEVERAL_PENDING_ACTIONS = 'OPENCRVS_SEVERAL_PENDING_ACTIONS'

/**
 * `findPendingAction` as the pipeline uses it: the action, null when there is none (accepted
 * synchronously, or already confirmed), and a permanent failure when several are ambiguous.
 */
export function pendingActionOf(
  event: EventDocumentLike,
  options: { preferActionId?: string } = {}
): Outcome<PendingAction | null> {
  const search = findPendingAction(event, options)
  if (search.kind === 'one') return ok(search.action)
  if (search.kind === 'none') return ok(null)
  return permanent(
    SEVERAL_PENDING_ACTIONS,
    `event ${event.id} has ${search.actionIds.length} pending actions (${search.actionIds.join(', ')})`
  )
}

/**
 * The one pending action of `event`. With `preferActionId` (the action the bridge was told
 * about, from the token's `actionId` claim), several pending actions are not ambiguous when one
 * of them is that action: a dangling Requested action left by an earlier failed trigger must
 * not block the one MOSIP answered for.
 */
export function findPendingAction(
  event: EventDocumentLike,
  options: { preferActionId?: string } = {}
): PendingActionSearch {
  const pending = unconfirmedRequests(event.actions)
  const [first] = pending
  if (first === undefined) return { kind: 'none' }
  if (pending.length === 1) return { kind: 'one', action: toPendingAction(event, first) }
  const preferred = pending.find((action) => action.id === options.preferActionId)
  if (preferred) return { kind: 'one', action: toPendingAction(event, preferred) }
  return { kind: 'several', actionIds: pending.map((action) => action.id) }
}

/**
 * How OpenCRVS already settled the action a registration was sent for, if it did: the Accepted
 * or Rejected action confirming `actionId` (when the registration knows its action), or else
 * one written with our own `transactionId`. A bridge stopped between OpenCRVS's answer and
 * recording it, or an action OpenCRVS settled without us, is recognised this way.
 */
export function settlementOf(
  actions: readonly EventActionLike[],
  ours: { actionId: string | null; transactionId: string }
): EventActionLike | undefined {
  if (ours.actionId !== null) {
    const confirmation = confirmationOf(actions, ours.actionId)
    if (confirmation) return confirmation
  }
  return actions.find(
    (action) =>
      action.transactionId === ours.transactionId &&
      (action.status === ACTION_STATUS.accepted || action.status === ACTION_STATUS.rejected)
  )
}
