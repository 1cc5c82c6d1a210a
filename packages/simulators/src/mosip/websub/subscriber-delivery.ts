/**
 * Delivery to subscribers: one consumer per running subscription, one message at a time, in
 * order, `POST <callback>` (or `<callback>/`) with Ballerina-serialised JSON, `X-Hub-Signature`
 * and `Link`. Connection errors and timeouts are retried after each of the retry delays (3 s, 6 s,
 * 12 s by default); any non-2xx answer, or retries running out, stops delivery to that subscriber
 * without committing. Delivery resumes from the committed offset when the hub next reloads its
 * subscriber list — after any verified (un)subscription on the hub, not only the stopped
 * subscriber's own re-subscribe. Messages are read in polls of up to `maxPollRecords`; in
 * `poll-batch` commit mode (the default) each delivered message commits its whole poll, so a
 * failure after the first delivered message of a poll loses the rest of that poll.
 */
import { randomUUID } from 'node:crypto'
import type { HubFaults } from './hub-faults.js'
import type { HubLifecycle } from './hub-lifecycle.js'
import type { HubRecords } from './hub-records.js'
import type { HubSettings } from './hub-settings.js'
import type { WebsubDeliveryFault } from './hub-types.js'
import { send } from './outbound-http.js'
import type { Subscription, SubscriptionRegistry } from './subscription-registry.js'
import type { StoredMessage, TopicLogs } from './topic-log.js'
import { hubSignature, linkHeader } from './wire.js'

interface SubscriberDeliveryParts {
  settings: HubSettings
  lifecycle: HubLifecycle
  topics: TopicLogs
  registry: SubscriptionRegistry
  faults: HubFaults
  records: HubRecords
  /** The hub URL advertised in `Link`. */
  hubUrl: () => string
}

export class SubscriberDelivery {
  private readonly parts: SubscriberDeliveryParts

  constructor(parts: SubscriberDeliveryParts) {
    this.parts = parts
  }

  /**
   * `syncSubscribersCache` → `startMissingSubscribers`: runs whenever the consolidated subscriber
   * list changes, and starts a consumer for every persisted subscriber not in the cache — stopped
   * ones included, whoever caused the change.
   */
  reloadSubscribers(): void {
    for (const sub of this.parts.registry.all()) {
      if (sub.running) continue
      sub.running = true
      sub.generation += 1
      delete sub.stoppedReason
      this.parts.lifecycle.track(this.runConsumer(sub, sub.generation))
    }
  }

  private async runConsumer(sub: Subscription, generation: number): Promise<void> {
    const { settings, lifecycle, topics, registry, faults, records } = this.parts
    const alive = () =>
      !lifecycle.closed && sub.running && sub.generation === generation && registry.isCurrent(sub)
    let position = sub.committed
    while (alive()) {
      const log = topics.get(sub.topic)
      if (!log?.registered) {
        registry.stop(sub, 'topic not registered')
        return
      }
      const wanted = faults.peek('reorder', sub.topic, sub.callback) ? 2 : 1
      if (faults.pollingIsPaused || log.messages.length - position < wanted) {
        await registry.waitForMessages(sub)
        continue
      }
      const batchStart = position
      const batch = log.messages.slice(position, position + settings.maxPollRecords)
      let index = 0
      while (index < batch.length) {
        if (!alive()) return
        const message = batch[index] as StoredMessage
        const next = batch[index + 1]
        let sends: StoredMessage[] = [message]
        let fault: WebsubDeliveryFault | undefined
        let consumed = 1
        if (faults.take('fail', sub.topic, sub.callback)) {
          records.recordDelivery(sub, message, {
            attempt: 0,
            status: null,
            error: 'fail fault: counted as unreachable through every retry',
            outcome: 'failed',
            fault: 'fail'
          })
          if (alive()) registry.stop(sub, 'delivery failed (fail fault)')
          return
        }
        if (faults.take('drop', sub.topic, sub.callback)) {
          records.recordDelivery(sub, message, {
            attempt: 0,
            status: null,
            outcome: 'dropped',
            fault: 'drop'
          })
          sends = []
        } else if (next && faults.take('reorder', sub.topic, sub.callback)) {
          sends = [next, message]
          fault = 'reorder'
          consumed = 2
        } else if (faults.take('duplicate', sub.topic, sub.callback)) {
          sends = [message, message]
          fault = 'duplicate'
        }
        for (const item of sends) {
          const result = await this.deliver(sub, item, fault, alive)
          if (result === 'gone') return
          if (result !== 'ok') {
            if (alive()) registry.stop(sub, result)
            return
          }
        }
        // A consumer closed meanwhile (unsubscribe, topic deregistered) cannot commit any more.
        if (!alive()) return
        index += consumed
        position += consumed
        // Kafka `commit()` commits what the last poll returned, not just this message.
        sub.committed = settings.commitMode === 'poll-batch' ? batchStart + batch.length : position
      }
      if (settings.commitMode === 'poll-batch') position = sub.committed
    }
  }

  /** Delivers one message with the retry policy: 'ok', 'gone' (consumer ended), or why it failed. */
  private async deliver(
    sub: Subscription,
    message: StoredMessage,
    fault: WebsubDeliveryFault | undefined,
    alive: () => boolean
  ): Promise<'ok' | 'gone' | string> {
    const { settings, lifecycle, faults, records } = this.parts
    let url: URL
    try {
      url = new URL(sub.callback)
    } catch {
      return `invalid callback ${sub.callback}`
    }
    const trailingSlash = faults.trailingSlashFor(sub.topic, sub.callback)
    const pathname =
      trailingSlash && !url.pathname.endsWith('/') ? `${url.pathname}/` : url.pathname
    const target = `${pathname}${url.search}`
    const body = Buffer.from(message.body, 'utf8')
    const forged = faults.take('forge-signature', sub.topic, sub.callback)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      link: linkHeader(this.parts.hubUrl(), sub.topic)
    }
    if (forged) headers['x-hub-signature'] = hubSignature(`forged-${randomUUID()}`, body)
    else if (sub.secret !== undefined) headers['x-hub-signature'] = hubSignature(sub.secret, body)
    const used = forged ? 'forge-signature' : fault
    const shownUrl = `${url.origin}${target}`

    for (let attempt = 1; ; attempt++) {
      const outcome = await send({
        method: 'POST',
        url,
        target,
        headers,
        body,
        timeoutMs: settings.deliveryTimeoutMs,
        signal: lifecycle.signal
      })
      if (lifecycle.closed) return 'gone'
      if (outcome.kind === 'response') {
        const ok = outcome.status >= 200 && outcome.status < 300
        records.recordDelivery(sub, message, {
          url: shownUrl,
          attempt,
          status: outcome.status,
          outcome: ok ? 'delivered' : 'rejected',
          fault: used
        })
        if (ok) return 'ok'
        return outcome.status === 410
          ? 'subscriber answered 410 (subscription deleted; not unsubscribed)'
          : `subscriber answered ${outcome.status}`
      }
      records.recordDelivery(sub, message, {
        url: shownUrl,
        attempt,
        status: null,
        error: `${outcome.code}: ${outcome.error}`,
        outcome: 'failed',
        fault: used
      })
      const wait = settings.retryDelaysMs[attempt - 1]
      if (wait === undefined) return `delivery failed after ${attempt} attempts: ${outcome.code}`
      if (!(await lifecycle.delay(wait))) return 'gone'
      if (!alive()) return 'gone'
    }
  }
}
