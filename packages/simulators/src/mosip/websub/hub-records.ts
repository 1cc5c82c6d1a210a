/** What the hub sent: delivery attempts and intent verifications, kept for tests to assert on. */
import type { WebsubDeliveryRecord, WebsubSelector, WebsubVerificationRecord } from './hub-types.js'
import { matchesSelector } from './selector.js'
import type { Intent, Subscription } from './subscription-registry.js'
import type { StoredMessage } from './topic-log.js'

/** Records kept per log; older ones are dropped. */
const MAX_LOG = 5_000

export class HubRecords {
  private deliveryLog: WebsubDeliveryRecord[] = []
  private verificationLog: WebsubVerificationRecord[] = []

  recordDelivery(
    sub: Subscription,
    message: StoredMessage,
    details: Partial<WebsubDeliveryRecord> &
      Pick<WebsubDeliveryRecord, 'attempt' | 'status' | 'outcome'>
  ): void {
    const record: WebsubDeliveryRecord = {
      subscriptionId: sub.id,
      topic: sub.topic,
      callback: sub.callback,
      url: details.url ?? sub.callback,
      offset: message.offset,
      eventId: message.eventId,
      attempt: details.attempt,
      status: details.status,
      outcome: details.outcome,
      at: Date.now()
    }
    if (details.error !== undefined) record.error = details.error
    if (details.fault !== undefined) record.fault = details.fault
    this.deliveryLog.push(record)
    if (this.deliveryLog.length > MAX_LOG)
      this.deliveryLog.splice(0, this.deliveryLog.length - MAX_LOG)
  }

  recordVerification(
    intent: Intent,
    outcome: WebsubVerificationRecord['outcome'],
    details: { reason?: string | undefined; status?: number | undefined }
  ): void {
    const record: WebsubVerificationRecord = {
      mode: intent.mode,
      topic: intent.topic,
      callback: intent.callback,
      outcome,
      at: Date.now()
    }
    if (details.reason !== undefined) record.reason = details.reason
    if (details.status !== undefined) record.status = details.status
    this.verificationLog.push(record)
    if (this.verificationLog.length > MAX_LOG)
      this.verificationLog.splice(0, this.verificationLog.length - MAX_LOG)
  }

  /** Delivery attempts, oldest first, optionally for one topic and/or callback. */
  deliveries(selector: WebsubSelector): WebsubDeliveryRecord[] {
    return this.deliveryLog.filter((record) =>
      matchesSelector(selector, record.topic, record.callback)
    )
  }

  /** Intent verifications and denials sent, oldest first. */
  verifications(selector: WebsubSelector): WebsubVerificationRecord[] {
    return this.verificationLog.filter((record) =>
      matchesSelector(selector, record.topic, record.callback)
    )
  }

  clear(): void {
    this.deliveryLog = []
    this.verificationLog = []
  }
}
