/**
 * The hub's subscribers: one persisted subscription per (topic, callback), its secret, lease and
 * committed offset, whether a consumer is delivering to it, and the subscribe and unsubscribe
 * intents still waiting for verification.
 */
import { randomUUID } from 'node:crypto'
import type { WebsubSubscriptionView } from './hub-types.js'
import { kafkaName, type TopicLogs } from './topic-log.js'
import { maskSecret } from './wire.js'

export interface Subscription {
  id: string
  key: string
  topic: string
  callback: string
  secret: string | undefined
  leaseSeconds: number
  subscribedAt: number
  committed: number
  /** In the hub's subscriber cache with a consumer polling. */
  running: boolean
  /** Bumped whenever a consumer starts or stops, so a stale loop notices and exits. */
  generation: number
  stoppedReason?: string
  wake?: () => void
}

/** A subscribe or unsubscribe request, accepted with 202 and not verified yet. */
export interface Intent {
  id: string
  mode: 'subscribe' | 'unsubscribe'
  topic: string
  callback: string
  secret: string | undefined
  leaseSeconds: number
  at: number
}

/** What the subscription views need besides the registry itself. */
interface SubscriptionViewContext {
  topics: TopicLogs
  trailingSlashFor: (topic: string, callback: string) => boolean
  defaultTrailingSlash: boolean
}

function subscriberKey(topic: string, callback: string): string {
  return kafkaName(`${topic}:::${callback}`)
}

export class SubscriptionRegistry {
  private readonly subs = new Map<string, Subscription>()
  private readonly intents = new Map<string, Intent>()

  get(topic: string, callback: string): Subscription | undefined {
    return this.subs.get(subscriberKey(topic, callback))
  }

  all(): IterableIterator<Subscription> {
    return this.subs.values()
  }

  /** Subscriptions whose topic has the same Kafka name as `topic`. */
  onTopic(topic: string): Subscription[] {
    const name = kafkaName(topic)
    return [...this.subs.values()].filter((sub) => kafkaName(sub.topic) === name)
  }

  /** Whether `sub` is still the persisted subscription of its (topic, callback). */
  isCurrent(sub: Subscription): boolean {
    return this.subs.get(sub.key) === sub
  }

  /**
   * Keeps a verified subscribe intent. The hub's consolidator keeps the first entry of a
   * (topic, callback) — secret, lease and consumer group (offset) — unless `resubscribeSecret` is
   * `last`. A new subscription starts at `startOffset()`.
   */
  persist(intent: Intent, resubscribeSecret: 'first' | 'last', startOffset: () => number): void {
    const key = subscriberKey(intent.topic, intent.callback)
    const existing = this.subs.get(key)
    if (existing) {
      if (resubscribeSecret === 'last') {
        existing.secret = intent.secret
        existing.leaseSeconds = intent.leaseSeconds
      }
      return
    }
    const committed = startOffset()
    this.subs.set(key, {
      id: randomUUID(),
      key,
      topic: intent.topic,
      callback: intent.callback,
      secret: intent.secret,
      leaseSeconds: intent.leaseSeconds,
      subscribedAt: Date.now(),
      committed,
      running: false,
      generation: 0
    })
  }

  /** Forgets the subscription a verified unsubscribe intent names and stops its consumer. */
  remove(intent: Intent): void {
    const key = subscriberKey(intent.topic, intent.callback)
    const sub = this.subs.get(key)
    if (!sub) return
    this.subs.delete(key)
    this.stop(sub, 'unsubscribed')
  }

  /** Takes a subscriber out of the delivering set; its consumer loop ends at its next check. */
  stop(sub: Subscription, reason: string): void {
    sub.running = false
    sub.generation += 1
    sub.stoppedReason = reason
    this.wake(sub)
  }

  /** Resolves when the subscriber's consumer is woken (new message, fault change, stop). */
  waitForMessages(sub: Subscription): Promise<void> {
    return new Promise((resolve) => {
      sub.wake = resolve
    })
  }

  wake(sub: Subscription): void {
    const wake = sub.wake
    delete sub.wake
    wake?.()
  }

  wakeAll(): void {
    for (const sub of this.subs.values()) this.wake(sub)
  }

  addPending(intent: Intent): void {
    this.intents.set(intent.id, intent)
  }

  removePending(intent: Intent): void {
    this.intents.delete(intent.id)
  }

  /** Persisted subscriptions (active or stopped) and subscribe intents not verified yet. */
  views(context: SubscriptionViewContext): WebsubSubscriptionView[] {
    const views: WebsubSubscriptionView[] = []
    for (const sub of this.subs.values()) {
      const length = context.topics.get(sub.topic)?.messages.length ?? 0
      const view: WebsubSubscriptionView = {
        id: sub.id,
        topic: sub.topic,
        callback: sub.callback,
        state: sub.running ? 'active' : 'stopped',
        offset: sub.committed,
        undelivered: Math.max(0, length - sub.committed),
        secret: maskSecret(sub.secret),
        leaseSeconds: sub.leaseSeconds,
        trailingSlash: context.trailingSlashFor(sub.topic, sub.callback),
        subscribedAt: sub.subscribedAt
      }
      if (sub.stoppedReason !== undefined) view.stoppedReason = sub.stoppedReason
      views.push(view)
    }
    for (const intent of this.intents.values()) {
      if (intent.mode !== 'subscribe') continue
      if (this.subs.has(subscriberKey(intent.topic, intent.callback))) continue
      views.push({
        id: intent.id,
        topic: intent.topic,
        callback: intent.callback,
        state: 'pending',
        offset: null,
        undelivered: 0,
        secret: maskSecret(intent.secret),
        leaseSeconds: intent.leaseSeconds,
        trailingSlash: context.defaultTrailingSlash,
        subscribedAt: null
      })
    }
    return views
  }
}
