import { randomUUID } from 'node:crypto'
import {
  OPENCRVS_EVENTS_PROCEDURES,
  OPENCRVS_SCOPE,
  opencrvsApproveCorrectionAcceptInputSchema,
  opencrvsAsyncRejectInputSchema,
  opencrvsEventGetInputSchema,
  opencrvsGenericAcceptInputSchema,
  opencrvsRegisterAcceptInputSchema,
  opencrvsRejectDeclarationRequestInputSchema,
  type OpencrvsActionType,
  type OpencrvsEventDocument,
  type OpencrvsTokenClaims,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'
import type { z } from 'zod'
import {
  createdBy,
  unassign,
  type ActionConfirmation,
  type ActionRequester
} from './action-confirmation.js'
import { actionNotAllowedReason, assignedUser, confirmationOf } from './event-state.js'
import type { OpencrvsEventStore } from './event-store.js'
import { hasConfirmationScopes, hasScope } from './scopes.js'
import { TrpcError } from './trpc-error.js'
import type { TrpcProcedure, TrpcRouter } from './trpc-http.js'

/** What the gateway hands the events service: the verified bearer token. */
export interface GatewayContext {
  token: string
  claims: OpencrvsTokenClaims
}

interface EventsRouterDeps {
  version: OpencrvsVersion
  store: OpencrvsEventStore
  confirmation: ActionConfirmation
  /** Role and office of a known user or system id (for `createdByRole`/`createdAtLocation`). */
  identity: (sub: string) => Pick<ActionRequester, 'role' | 'primaryOfficeId'>
}

/** `event.actions.<segment>.{accept,reject}` for each confirmable action. */
function confirmableSegments(version: OpencrvsVersion): Array<[string, OpencrvsActionType]> {
  return [
    ['notify', 'NOTIFY'],
    ['declare', 'DECLARE'],
    ...(version === 'v1.9'
      ? ([['validate', 'VALIDATE']] as Array<[string, OpencrvsActionType]>)
      : ([['edit', 'EDIT']] as Array<[string, OpencrvsActionType]>)),
    ['register', 'REGISTER'],
    ['reject', 'REJECT'],
    ['archive', 'ARCHIVE'],
    ['printCertificate', 'PRINT_CERTIFICATE'],
    ['correction.request', 'REQUEST_CORRECTION'],
    ['correction.approve', 'APPROVE_CORRECTION'],
    ['correction.reject', 'REJECT_CORRECTION']
  ]
}

/**
 * The procedures of core's events router this simulator serves: `event.get`, `accept` and
 * `reject` of every confirmable action, and `event.actions.reject.request`.
 */
export function createEventsRouter(deps: EventsRouterDeps): TrpcRouter<GatewayContext> {
  const router = new Map<string, TrpcProcedure<GatewayContext>>()
  router.set(OPENCRVS_EVENTS_PROCEDURES.get, {
    type: 'query',
    resolve: async (input, context) => eventGet(deps, input, context)
  })
  for (const [segment, type] of confirmableSegments(deps.version)) {
    router.set(`event.actions.${segment}.accept`, {
      type: 'mutation',
      resolve: async (input, context) => accept(deps, type, input, context)
    })
    router.set(`event.actions.${segment}.reject`, {
      type: 'mutation',
      resolve: async (input, context) => reject(deps, type, input, context)
    })
  }
  router.set(OPENCRVS_EVENTS_PROCEDURES.rejectDeclarationRequest, {
    type: 'mutation',
    resolve: async (input, context) => rejectDeclarationRequest(deps, input, context)
  })
  return router
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) throw new TrpcError('BAD_REQUEST', parsed.error.message)
  return parsed.data
}

function requesterOf(deps: EventsRouterDeps, context: GatewayContext): ActionRequester {
  return { claims: context.claims, ...deps.identity(context.claims.sub) }
}

/**
 * `event.get`: v1.9 takes a bare UUID and checks `userCanReadEvent`; v2.0 takes
 * `{eventId}` and needs a `record.read` scope. A granted `eventId` claim must match. Appends an
 * Accepted READ action (audit row).
 */
async function eventGet(
  deps: EventsRouterDeps,
  input: unknown,
  context: GatewayContext
): Promise<OpencrvsEventDocument> {
  const { version, store } = deps
  const { claims } = context
  if (version !== 'v1.9' && !hasScope(claims.scope, OPENCRVS_SCOPE.read, version)) {
    throw new TrpcError('FORBIDDEN')
  }
  const parsed = parseInput(opencrvsEventGetInputSchema(version), input)
  const eventId = typeof parsed === 'string' ? parsed : parsed.eventId
  if (claims.eventId !== undefined && claims.eventId !== eventId) throw new TrpcError('FORBIDDEN')
  const event = store.require(eventId)
  if (!hasScope(claims.scope, OPENCRVS_SCOPE.read, version, event.type))
    throw new TrpcError('FORBIDDEN')
  const requester = requesterOf(deps, context)
  store.append(event, {
    type: 'READ',
    status: 'Accepted',
    transactionId: randomUUID(),
    ...createdBy(requester),
    declaration: {}
  })
  return structuredClone(event)
}

/**
 * `requireActionConfirmationAuthorization` for v1.9/v2.0: both confirmation scopes, the
 * `eventId`/`actionId` claims, and both equal to the input. 2.1: a system client holding
 * `record.action.accept` / `record.action.reject`; user tokens are refused.
 */
function authorizeConfirmation(
  version: OpencrvsVersion,
  claims: OpencrvsTokenClaims,
  input: { eventId: string; actionId: string },
  kind: 'accept' | 'reject'
): void {
  if (version === 'v2.1') {
    if (claims.userType !== 'system') {
      throw new TrpcError('FORBIDDEN', 'Only system clients can confirm or reject actions')
    }
    const scope = kind === 'accept' ? OPENCRVS_SCOPE.actionAccept : OPENCRVS_SCOPE.actionReject
    if (!hasScope(claims.scope, scope, version)) {
      throw new TrpcError('FORBIDDEN', 'Missing required scopes for action confirmation')
    }
    return
  }
  if (!hasConfirmationScopes(claims.scope, version)) {
    throw new TrpcError('FORBIDDEN', 'Missing required scopes for action confirmation')
  }
  if (claims.eventId === undefined || claims.actionId === undefined) {
    throw new TrpcError('FORBIDDEN', 'Missing required claims for action confirmation')
  }
  if (claims.eventId !== input.eventId || claims.actionId !== input.actionId) {
    throw new TrpcError('FORBIDDEN')
  }
}

/** 2.1 checks after the event is loaded: event-type scope, nobody assigned, a pending action of the same type. */
function authorizeV21(
  claims: OpencrvsTokenClaims,
  event: OpencrvsEventDocument,
  kind: 'accept' | 'reject'
): void {
  const scope = kind === 'accept' ? OPENCRVS_SCOPE.actionAccept : OPENCRVS_SCOPE.actionReject
  if (!hasScope(claims.scope, scope, 'v2.1', event.type)) {
    throw new TrpcError('FORBIDDEN', 'Missing required scopes for action confirmation')
  }
  if (assignedUser(event) !== undefined) {
    throw new TrpcError('CONFLICT', 'User is assigned to this event')
  }
}

function requirePendingOfType(
  event: OpencrvsEventDocument,
  actionId: string,
  type: OpencrvsActionType
): void {
  const action = event.actions.find((a) => a.id === actionId)
  if (action?.status !== 'Requested' || action.type !== type) {
    throw new TrpcError('BAD_REQUEST', `Action ${actionId} is not a pending ${type} action`)
  }
}

function acceptSchema(version: OpencrvsVersion, type: OpencrvsActionType) {
  if (type === 'REGISTER') return opencrvsRegisterAcceptInputSchema(version)
  if (type === 'APPROVE_CORRECTION') return opencrvsApproveCorrectionAcceptInputSchema(version)
  return opencrvsGenericAcceptInputSchema(version)
}

interface AcceptFields {
  eventId: string
  actionId: string
  transactionId: string
  declaration: Record<string, unknown>
  annotation?: Record<string, unknown>
  keepAssignment?: boolean
  registrationNumber?: string
  requestId?: string
  content?: Record<string, unknown>
}

/** `event.actions.<action>.accept`, after `authorizeConfirmation`. */
async function accept(
  deps: EventsRouterDeps,
  type: OpencrvsActionType,
  rawInput: unknown,
  context: GatewayContext
): Promise<OpencrvsEventDocument> {
  const { version, store } = deps
  const input = parseInput(acceptSchema(version, type), rawInput) as AcceptFields
  authorizeConfirmation(version, context.claims, input, 'accept')
  const event = store.require(input.eventId)
  if (version === 'v2.1') authorizeV21(context.claims, event, 'accept')
  const action = event.actions.find((a) => a.id === input.actionId)
  if (!action) throw new TrpcError('NOT_FOUND', 'Action not found.')
  const confirmation = confirmationOf(event.actions, input.actionId)
  if (confirmation?.status === 'Rejected') {
    throw new TrpcError('BAD_REQUEST', 'Action has already been rejected.')
  }
  // Idempotent: a repeat returns the event unchanged, ignoring a different registrationNumber.
  if (confirmation?.status === 'Accepted') return structuredClone(event)
  // v1.9/v2.0 check neither that the action is still Requested nor that its type matches.
  if (version === 'v2.1') requirePendingOfType(event, input.actionId, type)

  const by = createdBy(requesterOf(deps, context))
  store.append(event, {
    type,
    status: 'Accepted',
    transactionId: input.transactionId,
    ...by,
    declaration: input.declaration,
    annotation: input.annotation,
    originalActionId: input.actionId,
    registrationNumber: type === 'REGISTER' ? input.registrationNumber : undefined,
    requestId: input.requestId,
    content: input.content
  })
  if (context.claims.userType !== 'system' && !input.keepAssignment) unassign(store, event, by)
  return structuredClone(event)
}

/**
 * `event.actions.<action>.reject`, after `authorizeConfirmation`. A missing action and "already accepted" are plain
 * Errors in core, so they reach the client as INTERNAL_SERVER_ERROR (500).
 */
async function reject(
  deps: EventsRouterDeps,
  type: OpencrvsActionType,
  rawInput: unknown,
  context: GatewayContext
): Promise<OpencrvsEventDocument> {
  const { version, store } = deps
  const input = parseInput(opencrvsAsyncRejectInputSchema(version), rawInput)
  authorizeConfirmation(version, context.claims, input, 'reject')
  const event = store.require(input.eventId)
  if (version === 'v2.1') authorizeV21(context.claims, event, 'reject')
  const action = event.actions.find((a) => a.id === input.actionId)
  if (!action) throw new Error('Action not found.')
  const confirmation = confirmationOf(event.actions, input.actionId)
  if (confirmation?.status === 'Accepted') throw new Error('Action has already been accepted.')
  if (confirmation?.status === 'Rejected') return structuredClone(event)
  if (version === 'v2.1') requirePendingOfType(event, input.actionId, type)

  const by = createdBy(requesterOf(deps, context))
  // An asynchronously rejected confirmation carries no declaration or annotation.
  store.append(event, {
    type,
    status: 'Rejected',
    transactionId: input.transactionId,
    ...by,
    originalActionId: input.actionId
  })
  if (context.claims.userType !== 'system' && !input.keepAssignment) unassign(store, event, by)
  return structuredClone(event)
}

/**
 * `event.actions.reject.request` ("send for updates"): users only (v2.0), scope
 * `record.reject` (v2.0) / `record.declared.reject` (v1.9), strict input from v2.0, the caller
 * must be assigned, REJECT must be available; then the country config is triggered for REJECT.
 */
async function rejectDeclarationRequest(
  deps: EventsRouterDeps,
  rawInput: unknown,
  context: GatewayContext
): Promise<OpencrvsEventDocument> {
  const { version, store } = deps
  const { claims } = context
  if (version !== 'v1.9' && claims.userType === 'system') {
    throw new TrpcError('FORBIDDEN', 'This procedure is only available to users')
  }
  const scopeTypes =
    version === 'v1.9'
      ? [OPENCRVS_SCOPE.declaredReject, 'record.declaration-submit-for-updates']
      : [OPENCRVS_SCOPE.reject]
  if (!scopeTypes.some((type) => hasScope(claims.scope, type, version))) {
    throw new TrpcError('FORBIDDEN')
  }
  const input = parseInput(opencrvsRejectDeclarationRequestInputSchema(version), rawInput)
  if (claims.eventId !== undefined && claims.eventId !== input.eventId) {
    throw new TrpcError('FORBIDDEN')
  }
  const event = store.require(input.eventId)
  if (!scopeTypes.some((type) => hasScope(claims.scope, type, version, event.type))) {
    throw new TrpcError('FORBIDDEN')
  }
  if (assignedUser(event) !== claims.sub) {
    throw new TrpcError('CONFLICT', 'You are not assigned to this event')
  }
  const notAllowed = actionNotAllowedReason(event, 'REJECT')
  if (notAllowed) throw new TrpcError('CONFLICT', notAllowed)

  const result = await deps.confirmation.request(event, 'REJECT', requesterOf(deps, context), {
    transactionId: input.transactionId,
    declaration: input.declaration,
    annotation: input.annotation,
    content: input.content,
    keepAssignment: input.keepAssignment,
    keepAssignmentIfAccepted: input.keepAssignmentIfAccepted,
    keepAssignmentIfRejected: input.keepAssignmentIfRejected
  })
  if (result.error) throw new TrpcError(result.error.code, result.error.message)
  return structuredClone(event)
}
