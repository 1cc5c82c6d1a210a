import type {
  OpencrvsActionDocument,
  OpencrvsDeclaration,
  OpencrvsEventDocument
} from '@mosip-bridge/contracts'

/**
 * Reading an OpenCRVS EventDocument the way `@opencrvs/toolkit/events` does:
 * merging declarations, finding the action core is waiting for, and the declaration a registrar
 * is about to register (the accepted declarations with the pending action's changes on top).
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The toolkit's `deepMerge` (lodash `mergeWith` on copies): an `undefined` in `b` keeps `a`'s
 * value, arrays in `b` replace those in `a`, plain objects merge recursively, and anything else,
 * `null` included, overrides. Neither argument is modified.
 */
export function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>
): Record<string, unknown> {
  const result: Record<string, unknown> = structuredClone(a)
  for (const [key, value] of Object.entries(b)) {
    if (value === undefined) continue
    const current = result[key]
    result[key] =
      isPlainObject(current) && isPlainObject(value)
        ? deepMerge(current, value)
        : structuredClone(value)
  }
  return result
}

/** The Accepted or Rejected action that confirms `actionId` (its `originalActionId`), if any. */
export function confirmationOf(
  event: OpencrvsEventDocument,
  actionId: string
): OpencrvsActionDocument | undefined {
  return event.actions.find(
    (action) =>
      action.originalActionId === actionId &&
      (action.status === 'Accepted' || action.status === 'Rejected')
  )
}

/** Requested actions that nothing has confirmed yet, in document order. */
export function pendingActions(event: OpencrvsEventDocument): OpencrvsActionDocument[] {
  return event.actions.filter(
    (action) => action.status === 'Requested' && confirmationOf(event, action.id) === undefined
  )
}

/**
 * The action a trigger asks about: the newest unconfirmed Requested action. Core appends it just
 * before calling the country configuration, so it is the last one; an older one left behind by an
 * earlier failed trigger (core then leaves it Requested) does not hide it, unlike the toolkit's
 * `getPendingAction`, which throws when there is more than one.
 */
export function findPendingAction(
  event: OpencrvsEventDocument
): OpencrvsActionDocument | undefined {
  const pending = pendingActions(event)
  return pending[pending.length - 1]
}

/** The declaration an action carries once its Requested original is merged in (toolkit's `getCompleteActionDeclaration`). */
function completeDeclaration(
  event: OpencrvsEventDocument,
  action: OpencrvsActionDocument,
  base: OpencrvsDeclaration
): OpencrvsDeclaration {
  const original = action.originalActionId
    ? event.actions.find((a) => a.id === action.originalActionId && a.status === 'Requested')
    : undefined
  const withOriginal = original ? deepMerge(base, original.declaration ?? {}) : base
  return deepMerge(withOriginal, action.declaration ?? {})
}

/** Whether a Requested action ended up Accepted (or was Accepted directly). */
function isAccepted(event: OpencrvsEventDocument, action: OpencrvsActionDocument): boolean {
  if (action.status === 'Accepted') return true
  return action.status === 'Requested' && confirmationOf(event, action.id)?.status === 'Accepted'
}

/**
 * The declaration of the REQUEST_CORRECTION an APPROVE_CORRECTION refers to (its `requestId`),
 * with the confirmation's own changes when it was confirmed asynchronously.
 */
export function correctionRequestDeclaration(
  event: OpencrvsEventDocument,
  requestId: string
): OpencrvsDeclaration {
  const request = event.actions.find((a) => a.id === requestId && a.type === 'REQUEST_CORRECTION')
  if (!request) return {}
  const confirmation = confirmationOf(event, request.id)
  return confirmation ? completeDeclaration(event, confirmation, {}) : (request.declaration ?? {})
}

const NOT_AGGREGATED = new Set(['REQUEST_CORRECTION', 'PRINT_CERTIFICATE', 'REJECT_CORRECTION'])

/**
 * The toolkit's `aggregateActionDeclarations` (v2.0): the Accepted actions by `createdAt`, except
 * REQUEST_CORRECTION, PRINT_CERTIFICATE and REJECT_CORRECTION, deep-merged; an Accepted
 * APPROVE_CORRECTION brings in its accepted REQUEST_CORRECTION and then its own declaration. The
 * pending action is not included.
 */
export function aggregateActionDeclarations(event: OpencrvsEventDocument): OpencrvsDeclaration {
  const accepted = event.actions
    .map((action, index) => ({ action, index }))
    .filter(({ action }) => action.status === 'Accepted' && !NOT_AGGREGATED.has(action.type))
    .sort((x, y) => x.action.createdAt.localeCompare(y.action.createdAt) || x.index - y.index)
  let declaration: OpencrvsDeclaration = {}
  for (const { action } of accepted) {
    if (action.type === 'APPROVE_CORRECTION' && action.requestId) {
      const request = event.actions.find(
        (a) => a.id === action.requestId && a.type === 'REQUEST_CORRECTION'
      )
      if (request && isAccepted(event, request)) {
        declaration = deepMerge(declaration, correctionRequestDeclaration(event, request.id))
      }
    }
    declaration = completeDeclaration(event, action, declaration)
  }
  return declaration
}

/** The pending action and the declaration as it will stand once that action is accepted. */
export interface PendingDeclaration {
  action: OpencrvsActionDocument
  declaration: OpencrvsDeclaration
}

/**
 * `deepMerge(aggregateActionDeclarations(event), pending.declaration)`, as the reference
 * handlers compute it, so that edits the registrar made while registering count. For a pending
 * APPROVE_CORRECTION the corrected values of its REQUEST_CORRECTION are merged in between.
 * Undefined when nothing is pending.
 */
export function declarationWithPendingAction(
  event: OpencrvsEventDocument
): PendingDeclaration | undefined {
  const action = findPendingAction(event)
  if (!action) return undefined
  let declaration = aggregateActionDeclarations(event)
  if (action.type === 'APPROVE_CORRECTION' && action.requestId) {
    declaration = deepMerge(declaration, correctionRequestDeclaration(event, action.requestId))
  }
  return { action, declaration: deepMerge(declaration, action.declaration ?? {}) }
}

/** The registration number of the record's Accepted REGISTER action, if it is registered. */
export function registrationNumberOf(event: OpencrvsEventDocument): string | undefined {
  for (let i = event.actions.length - 1; i >= 0; i--) {
    const action = event.actions[i]
    if (action?.type === 'REGISTER' && action.status === 'Accepted' && action.registrationNumber) {
      return action.registrationNumber
    }
  }
  return undefined
}
