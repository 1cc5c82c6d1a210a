import type {
  OpencrvsActionDocument,
  OpencrvsActionType,
  OpencrvsDeclaration,
  OpencrvsEventDocument,
  OpencrvsVersion
} from '@mosip-bridge/contracts'

/**
 * Pure readings of an EventDocument the way core and `@opencrvs/toolkit/events` read it:
 * declaration merging, pending actions, confirmations, flags, lock and assignment.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value)
}

/**
 * lodash `mergeWith` on deep clones: `undefined` in `b` keeps `a`'s value, arrays in `b`
 * replace, plain objects merge recursively, anything else (including `null`) overrides.
 */
export function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>
): Record<string, unknown> {
  const result: Record<string, unknown> = clone(a)
  for (const [key, value] of Object.entries(b)) {
    if (value === undefined) continue
    const current = result[key]
    result[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : clone(value)
  }
  return result
}

/** The Accepted or Rejected action that confirms `actionId` (its `originalActionId`). */
export function confirmationOf(
  actions: readonly OpencrvsActionDocument[],
  actionId: string
): OpencrvsActionDocument | undefined {
  return actions.find(
    (action) =>
      action.originalActionId === actionId &&
      (action.status === 'Accepted' || action.status === 'Rejected')
  )
}

/** Requested actions no Accepted/Rejected action points to through `originalActionId`. */
export function pendingActions(
  actions: readonly OpencrvsActionDocument[]
): OpencrvsActionDocument[] {
  return actions.filter(
    (action) => action.status === 'Requested' && confirmationOf(actions, action.id) === undefined
  )
}

/** The toolkit's `getPendingAction`: throws unless exactly one action is pending. */
export function getPendingAction(
  actions: readonly OpencrvsActionDocument[]
): OpencrvsActionDocument {
  const pending = pendingActions(actions)
  const [only] = pending
  if (pending.length !== 1 || !only) {
    throw new Error(
      `Expected exactly one pending action, but found ${pending.map((a) => a.id).join(', ')}`
    )
  }
  return only
}

/**
 * The status an action ends up with: its confirmation's status when it has one, else its own.
 */
export function effectiveStatus(
  actions: readonly OpencrvsActionDocument[],
  action: OpencrvsActionDocument
): OpencrvsActionDocument['status'] {
  if (action.status !== 'Requested') return action.status
  return confirmationOf(actions, action.id)?.status ?? 'Requested'
}

/** `getCompleteActionDeclaration`: a confirmation carries its Requested action's declaration. */
function completeActionDeclaration(
  event: OpencrvsEventDocument,
  action: OpencrvsActionDocument,
  base: Record<string, unknown> = {}
): Record<string, unknown> {
  const original = action.originalActionId
    ? event.actions.find((a) => a.id === action.originalActionId && a.status === 'Requested')
    : undefined
  const withOriginal = original ? deepMerge(base, original.declaration ?? {}) : base
  return deepMerge(withOriginal, action.declaration ?? {})
}

const NOT_AGGREGATED: readonly OpencrvsActionType[] = [
  'REQUEST_CORRECTION',
  'PRINT_CERTIFICATE',
  'REJECT_CORRECTION'
]

/**
 * `aggregateActionDeclarations`: Accepted actions by `createdAt`, except REQUEST_CORRECTION,
 * PRINT_CERTIFICATE and REJECT_CORRECTION, deep-merged. An Accepted APPROVE_CORRECTION merges its
 * REQUEST_CORRECTION; from v2.0 also its own declaration (v1.9 does not, so a `child.nid`
 * written at approve time is invisible there). The pending Requested action is ignored.
 */
export function aggregateActionDeclarations(
  event: OpencrvsEventDocument,
  version: OpencrvsVersion
): OpencrvsDeclaration {
  const accepted = event.actions
    .map((action, index) => ({ action, index }))
    .filter(({ action }) => action.status === 'Accepted' && !NOT_AGGREGATED.includes(action.type))
    .sort((x, y) => x.action.createdAt.localeCompare(y.action.createdAt) || x.index - y.index)
  let declaration: Record<string, unknown> = {}
  for (const { action } of accepted) {
    if (action.type === 'APPROVE_CORRECTION') {
      const request = event.actions.find(
        (a) => a.id === action.requestId && a.type === 'REQUEST_CORRECTION'
      )
      const requestAccepted = request && effectiveStatus(event.actions, request) === 'Accepted'
      if (request && requestAccepted) {
        const requestConfirmation = confirmationOf(event.actions, request.id)
        declaration = completeActionDeclaration(event, requestConfirmation ?? request, declaration)
      }
      if (version !== 'v1.9') declaration = completeActionDeclaration(event, action, declaration)
      continue
    }
    declaration = completeActionDeclaration(event, action, declaration)
  }
  return declaration
}

/**
 * `getActionStatusFlags`: per action type the latest action's status; any non-Accepted status
 * gives `"<type>:<status>"` lowercased (`register:requested`, `register:rejected`).
 */
export function actionStatusFlags(event: OpencrvsEventDocument): string[] {
  const latest = new Map<string, OpencrvsActionDocument>()
  for (const action of event.actions) latest.set(action.type, action)
  const flags: string[] = []
  for (const [type, action] of latest) {
    if (action.status !== 'Accepted') flags.push(`${type}:${action.status}`.toLowerCase())
  }
  return flags
}

/** Action types unavailable while any flag ends with `:requested` (availableActions.ts). */
const LOCKED_WHILE_REQUESTED: readonly OpencrvsActionType[] = [
  'REGISTER',
  'EDIT',
  'REJECT',
  'ARCHIVE',
  'ASSIGN',
  'UNASSIGN',
  'CUSTOM',
  'PRINT_CERTIFICATE',
  'REQUEST_CORRECTION',
  'APPROVE_CORRECTION',
  'REJECT_CORRECTION',
  'MARK_AS_DUPLICATE'
]

export function isLocked(event: OpencrvsEventDocument): boolean {
  return actionStatusFlags(event).some((flag) => flag.endsWith(':requested'))
}

/** The user the record is assigned to: the latest Accepted ASSIGN not followed by UNASSIGN. */
export function assignedUser(event: OpencrvsEventDocument): string | undefined {
  let assigned: string | undefined
  for (const action of event.actions) {
    if (action.status !== 'Accepted') continue
    if (action.type === 'ASSIGN') assigned = action.assignedTo
    if (action.type === 'UNASSIGN') assigned = undefined
  }
  return assigned
}

function isRegistered(event: OpencrvsEventDocument): boolean {
  return event.actions.some(
    (action) => action.type === 'REGISTER' && effectiveStatus(event.actions, action) === 'Accepted'
  )
}

/**
 * Why a user may not request `type` now (`throwConflictIfActionNotAllowed`), or undefined. A
 * subset of core's rules: the `:requested` lock, nothing but corrections and printing after
 * registration, no second rejection of a rejected declaration.
 */
export function actionNotAllowedReason(
  event: OpencrvsEventDocument,
  type: OpencrvsActionType
): string | undefined {
  if (LOCKED_WHILE_REQUESTED.includes(type) && isLocked(event)) {
    return `Action ${type} is not available while an action is waiting for confirmation`
  }
  if (
    isRegistered(event) &&
    ['DECLARE', 'VALIDATE', 'REGISTER', 'REJECT', 'NOTIFY'].includes(type)
  ) {
    return `Action ${type} is not available on a registered event`
  }
  if (type === 'REJECT') {
    const lastDeclarationStep = [...event.actions]
      .reverse()
      .find(
        (a) =>
          ['DECLARE', 'VALIDATE', 'REJECT', 'NOTIFY'].includes(a.type) &&
          effectiveStatus(event.actions, a) === 'Accepted'
      )
    if (lastDeclarationStep?.type === 'REJECT') return 'Event has already been rejected'
  }
  return undefined
}
