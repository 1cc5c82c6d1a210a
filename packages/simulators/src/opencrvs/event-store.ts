import { randomInt, randomUUID } from 'node:crypto'
import type {
  OpencrvsActionDocument,
  OpencrvsActionType,
  OpencrvsEventDocument
} from '@mosip-bridge/contracts'
import { TrpcError } from './trpc-error.js'

/** What a writer gives for a new action; id and createdAt are filled in. */
type NewAction = Omit<OpencrvsActionDocument, 'id' | 'createdAt'> & { id?: string }

const TRACKING_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * Events in memory, in action order (CREATE first, then by createdAt). Writers append; readers
 * get deep copies. Every change notifies listeners, which the wait helpers use.
 */
export class OpencrvsEventStore {
  private readonly events = new Map<string, OpencrvsEventDocument>()
  /** Listeners per event id; waiting on one event costs nothing when others change. */
  private readonly listeners = new Map<string, Set<() => void>>()

  constructor(private readonly now: () => number) {}

  timestamp(): string {
    return new Date(this.now()).toISOString()
  }

  static trackingId(): string {
    let id = ''
    for (let i = 0; i < 6; i++) id += TRACKING_ALPHABET[randomInt(TRACKING_ALPHABET.length)]
    return id
  }

  create(type: string, trackingId = OpencrvsEventStore.trackingId()): OpencrvsEventDocument {
    const at = this.timestamp()
    const event: OpencrvsEventDocument = {
      id: randomUUID(),
      type,
      trackingId,
      createdAt: at,
      updatedAt: at,
      actions: []
    }
    this.events.set(event.id, event)
    this.changed(event.id)
    return event
  }

  /** The live document (internal use); undefined when unknown. */
  find(id: string): OpencrvsEventDocument | undefined {
    return this.events.get(id)
  }

  /** The live document, or NOT_FOUND as core's `getEventById` answers. */
  require(id: string): OpencrvsEventDocument {
    const event = this.events.get(id)
    if (!event) throw new TrpcError('NOT_FOUND', `Event not found with ID: ${id}`)
    return event
  }

  snapshot(id: string): OpencrvsEventDocument | undefined {
    const event = this.events.get(id)
    return event ? structuredClone(event) : undefined
  }

  list(): OpencrvsEventDocument[] {
    return [...this.events.values()].map((event) => structuredClone(event))
  }

  /**
   * Appends an action. Fields set to undefined are dropped, as core drops null columns. READ
   * rows are audit only and leave `updatedAt` alone.
   */
  append(event: OpencrvsEventDocument, action: NewAction): OpencrvsActionDocument {
    const at = this.timestamp()
    const { id, type, status, transactionId, ...rest } = action
    const written = Object.fromEntries(
      Object.entries({
        id: id ?? randomUUID(),
        type,
        status,
        transactionId,
        createdAt: at,
        ...rest
      }).filter(([, value]) => value !== undefined)
    ) as OpencrvsActionDocument
    event.actions.push(written)
    if (written.type !== 'READ') event.updatedAt = at
    this.changed(event.id)
    return written
  }

  /** Convenience for system-written bookkeeping rows (ASSIGN, UNASSIGN, READ). */
  appendSimple(
    event: OpencrvsEventDocument,
    type: OpencrvsActionType,
    by: Pick<
      OpencrvsActionDocument,
      'createdBy' | 'createdByUserType' | 'createdByRole' | 'createdAtLocation'
    >,
    extra: Partial<OpencrvsActionDocument> = {}
  ): OpencrvsActionDocument {
    return this.append(event, {
      type,
      status: 'Accepted',
      transactionId: randomUUID(),
      ...by,
      declaration: {},
      ...extra
    })
  }

  /** Calls `listener` after every change to event `eventId`; returns the unsubscribe. */
  onChange(eventId: string, listener: () => void): () => void {
    let set = this.listeners.get(eventId)
    if (!set) {
      set = new Set()
      this.listeners.set(eventId, set)
    }
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(eventId)
    }
  }

  private changed(eventId: string): void {
    const set = this.listeners.get(eventId)
    if (set) for (const listener of [...set]) listener()
  }
}
