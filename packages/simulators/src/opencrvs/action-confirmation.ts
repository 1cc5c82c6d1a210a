import { randomUUID } from 'node:crypto'
import {
  opencrvsRegisterTriggerSuccessBodySchema,
  opencrvsTriggerPath,
  opencrvsTriggerSuccessBodySchema,
  type OpencrvsActionDocument,
  type OpencrvsActionType,
  type OpencrvsDeclaration,
  type OpencrvsEventDocument,
  type OpencrvsTokenClaims,
  type OpencrvsTrpcErrorCode,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'
import { assignedUser } from './event-state.js'
import type { OpencrvsEventStore } from './event-store.js'
import type { OpencrvsTokenService } from './token-service.js'

/** Who asks for an action: the identity of the token that called `.request`. */
export interface ActionRequester {
  claims: Pick<OpencrvsTokenClaims, 'sub' | 'scope' | 'userType'>
  role?: string
  primaryOfficeId?: string
}

export interface ActionRequestOptions {
  /** What the requester changed at this step (often `{}`). */
  declaration?: OpencrvsDeclaration
  annotation?: Record<string, unknown>
  /** REJECT/ARCHIVE `{reason}`, APPROVE_CORRECTION `{immediateCorrection}`… */
  content?: Record<string, unknown>
  /** APPROVE_CORRECTION / REJECT_CORRECTION: the REQUEST_CORRECTION action's id. */
  requestId?: string
  transactionId?: string
  keepAssignment?: boolean
  keepAssignmentIfAccepted?: boolean
  keepAssignmentIfRejected?: boolean
}

/** One trigger call core made to the country configuration, for tests to assert on. */
export interface OpencrvsTriggerCall {
  url: string
  headers: Record<string, string>
  /** Exactly the bytes sent: `JSON.stringify(eventDocument)`. */
  body: string
  /** Undefined after a network error. */
  status: number | undefined
  /** The answer as core reads it: `res.json().catch(() => undefined)`. */
  responseBody: unknown
  error?: string
  at: number
}

/**
 * - `accepted`: 200 with a valid body; an Accepted confirmation was written.
 * - `pending`: 202; the Requested action stays (pending external validation).
 * - `rejected`: 400; a Rejected confirmation was written.
 * - `failed`: any other answer, an invalid 200 body or a network error; core answers the
 *   requester INTERNAL_SERVER_ERROR and the Requested action stays behind.
 */
export type OpencrvsTriggerOutcome = 'accepted' | 'pending' | 'rejected' | 'failed'

export interface OpencrvsTriggerResult {
  eventId: string
  actionId: string
  actionType: OpencrvsActionType
  /** The action-bound token sent in `Authorization`. */
  token: string
  httpStatus: number | undefined
  outcome: OpencrvsTriggerOutcome
  /** The error core returns to the requester when `outcome` is `failed`. */
  error?: { code: OpencrvsTrpcErrorCode; message: string }
  /** The event after core processed the answer. */
  event: OpencrvsEventDocument
}

interface ActionConfirmationDeps {
  version: OpencrvsVersion
  store: OpencrvsEventStore
  tokens: OpencrvsTokenService
  countryConfigUrl: () => string | undefined
  /** Abort in-flight triggers when the simulator closes (core itself has no timeout). */
  signal: AbortSignal
  /** Optional timeout; core has none, so a hung country config hangs the request. */
  timeoutMs: number | undefined
  record: (call: OpencrvsTriggerCall) => void
}

/**
 * Core's `defaultRequestHandler` for a confirmable action: commit the
 * Requested action, mint the action-bound token, POST the bare EventDocument to
 * `/trigger/events/{event}/actions/{ACTION}` and map 200/202/400/other like core.
 */
export class ActionConfirmation {
  constructor(private readonly deps: ActionConfirmationDeps) {}

  async request(
    event: OpencrvsEventDocument,
    type: OpencrvsActionType,
    requester: ActionRequester,
    options: ActionRequestOptions = {}
  ): Promise<OpencrvsTriggerResult> {
    const { store, tokens, version } = this.deps
    const by = createdBy(requester)
    const requested = store.append(event, {
      type,
      status: 'Requested',
      transactionId: options.transactionId ?? randomUUID(),
      ...by,
      declaration: options.declaration ?? {},
      annotation: options.annotation ?? {},
      content: options.content,
      requestId: options.requestId
    })
    const token = await tokens.signActionToken(requester.claims, event.id, requested.id)
    const answer = await this.call(event, type, token)
    const result = (
      outcome: OpencrvsTriggerOutcome,
      error?: OpencrvsTriggerResult['error']
    ): OpencrvsTriggerResult => ({
      eventId: event.id,
      actionId: requested.id,
      actionType: type,
      token,
      httpStatus: answer.status,
      outcome,
      ...(error ? { error } : {}),
      event: structuredClone(event)
    })
    const isUser = requester.claims.userType !== 'system'

    if (answer.status === 200) {
      const schema =
        type === 'REGISTER'
          ? opencrvsRegisterTriggerSuccessBodySchema
          : opencrvsTriggerSuccessBodySchema
      const body = schema.safeParse(answer.body)
      if (!body.success) {
        return result('failed', {
          code: 'INTERNAL_SERVER_ERROR',
          message: 'Invalid payload received from country config action confirmation API'
        })
      }
      store.append(event, {
        type,
        status: 'Accepted',
        transactionId: requested.transactionId,
        ...by,
        declaration: body.data.declaration,
        annotation: body.data.annotation,
        originalActionId: requested.id,
        registrationNumber: type === 'REGISTER' ? body.data.registrationNumber : undefined,
        content: options.content,
        requestId: options.requestId
      })
      if (isUser && !options.keepAssignment && !options.keepAssignmentIfAccepted)
        unassign(store, event, by)
      return result('accepted')
    }
    if (answer.status === 202) {
      // v1.9/v2.0 keep the requester assigned; 2.1 unassigns as soon as it sees the 202.
      if (version === 'v2.1') unassign(store, event, by)
      return result('pending')
    }
    if (answer.status === 400) {
      store.append(event, {
        type,
        status: 'Rejected',
        transactionId: requested.transactionId,
        ...by,
        originalActionId: requested.id
      })
      if (isUser && !options.keepAssignment && !options.keepAssignmentIfRejected)
        unassign(store, event, by)
      return result('rejected')
    }
    return result('failed', {
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Unexpected failure from country config action confirmation API'
    })
  }

  private async call(
    event: OpencrvsEventDocument,
    type: OpencrvsActionType,
    token: string
  ): Promise<{ status: number | undefined; body: unknown }> {
    const base = this.deps.countryConfigUrl()
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }
    const body = JSON.stringify(event)
    const at = Date.now()
    if (base === undefined) {
      const error = 'no country configuration URL is set'
      this.deps.record({
        url: '',
        headers,
        body,
        status: undefined,
        responseBody: undefined,
        error,
        at
      })
      return { status: undefined, body: undefined }
    }
    // `new URL('/trigger/…', base)` as core builds it: a path in COUNTRY_CONFIG_URL is dropped.
    const url = new URL(opencrvsTriggerPath(event.type, type), base).toString()
    const signals = [this.deps.signal]
    if (this.deps.timeoutMs !== undefined) signals.push(AbortSignal.timeout(this.deps.timeoutMs))
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any(signals)
      })
      const text = await response.text()
      let parsed: unknown
      try {
        parsed = JSON.parse(text) as unknown
      } catch {
        parsed = undefined
      }
      this.deps.record({ url, headers, body, status: response.status, responseBody: parsed, at })
      return { status: response.status, body: parsed }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      this.deps.record({
        url,
        headers,
        body,
        status: undefined,
        responseBody: undefined,
        error: message,
        at
      })
      return { status: undefined, body: undefined }
    }
  }
}

export function createdBy(
  requester: ActionRequester
): Pick<
  OpencrvsActionDocument,
  'createdBy' | 'createdByUserType' | 'createdByRole' | 'createdAtLocation'
> {
  return {
    createdBy: requester.claims.sub,
    createdByUserType: requester.claims.userType ?? 'user',
    createdByRole: requester.role,
    createdAtLocation: requester.primaryOfficeId
  }
}

/** Writes an UNASSIGN when the record is assigned to someone. */
export function unassign(
  store: OpencrvsEventStore,
  event: OpencrvsEventDocument,
  by: ReturnType<typeof createdBy>
): void {
  if (assignedUser(event) === undefined) return
  store.append(event, {
    type: 'UNASSIGN',
    status: 'Accepted',
    transactionId: randomUUID(),
    ...by,
    declaration: {}
  })
}
