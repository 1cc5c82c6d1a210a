/**
 * Simulated MOSIP WebSub hub (`mosip/websub` kafkaHub on Ballerina websubhub), traps included:
 *
 * - `POST <path>` form `hub.mode=subscribe|unsubscribe`: the `Authorization` cookie is checked
 *   first, then 202 at once; validation and intent verification happen afterwards
 *   (`hub-endpoint.ts`, `intent-verification.ts`). A subscriber the hub is delivering to is denied
 *   (`Subscriber has already registered with the Hub`); a stopped one passes and is revived.
 * - The first subscription of a (topic, callback) is kept on re-subscribe: its secret and its
 *   Kafka offset. Unsubscribe (itself verified) is the only way to start afresh
 *   (`subscription-registry.ts`).
 * - Messages are kept per topic like a Kafka topic; a new subscription starts at the end, so
 *   events published before it are never delivered to it (`topic-log.ts`).
 * - Delivery: one message at a time, in order, retried on connection errors, stopped by any
 *   non-2xx answer until the hub next reloads its subscriber list (`subscriber-delivery.ts`).
 *   Every delivered message commits the whole Kafka poll it came in (`commitMode: 'poll-batch'`,
 *   the default), so a failure after part of a poll was delivered loses the rest of that poll.
 *
 * Simulator extras: scripted faults (deny, duplicate, reorder, forged signature, drop, fail) and
 * paused polling (`hub-faults.ts`), logs of deliveries and verifications (`hub-records.ts`), and a control API
 * under `/_sim/websub` (`control-api.ts`).
 */
import type { SimServer } from '../../shared/sim-server.js'
import { registerWebsubControlApi } from './control-api.js'
import { registerHubEndpoint } from './hub-endpoint.js'
import { HubFaults } from './hub-faults.js'
import { HubLifecycle } from './hub-lifecycle.js'
import { HubRecords } from './hub-records.js'
import { hubSettings, type HubSettings } from './hub-settings.js'
import type {
  WebsubArmedFault,
  WebsubDeliveryRecord,
  WebsubHubOptions,
  WebsubSelector,
  WebsubSubscriptionView,
  WebsubTopicView,
  WebsubVerificationRecord
} from './hub-types.js'
import { IntentVerification } from './intent-verification.js'
import { SubscriberDelivery } from './subscriber-delivery.js'
import { SubscriptionRegistry } from './subscription-registry.js'
import { TopicLogs } from './topic-log.js'
import { ballerinaJsonString, eventIdOf } from './wire.js'

export { WEBSUB_HUB_SERVICE } from './hub-endpoint.js'

export type {
  WebsubArmedFault,
  WebsubDeliveryFault,
  WebsubDeliveryRecord,
  WebsubHubOptions,
  WebsubSelector,
  WebsubSubscriptionState,
  WebsubSubscriptionView,
  WebsubTokenCheck,
  WebsubTopicView,
  WebsubVerificationRecord
} from './hub-types.js'

export class WebsubHub {
  readonly path: string
  private readonly sim: SimServer
  private readonly settings: HubSettings
  private readonly lifecycle = new HubLifecycle()
  private readonly topics = new TopicLogs()
  private readonly registry = new SubscriptionRegistry()
  private readonly records = new HubRecords()
  private readonly faults: HubFaults
  private readonly delivery: SubscriberDelivery
  private readonly verification: IntentVerification

  constructor(sim: SimServer, options: WebsubHubOptions) {
    this.sim = sim
    this.settings = hubSettings(options)
    this.path = this.settings.path
    this.faults = new HubFaults(this.settings.trailingSlash, () => this.registry.wakeAll())
    const parts = {
      settings: this.settings,
      lifecycle: this.lifecycle,
      topics: this.topics,
      registry: this.registry,
      faults: this.faults,
      records: this.records
    }
    this.delivery = new SubscriberDelivery({ ...parts, hubUrl: () => this.hubUrl })
    this.verification = new IntentVerification({
      ...parts,
      reloadSubscribers: () => this.delivery.reloadSubscribers()
    })

    registerHubEndpoint(sim, {
      path: this.path,
      verifyToken: options.verifyToken,
      topics: this.topics,
      registry: this.registry,
      append: (topic, body, eventId) => this.append(topic, body, eventId),
      verifyIntent: (intent) => this.lifecycle.track(this.verification.process(intent))
    })
    registerWebsubControlApi(sim, this, this.settings.controlPrefix)
    sim.app.addHook('onClose', async () => this.close())
  }

  /** The hub URL advertised in `Link`. */
  get hubUrl(): string {
    return this.settings.hubUrl ?? `${this.sim.url}${this.path}`
  }

  // -------------------------------------------------------------------------------------------
  // Publishing

  /**
   * Publishes an event (what credential-service does through `hub.mode=publish`). The topic is
   * registered if new. Throws if the event is not JSON or the hub is closed.
   */
  publish(topic: string, event: unknown): void {
    this.publishAt(topic, event)
  }

  /** `publish`, returning the message's offset on the topic. */
  publishAt(topic: string, event: unknown): number {
    if (this.lifecycle.closed) throw new Error('the WebSub hub is closed')
    return this.append(topic, ballerinaJsonString(event), eventIdOf(event))
  }

  private append(topic: string, body: string, eventId: string | undefined): number {
    const offset = this.topics.append(topic, body, eventId)
    for (const sub of this.registry.onTopic(topic)) this.registry.wake(sub)
    return offset
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  /** The next intent verification on `topic` gets `hub.mode=denied` instead of a challenge. */
  denyNext(topic: string, reason?: string, callback?: string): void {
    this.faults.arm({ kind: 'deny', topic, callback, reason })
  }

  /** The next delivery (matching the selector) is sent twice before it is committed. */
  duplicateNext(selector: WebsubSelector = {}): void {
    this.faults.arm({ kind: 'duplicate', ...selector })
  }

  /**
   * The next two messages (matching the selector) are delivered swapped. The subscriber waits
   * until two messages are there.
   */
  reorderNext(selector: WebsubSelector = {}): void {
    this.faults.arm({ kind: 'reorder', ...selector })
  }

  /** The next delivery is signed with a wrong key (a signature is sent even without a secret). */
  forgeSignatureNext(selector: WebsubSelector = {}): void {
    this.faults.arm({ kind: 'forge-signature', ...selector })
  }

  /**
   * The next delivery (after `after` matching ones) is not sent and counts as failed, as if the
   * subscriber stayed unreachable through every retry: delivery to the subscriber stops without
   * committing (in `poll-batch` mode, after part of a poll was delivered, the rest of that poll
   * is lost).
   */
  failNext(selector: WebsubSelector = {}, after = 0): void {
    this.faults.arm({ kind: 'fail', ...selector, after })
  }

  /**
   * Stops consumers from starting new polls (a poll in progress is delivered to its end); what is
   * published meanwhile is read in one poll (up to `maxPollRecords`) after `resumePolling`.
   */
  pausePolling(): void {
    this.faults.setPollingPaused(true)
  }

  resumePolling(): void {
    this.faults.setPollingPaused(false)
  }

  /** The next message is skipped silently and committed as if delivered. */
  dropNext(selector: WebsubSelector = {}): void {
    this.faults.arm({ kind: 'drop', ...selector })
  }

  /** Faults armed and not yet used, oldest first. */
  armedFaults(): WebsubArmedFault[] {
    return this.faults.armed()
  }

  clearFaults(): void {
    this.faults.clear()
  }

  /**
   * How deliveries commit from now on: `poll-batch` (the real hub's behaviour) or `message`. A
   * consumer in the middle of a poll applies it from its next delivered message.
   */
  setCommitMode(mode: 'message' | 'poll-batch'): void {
    this.settings.commitMode = mode
  }

  /** How deliveries commit (see `WebsubHubOptions.commitMode`). */
  get commitMode(): 'message' | 'poll-batch' {
    return this.settings.commitMode
  }

  /** POST to `<callback>/` (as the 1.2.0 hub does) for the matching subscribers, or stop doing so. */
  setTrailingSlash(enabled: boolean, selector: WebsubSelector = {}): void {
    this.faults.setTrailingSlash(enabled, selector)
  }

  // -------------------------------------------------------------------------------------------
  // Inspection

  /** Persisted subscriptions (active or stopped) and subscribe intents not verified yet. */
  subscriptions(): WebsubSubscriptionView[] {
    return this.registry.views({
      topics: this.topics,
      trailingSlashFor: (topic, callback) => this.faults.trailingSlashFor(topic, callback),
      defaultTrailingSlash: this.faults.defaultTrailingSlash
    })
  }

  /** Delivery attempts, oldest first, optionally for one topic and/or callback. */
  deliveries(selector: WebsubSelector = {}): WebsubDeliveryRecord[] {
    return this.records.deliveries(selector)
  }

  /** Intent verifications and denials sent, oldest first. */
  verifications(selector: WebsubSelector = {}): WebsubVerificationRecord[] {
    return this.records.verifications(selector)
  }

  topicsView(): WebsubTopicView[] {
    return this.topics.views()
  }

  clearLogs(): void {
    this.records.clear()
  }

  // -------------------------------------------------------------------------------------------
  // Shutdown

  /** Cancels timers, in-flight requests and consumers. Called by the SimServer's close too. */
  async close(): Promise<void> {
    if (this.lifecycle.shutdown()) this.registry.wakeAll()
    await this.lifecycle.settled()
  }
}
