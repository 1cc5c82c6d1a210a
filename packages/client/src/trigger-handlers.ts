import {
  opencrvsEventDocumentSchema,
  type IntakeDocument,
  type OpencrvsDeclaration,
  type OpencrvsEventDocument
} from '@mosip-bridge/contracts'
import { readText } from './declaration-fields.js'
import {
  birthEligibility,
  deathEligibility,
  type BirthEligibilityOptions,
  type DeathEligibilityOptions,
  type EligibilityResult
} from './eligibility.js'
import { declarationWithPendingAction, registrationNumberOf } from './event-document.js'
import {
  createMosipInteropClient,
  type MosipInteropClient,
  type MosipInteropClientOptions,
  type RetryNotice
} from './interop-client.js'
import { MosipInteropError } from './interop-errors.js'
import {
  buildBirthRegistrationPayload,
  buildCorrectionPayload,
  buildDeathRegistrationPayload,
  PayloadBuildError,
  type PayloadBuilderOptions,
  type PayloadKind
} from './payload-builders.js'
import {
  generateRegistrationNumber,
  type RegistrationNumberGenerator
} from './registration-number.js'

/**
 * Action-trigger handlers for an OpenCRVS country configuration, independent of the web
 * framework: each takes the request body (the EventDocument core posted to
 * `/trigger/events/{event}/actions/{ACTION}`) and the action token from its `Authorization`
 * header, and returns the status and body to answer core with:
 *
 * - 200 `{registrationNumber}`: core accepts the action now;
 * - 202 `{}`: the action stays requested until the bridge confirms it with MOSIP's answer;
 * - 400 `{reason}`: core rejects the action now, and the registrar can try again.
 *
 * They never answer 5xx (core would leave the action requested and the record locked), and never
 * 202 unless the bridge has taken the record: a 202 for a request the bridge never accepted would
 * sit in "pending external validation" forever.
 */

export interface TriggerResponse {
  status: 200 | 202 | 400
  body: Record<string, unknown>
}

export type TriggerHandler = (body: unknown, token: string | undefined) => Promise<TriggerResponse>

export type TriggerHandlerName = 'birthRegister' | 'deathRegister' | 'birthCorrection'

/**
 * - `forwarded`: the bridge took the record (202 to core, or 200 for a death by default);
 * - `not-forwarded`: registered (or corrected) without MOSIP, with the reason;
 * - `rejected`: the trigger cannot be processed (bad body, no pending action…);
 * - `bridge-failed`: the bridge refused the record or could not be reached; core is told 400.
 */
export type TriggerDecision = 'forwarded' | 'not-forwarded' | 'rejected' | 'bridge-failed'

/** What a handler decided, for logs and metrics; carries no personal data. */
export interface TriggerOutcome {
  handler: TriggerHandlerName
  decision: TriggerDecision
  status: TriggerResponse['status']
  reason: string
  eventId?: string
  trackingId?: string
  actionId?: string
  actionType?: string
  registrationNumber?: string
  /** The bridge's transaction id when it took the record. */
  transactionId?: string
  /** The failure behind `bridge-failed` or `rejected`. */
  error?: unknown
}

export type BirthEligibilityRule = (
  declaration: OpencrvsDeclaration,
  event: OpencrvsEventDocument
) => EligibilityResult
export type DeathEligibilityRule = BirthEligibilityRule

export interface TriggerHandlerOptions {
  /** The bridge's base URL (`MOSIP_INTEROP_URL`). */
  mosipInteropUrl: string
  /** Default: 12 characters from `0-9A-Z`. */
  generateRegistrationNumber?: RegistrationNumberGenerator
  /** Options of the default birth rule (age limit, parent sections, statuses). */
  birthRules?: BirthEligibilityOptions
  /** Options of the default death rule. */
  deathRules?: DeathEligibilityOptions
  /** Replaces the default birth rule. */
  isBirthEligible?: BirthEligibilityRule
  /** Replaces the default death rule. */
  isDeathEligible?: DeathEligibilityRule
  /** Language, field mapping, administrative areas, schemaJson… */
  payload?: PayloadBuilderOptions
  /**
   * Fetches the documents that go into the packet (e.g. the proof of birth from OpenCRVS's
   * document store) before a payload is built; they replace `payload.documents`. A failure
   * answers the trigger like any other error of the handler.
   */
  loadDocuments?: (
    event: OpencrvsEventDocument,
    kind: PayloadKind
  ) => Promise<readonly IntakeDocument[] | undefined>
  /**
   * How core learns that a death went to MOSIP: `accept-now` (default) answers 200 with the
   * registration number, as the reference does (MOSIP's answer brings nothing to write back);
   * `wait-for-mosip` answers 202 and the bridge confirms once MOSIP has processed it.
   */
  deathConfirmation?: 'accept-now' | 'wait-for-mosip'
  /**
   * false: nothing goes to MOSIP and every record is registered at once (the reference's
   * `NO_MOSIP`, for development). Default true.
   */
  forwardToMosip?: boolean
  /** Timeout and retries of the calls to the bridge. Default: 15 s, 2 retries. */
  client?: MosipInteropClientOptions
  /** Builds the client (tests, or a client shared with other code). */
  createClient?: (url: string, authorizationHeader: string) => MosipInteropClient
  /** Told of every decision. */
  onOutcome?: (outcome: TriggerOutcome) => void
  /** Told of every retry towards the bridge. */
  onRetry?: (notice: RetryNotice & { eventId: string }) => void
}

export interface TriggerHandlers {
  /** `POST /trigger/events/birth/actions/REGISTER`. */
  birthRegister: TriggerHandler
  /** `POST /trigger/events/death/actions/REGISTER`. */
  deathRegister: TriggerHandler
  /** `POST /trigger/events/birth/actions/APPROVE_CORRECTION` (other correction steps: 200). */
  birthCorrection: TriggerHandler
}

/** Thrown inside a handler to answer 400 with `reason`. */
class TriggerRejection extends Error {
  override readonly name = 'TriggerRejection'
}

function parseEvent(body: unknown): OpencrvsEventDocument {
  let value = body
  if (typeof body === 'string' || body instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body))
    } catch {
      throw new TriggerRejection('the trigger body is not JSON')
    }
  }
  const parsed = opencrvsEventDocumentSchema.safeParse(value)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first?.path.map(String).join('.') || 'body'
    throw new TriggerRejection(
      `the trigger body is not an OpenCRVS EventDocument (${where}: ${first?.message ?? 'invalid'})`
    )
  }
  return parsed.data
}

/** `Bearer <token>` from a raw token or a whole Authorization header value. */
export function bearerHeader(token: string | undefined): string | undefined {
  const text = token?.trim()
  if (!text) return undefined
  const bare = text.replace(/^bearer(\s+|$)/i, '').trim()
  return bare === '' ? undefined : `Bearer ${bare}`
}

function describeBridgeFailure(error: unknown): string {
  if (error instanceof MosipInteropError) {
    const attempts = error.attempts > 1 ? ` after ${error.attempts} attempts` : ''
    return `The MOSIP bridge did not take the record${attempts}: ${error.message}`
  }
  return `The MOSIP bridge did not take the record: ${error instanceof Error ? error.message : String(error)}`
}

/** Builds the three handlers around one configuration. */
export function createTriggerHandlers(options: TriggerHandlerOptions): TriggerHandlers {
  const nextNumber = options.generateRegistrationNumber ?? (() => generateRegistrationNumber())
  const birthRule: BirthEligibilityRule =
    options.isBirthEligible ?? ((declaration) => birthEligibility(declaration, options.birthRules))
  const deathRule: DeathEligibilityRule =
    options.isDeathEligible ?? ((declaration) => deathEligibility(declaration, options.deathRules))
  const forward = options.forwardToMosip ?? true

  function clientFor(token: string | undefined, eventId: string): MosipInteropClient {
    const header = bearerHeader(token)
    if (!header) {
      throw new TriggerRejection(
        'The trigger carries no action token (Authorization: Bearer …), which the MOSIP bridge requires'
      )
    }
    if (options.createClient) return options.createClient(options.mosipInteropUrl, header)
    return createMosipInteropClient(options.mosipInteropUrl, header, {
      ...options.client,
      onRetry: (notice) => {
        options.client?.onRetry?.(notice)
        options.onRetry?.({ ...notice, eventId })
      }
    })
  }

  function report(outcome: TriggerOutcome): void {
    try {
      options.onOutcome?.(outcome)
    } catch {
      // An observer's failure must not change the answer to core.
    }
  }

  /**
   * Runs `body` and turns anything it throws into a 400 for core: a rejection with its reason, a
   * bridge failure with a clear one, anything else as an unexpected error.
   */
  function guarded(
    handler: TriggerHandlerName,
    run: (
      event: OpencrvsEventDocument,
      token: string | undefined,
      outcome: Partial<TriggerOutcome>
    ) => Promise<TriggerResponse>
  ): TriggerHandler {
    return async (body, token) => {
      const known: Partial<TriggerOutcome> = {}
      try {
        const event = parseEvent(body)
        known.eventId = event.id
        known.trackingId = event.trackingId
        return await run(event, token, known)
      } catch (error) {
        const bridge = error instanceof MosipInteropError && error.code !== 'INVALID_PAYLOAD'
        const reason =
          error instanceof TriggerRejection || error instanceof PayloadBuildError
            ? error.message
            : bridge
              ? describeBridgeFailure(error)
              : `Unexpected error in the OpenCRVS-MOSIP interoperability handler: ${error instanceof Error ? error.message : String(error)}`
        report({
          ...known,
          handler,
          decision: bridge ? 'bridge-failed' : 'rejected',
          status: 400,
          reason,
          error
        })
        return { status: 400, body: { reason } }
      }
    }
  }

  function pendingOf(event: OpencrvsEventDocument, outcome: Partial<TriggerOutcome>) {
    const pending = declarationWithPendingAction(event)
    if (!pending) {
      throw new TriggerRejection('The EventDocument has no pending (Requested) action to confirm')
    }
    outcome.actionId = pending.action.id
    outcome.actionType = pending.action.type
    return pending
  }

  /** The payload options, with the documents `loadDocuments` fetched for this record. */
  async function payloadOptions(
    event: OpencrvsEventDocument,
    kind: PayloadKind
  ): Promise<PayloadBuilderOptions | undefined> {
    if (!options.loadDocuments) return options.payload
    const documents = await options.loadDocuments(event, kind)
    return documents === undefined ? options.payload : { ...options.payload, documents }
  }

  async function registrationNumberFor(
    event: OpencrvsEventDocument,
    outcome: Partial<TriggerOutcome>
  ): Promise<string> {
    const value = await nextNumber(event)
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TriggerRejection('The registration number generator returned no number')
    }
    outcome.registrationNumber = value
    return value
  }

  function finish(
    handler: TriggerHandlerName,
    outcome: Partial<TriggerOutcome>,
    decision: TriggerDecision,
    reason: string,
    response: TriggerResponse
  ): TriggerResponse {
    report({ ...outcome, handler, decision, status: response.status, reason })
    return response
  }

  const birthRegister = guarded('birthRegister', async (event, token, outcome) => {
    const { declaration } = pendingOf(event, outcome)
    const registrationNumber = await registrationNumberFor(event, outcome)
    const rule = forward
      ? birthRule(declaration, event)
      : { eligible: false, reason: 'Forwarding to MOSIP is turned off' }
    if (!rule.eligible) {
      return finish('birthRegister', outcome, 'not-forwarded', rule.reason, {
        status: 200,
        body: { registrationNumber }
      })
    }
    const payload = buildBirthRegistrationPayload(
      event,
      registrationNumber,
      await payloadOptions(event, 'birth')
    )
    const accepted = await clientFor(token, event.id).register(payload)
    if (typeof accepted.transactionId === 'string') outcome.transactionId = accepted.transactionId
    return finish('birthRegister', outcome, 'forwarded', rule.reason, { status: 202, body: {} })
  })

  const deathRegister = guarded('deathRegister', async (event, token, outcome) => {
    const { declaration } = pendingOf(event, outcome)
    const registrationNumber = await registrationNumberFor(event, outcome)
    const rule = forward
      ? deathRule(declaration, event)
      : { eligible: false, reason: 'Forwarding to MOSIP is turned off' }
    if (!rule.eligible) {
      return finish('deathRegister', outcome, 'not-forwarded', rule.reason, {
        status: 200,
        body: { registrationNumber }
      })
    }
    const payload = buildDeathRegistrationPayload(
      event,
      registrationNumber,
      await payloadOptions(event, 'death')
    )
    const accepted = await clientFor(token, event.id).register(payload)
    if (typeof accepted.transactionId === 'string') outcome.transactionId = accepted.transactionId
    const response: TriggerResponse =
      options.deathConfirmation === 'wait-for-mosip'
        ? { status: 202, body: {} }
        : { status: 200, body: { registrationNumber } }
    return finish('deathRegister', outcome, 'forwarded', rule.reason, response)
  })

  const birthCorrection = guarded('birthCorrection', async (event, token, outcome) => {
    const { action, declaration } = pendingOf(event, outcome)
    if (action.type !== 'APPROVE_CORRECTION') {
      return finish(
        'birthCorrection',
        outcome,
        'not-forwarded',
        `Nothing to send to MOSIP for ${action.type}: MOSIP hears of a correction once it is approved`,
        { status: 200, body: {} }
      )
    }
    const rule = forward
      ? birthRule(declaration, event)
      : { eligible: false, reason: 'Forwarding to MOSIP is turned off' }
    if (!rule.eligible) {
      return finish('birthCorrection', outcome, 'not-forwarded', rule.reason, {
        status: 200,
        body: {}
      })
    }
    const registrationNumber = registrationNumberOf(event)
    if (!registrationNumber) {
      throw new TriggerRejection(
        'The record has no accepted registration, so there is no registration number to correct'
      )
    }
    outcome.registrationNumber = registrationNumber
    if (readText(declaration, 'child.nid') === undefined) {
      // Registered without a national id (it was not eligible then): ask MOSIP for one now; the
      // bridge approves the correction with the child's new national id.
      const payload = buildBirthRegistrationPayload(
        event,
        registrationNumber,
        await payloadOptions(event, 'birth')
      )
      const accepted = await clientFor(token, event.id).register(payload)
      if (typeof accepted.transactionId === 'string') outcome.transactionId = accepted.transactionId
      return finish(
        'birthCorrection',
        outcome,
        'forwarded',
        `${rule.reason}; the child has no national id yet, so MOSIP registers the child`,
        { status: 202, body: {} }
      )
    }
    const payload = buildCorrectionPayload(event, await payloadOptions(event, 'correction'))
    const accepted = await clientFor(token, event.id).updateBiographics(payload)
    if (typeof accepted.transactionId === 'string') outcome.transactionId = accepted.transactionId
    return finish(
      'birthCorrection',
      outcome,
      'forwarded',
      `${rule.reason}; MOSIP updates the child's demographic data`,
      { status: 200, body: {} }
    )
  })

  return { birthRegister, deathRegister, birthCorrection }
}
