/**
 * In-process stand-ins for the partner ports the pipeline's jobs call, with the behaviour the
 * tests need to script: answers per call, outages, and a "runner killed here" point where a
 * call takes effect at the partner and then never returns.
 */
import { randomUUID } from 'node:crypto'
import { ok, permanent, retry, type Outcome } from '../../src/core/outcome.js'
import {
  ACTION_STATUS,
  confirmationOf,
  pendingActionOf,
  type EventActionLike,
  type EventDocumentLike
} from '../../src/core/pending-action.js'
import type {
  MosipPacketGateway,
  OpencrvsEvents,
  OpencrvsTokenSource,
  PendingAction
} from '../../src/core/ports.js'

/** A promise that never settles: the caller's process is considered killed at this point. */
export const killedHere = <T>(): Promise<T> => new Promise<T>(() => undefined)

type Answer<T> = Outcome<T> | 'accept-then-kill'

/**
 * MOSIP's packet API. Each call takes the next scripted answer of its kind; when the script is
 * empty MOSIP accepts. `accept-then-kill` makes MOSIP accept and the caller never hear of it.
 * MOSIP answers a repeated workflowinstance with RPR-WIS-001 (`alreadyStarted`).
 */
export class ScriptedMosip implements MosipPacketGateway {
  readonly created = new Set<string>()
  readonly started = new Set<string>()
  calls = { createPacket: 0, startWorkflow: 0 }

  constructor(
    private readonly script: {
      createPacket?: Array<Answer<{ packetNames: string[] }>>
      startWorkflow?: Array<Answer<{ alreadyStarted: boolean }>>
    } = {}
  ) {}

  async createPacket(request: { id: string }): Promise<Outcome<{ packetNames: string[] }>> {
    this.calls.createPacket++
    const answer = this.script.createPacket?.shift()
    if (answer !== undefined && answer !== 'accept-then-kill') return answer
    this.created.add(request.id)
    if (answer === 'accept-then-kill') return killedHere()
    return ok({ packetNames: [`${request.id}-id`] })
  }

  async startWorkflow(request: {
    registrationId: string
  }): Promise<Outcome<{ alreadyStarted: boolean }>> {
    this.calls.startWorkflow++
    const answer = this.script.startWorkflow?.shift()
    if (answer !== undefined && answer !== 'accept-then-kill') return answer
    const alreadyStarted = this.started.has(request.registrationId)
    this.started.add(request.registrationId)
    if (answer === 'accept-then-kill') return killedHere()
    return ok({ alreadyStarted })
  }
}

export const mosipDown = (): Outcome<never> => retry('MOSIP_UNREACHABLE', 'MOSIP did not answer')
export const opencrvsDown = (): Outcome<never> =>
  retry('OPENCRVS_HTTP_503', 'OpenCRVS answered HTTP 503')

/** Always the same token: the tests here are not about tokens. */
export const fixedToken: OpencrvsTokenSource = {
  tokenFor: async () => ok('token')
}

/** What an accept or a rejection carries, as the fake records it. */
interface ConfirmInput {
  eventId: string
  actionId: string
  transactionId: string
  declaration: Record<string, string>
}

/**
 * OpenCRVS's events API over in-memory EventDocuments, settling actions as core does: accept
 * and reject append an Accepted/Rejected action pointing at the requested one; rejecting an
 * accepted action is an error (core answers 500). `outage` calls in a row answer 503 first;
 * `killAfter` makes the named mutation take effect and its caller never hear back.
 */
export class FakeOpencrvsEvents implements OpencrvsEvents {
  readonly events = new Map<string, EventDocumentLike>()
  outage = 0
  killAfter: 'accept' | 'reject' | undefined
  mutations: Array<{ kind: 'accept' | 'reject'; actionId: string }> = []

  /** An event with one Requested action of `type`; returns the action id. */
  addEvent(eventId: string, eventType: string, actionType = 'REGISTER'): string {
    const actionId = randomUUID()
    this.events.set(eventId, {
      id: eventId,
      type: eventType,
      actions: [
        { id: randomUUID(), type: 'CREATE', status: ACTION_STATUS.accepted },
        {
          id: actionId,
          type: actionType,
          status: ACTION_STATUS.requested,
          transactionId: randomUUID()
        }
      ]
    })
    return actionId
  }

  /** Settles an action as OpenCRVS would without the bridge (a synchronous answer, a user). */
  settle(eventId: string, actionId: string, status: string, declaration = {}): void {
    const event = this.events.get(eventId)!
    const requested = event.actions.find((a) => a.id === actionId)!
    event.actions.push({
      id: randomUUID(),
      type: requested.type,
      status,
      transactionId: String(requested.transactionId),
      originalActionId: actionId,
      declaration
    })
  }

  private available(): Outcome<never> | undefined {
    if (this.outage <= 0) return undefined
    this.outage--
    return opencrvsDown()
  }

  async getEvent(_token: string, eventId: string): Promise<Outcome<EventDocumentLike>> {
    const down = this.available()
    if (down) return down
    const event = this.events.get(eventId)
    return event
      ? ok(structuredClone(event))
      : permanent('OPENCRVS_NOT_FOUND', `no event ${eventId}`)
  }

  async pendingAction(token: string, eventId: string): Promise<Outcome<PendingAction | null>> {
    const event = await this.getEvent(token, eventId)
    if (event.kind !== 'ok') return event
    return pendingActionOf(event.value)
  }

  async acceptRegistration(_token: string, input: ConfirmInput): Promise<Outcome<void>> {
    return this.confirm('accept', input)
  }

  async approveCorrection(_token: string, input: ConfirmInput): Promise<Outcome<void>> {
    return this.confirm('accept', input)
  }

  async rejectRegistration(
    _token: string,
    input: { eventId: string; actionId: string; transactionId: string }
  ): Promise<Outcome<void>> {
    return this.confirm('reject', { ...input, declaration: {} })
  }

  private async confirm(kind: 'accept' | 'reject', input: ConfirmInput): Promise<Outcome<void>> {
    const down = this.available()
    if (down) return down
    this.mutations.push({ kind, actionId: input.actionId })
    const event = this.events.get(input.eventId)
    if (!event) return permanent('OPENCRVS_NOT_FOUND', 'no such event')
    const existing = confirmationOf(event.actions, input.actionId)
    const status = kind === 'accept' ? ACTION_STATUS.accepted : ACTION_STATUS.rejected
    if (existing && existing.status !== status) {
      return retry('OPENCRVS_INTERNAL_SERVER_ERROR', `Action has already been ${existing.status}`)
    }
    if (!existing) {
      const requested = event.actions.find((a) => a.id === input.actionId) as EventActionLike
      event.actions.push({
        id: randomUUID(),
        type: requested.type,
        status,
        transactionId: input.transactionId,
        originalActionId: input.actionId,
        declaration: input.declaration
      })
    }
    if (this.killAfter === kind) {
      this.killAfter = undefined
      return killedHere()
    }
    return ok(undefined)
  }
}
