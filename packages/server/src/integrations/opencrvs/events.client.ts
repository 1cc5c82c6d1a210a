/**
 * Client of the OpenCRVS events API: tRPC over HTTP through the gateway, with the superjson
 * transformer, putting on the wire exactly what `@opencrvs/toolkit`'s client (tRPC httpBatchLink)
 * puts there, one call per request:
 *
 *   mutation  POST {gateway}/events/<procedure>?batch=1   body {"0":{"json":<input>}}
 *   query     GET  {gateway}/events/<procedure>?batch=1&input=<urlencoded {"0":{"json":<input>}}>
 *
 * Answers go through core/opencrvs-outcome.ts; results are superjson-deserialised.
 */
import superjson from 'superjson'
import { OPENCRVS_CODES, classifyOpencrvs } from '../../core/opencrvs-outcome.js'
import { ok, permanent, retry, type Outcome } from '../../core/outcome.js'
import { joinUrl } from '../../core/join-url.js'
import {
  ACTION_STATUS,
  asEventDocument,
  confirmationOf,
  pendingActionOf,
  type EventDocumentLike
} from '../../core/pending-action.js'
import type { OpencrvsEvents, PendingAction } from '../../core/ports.js'
import type { Logger } from '../../observability/logger.js'
import { exchange, type FetchLike } from '../http-exchange.js'
import {
  UndefinedInputError,
  definedStrings,
  findUndefinedPath,
  withoutUndefined
} from './trpc-input.js'

const PROCEDURES = {
  eventGet: 'event.get',
  registerAccept: 'event.actions.register.accept',
  registerReject: 'event.actions.register.reject',
  correctionApproveAccept: 'event.actions.correction.approve.accept'
} as const

const EVENTS_CODES = {
  alreadyRejected: 'OPENCRVS_ACTION_ALREADY_REJECTED',
  alreadyAccepted: 'OPENCRVS_ACTION_ALREADY_ACCEPTED'
} as const

/** v2.0 `event.get` takes `{eventId}`; v1.9 takes the bare UUID. */
export type EventGetInputShape = 'object' | 'bare-id'

export interface OpencrvsEventsClientOptions {
  /** `OPENCRVS_GATEWAY_URL`; may have a path, with or without a trailing slash. */
  gatewayUrl: string
  timeoutMs: number
  clock?: () => number
  logger?: Pick<Logger, 'warn' | 'debug'>
  eventGetInput?: EventGetInputShape
  /**
   * An input holding `undefined` is a bug (see trpc-input.ts). True (the default, for
   * development and tests): throw. False (production): leave those keys out and log a warning.
   */
  strictInputs?: boolean
  fetch?: FetchLike
}

/**
 * `{gateway}/events/<procedure>`. The gateway URL is treated as a directory, so a path on it is
 * kept (`new URL('events', base)` as the toolkit does would drop its last segment).
 */
export function eventsUrl(gatewayUrl: string, procedure: string): URL {
  return joinUrl(gatewayUrl, 'events', procedure)
}

type SerializedBatch = Record<'0', ReturnType<typeof superjson.serialize>>

function batchOf(input: unknown): SerializedBatch {
  return { '0': superjson.serialize(input) }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Turns a result's `data` (`{json, meta?}`) back into the value the server returned. */
function deserialize(data: unknown): Outcome<unknown> {
  if (!isRecord(data) || !('json' in data)) return ok(data)
  try {
    return ok(superjson.deserialize(data as unknown as Parameters<typeof superjson.deserialize>[0]))
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return retry(OPENCRVS_CODES.unexpectedAnswer, `OpenCRVS result not readable (${detail})`)
  }
}

export class OpencrvsEventsClient implements OpencrvsEvents {
  private readonly gatewayUrl: string
  private readonly timeoutMs: number
  private readonly clock: () => number
  private readonly logger: Pick<Logger, 'warn' | 'debug'> | undefined
  private readonly eventGetInput: EventGetInputShape
  private readonly strictInputs: boolean
  private readonly fetchImpl: FetchLike

  constructor(options: OpencrvsEventsClientOptions) {
    eventsUrl(options.gatewayUrl, PROCEDURES.eventGet) // fail fast on an unusable URL
    this.gatewayUrl = options.gatewayUrl
    this.timeoutMs = options.timeoutMs
    this.clock = options.clock ?? Date.now
    this.logger = options.logger
    this.eventGetInput = options.eventGetInput ?? 'object'
    this.strictInputs = options.strictInputs ?? true
    this.fetchImpl = options.fetch ?? fetch
  }

  /** `event.get`. Note that OpenCRVS appends a READ action (an audit row) on every call. */
  async getEvent(token: string, eventId: string): Promise<Outcome<EventDocumentLike>> {
    const input = this.eventGetInput === 'bare-id' ? eventId : { eventId }
    const outcome = await this.query(PROCEDURES.eventGet, token, input)
    if (outcome.kind !== 'ok') return outcome
    const event = asEventDocument(outcome.value)
    return event
      ? ok(event)
      : retry(OPENCRVS_CODES.unexpectedAnswer, 'event.get did not return an EventDocument')
  }

  /**
   * The action OpenCRVS waits for on `eventId`, or null when there is none (accepted
   * synchronously, or already confirmed). Several pending actions are ambiguous (permanent)
   * unless `preferActionId` is one of them.
   */
  async pendingAction(
    token: string,
    eventId: string,
    options: { preferActionId?: string } = {}
  ): Promise<Outcome<PendingAction | null>> {
    const event = await this.getEvent(token, eventId)
    return event.kind === 'ok' ? pendingActionOf(event.value, options) : event
  }

  async acceptRegistration(
    token: string,
    input: {
      eventId: string
      actionId: string
      transactionId: string
      registrationNumber: string
      declaration: Record<string, string>
    }
  ): Promise<Outcome<void>> {
    const outcome = await this.mutate(PROCEDURES.registerAccept, token, {
      transactionId: input.transactionId,
      eventId: input.eventId,
      actionId: input.actionId,
      registrationNumber: input.registrationNumber,
      declaration: definedStrings(input.declaration)
    })
    return this.confirmed(outcome, input.actionId, ACTION_STATUS.accepted)
  }

  async approveCorrection(
    token: string,
    input: {
      eventId: string
      actionId: string
      transactionId: string
      requestId: string
      declaration: Record<string, string>
    }
  ): Promise<Outcome<void>> {
    const outcome = await this.mutate(PROCEDURES.correctionApproveAccept, token, {
      transactionId: input.transactionId,
      eventId: input.eventId,
      actionId: input.actionId,
      requestId: input.requestId,
      declaration: definedStrings(input.declaration)
    })
    return this.confirmed(outcome, input.actionId, ACTION_STATUS.accepted)
  }

  async rejectRegistration(
    token: string,
    input: { eventId: string; actionId: string; transactionId: string }
  ): Promise<Outcome<void>> {
    const outcome = await this.mutate(PROCEDURES.registerReject, token, {
      transactionId: input.transactionId,
      eventId: input.eventId,
      actionId: input.actionId
    })
    return this.confirmed(outcome, input.actionId, ACTION_STATUS.rejected)
  }

  /** A tRPC query (GET, batch form). `ok` carries the deserialised result. */
  async query(procedure: string, token: string, input: unknown): Promise<Outcome<unknown>> {
    const url = eventsUrl(this.gatewayUrl, procedure)
    const encoded = encodeURIComponent(JSON.stringify(batchOf(this.checked(procedure, input))))
    url.search = `?batch=1&input=${encoded}`
    return this.send(procedure, url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}` }
    })
  }

  /** A tRPC mutation (POST, batch form). `ok` carries the deserialised result. */
  async mutate(procedure: string, token: string, input: unknown): Promise<Outcome<unknown>> {
    const url = eventsUrl(this.gatewayUrl, procedure)
    url.search = '?batch=1'
    return this.send(procedure, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(batchOf(this.checked(procedure, input)))
    })
  }

  private checked(procedure: string, input: unknown): unknown {
    const path = findUndefinedPath(input)
    if (path === undefined) return input
    if (this.strictInputs) throw new UndefinedInputError(procedure, path)
    this.logger?.warn({ procedure, path }, 'left an undefined value out of an OpenCRVS input')
    return withoutUndefined(input)
  }

  private async send(procedure: string, url: URL, init: RequestInit): Promise<Outcome<unknown>> {
    const answer = await exchange(url, {
      ...init,
      timeoutMs: this.timeoutMs,
      fetch: this.fetchImpl,
      call: { partner: 'opencrvs', operation: procedure }
    })
    const outcome = classifyOpencrvs(answer, this.clock())
    if (outcome.kind !== 'ok') {
      this.logger?.debug(
        { procedure, status: answer.status, code: outcome.code },
        'OpenCRVS call did not succeed'
      )
      return outcome
    }
    return deserialize(outcome.value)
  }

  /**
   * Checks the EventDocument an accept/reject returned: a confirmation of the other kind means
   * OpenCRVS already settled the action the other way. A document without any confirmation is
   * accepted with a warning (OpenCRVS reports problems as errors, not in the document).
   */
  private confirmed(
    outcome: Outcome<unknown>,
    actionId: string,
    expected: (typeof ACTION_STATUS)['accepted' | 'rejected']
  ): Outcome<void> {
    if (outcome.kind !== 'ok') return outcome
    const event = asEventDocument(outcome.value)
    const confirmation = event ? confirmationOf(event.actions, actionId) : undefined
    if (confirmation && confirmation.status !== expected) {
      return expected === ACTION_STATUS.accepted
        ? permanent(EVENTS_CODES.alreadyRejected, `action ${actionId} was already rejected`)
        : permanent(EVENTS_CODES.alreadyAccepted, `action ${actionId} was already accepted`)
    }
    if (!confirmation) {
      this.logger?.warn(
        { actionId, expected },
        'OpenCRVS answered without a confirmation of the action in the returned event'
      )
    }
    return ok(undefined)
  }
}
