/** Public types of the simulated MOSIP WebSub hub (see websub-hub.ts). */

/**
 * Answer of `verifyToken`: `true`/`false`, or the identity the auth manager's validateToken gives
 * (`userId`, roles), in which case the hub also checks the topic roles like MOSIP does
 * (`SUBSCRIBE_<EVENT>_INDIVIDUAL` plus user == partner for `<partner>/<EVENT>` topics, …).
 */
export type WebsubTokenCheck = boolean | { userId: string; roles: readonly string[] }

export interface WebsubHubOptions {
  /** Checks the auth-manager token taken from the `Authorization` cookie. */
  verifyToken: (token: string) => WebsubTokenCheck
  /** Route of the hub (default `/websub/hub`; MOSIP's own is `/hub`). */
  path?: string
  /** Hub URL advertised in `Link` (default: the SimServer's URL + `path`). */
  hubUrl?: string
  /** Per delivery attempt (default 10 000). */
  deliveryTimeoutMs?: number
  /** Waits before re-trying a delivery after a connection error or timeout (default 3/6/12 s). */
  retryDelaysMs?: readonly number[]
  /** Pause between the 202 and the validation / intent-verification GET (default 0). */
  verificationDelayMs?: number
  /** Per intent-verification attempt (default 10 000). */
  verificationTimeoutMs?: number
  /** Waits before re-trying an intent verification after a connection error (default 3/6/12 s). */
  verificationRetryDelaysMs?: readonly number[]
  /** Default for every subscriber: POST to `<callback>/` as the 1.2.0 hub does (default false). */
  trailingSlash?: boolean
  /**
   * When a delivery commits. `poll-batch` (default) commits like the real hub, which calls Kafka's
   * `commit()` after every delivered message: that commits everything the last poll returned (up
   * to `maxPollRecords`). A delivery failing after an earlier message of its batch was delivered
   * therefore loses the failed message and the rest of the batch: after the hub restarts the
   * consumer, delivery resumes after the batch. A failure on a batch's first message commits
   * nothing, so that batch is redelivered whole. `message` commits each message alone, so a
   * failed message and everything after it are always redelivered.
   */
  commitMode?: 'message' | 'poll-batch'
  /** Kafka `max.poll.records` (default 50). */
  maxPollRecords?: number
  /** Which secret a re-subscribe of a persisted (topic, callback) leaves in force (default first). */
  resubscribeSecret?: 'first' | 'last'
  /** Prefix of the control API (default `/_sim/websub`). */
  controlPrefix?: string
}

export type WebsubSubscriptionState = 'pending' | 'active' | 'stopped'

export interface WebsubSubscriptionView {
  id: string
  topic: string
  callback: string
  /** pending: intent not verified yet; active: being delivered to; stopped: delivery failed. */
  state: WebsubSubscriptionState
  /** Committed offset: the topic index of the next message this subscriber gets. */
  offset: number | null
  /** Messages on the topic from the committed offset on. */
  undelivered: number
  /** Masked (`ab…(12)`), or null without a secret. */
  secret: string | null
  leaseSeconds: number
  trailingSlash: boolean
  subscribedAt: number | null
  stoppedReason?: string
}

export type WebsubDeliveryFault = 'duplicate' | 'reorder' | 'forge-signature' | 'drop' | 'fail'

export interface WebsubDeliveryRecord {
  subscriptionId: string
  topic: string
  callback: string
  /** URL the message was posted to (with the trailing slash when set). */
  url: string
  /** Topic offset of the message. */
  offset: number
  eventId: string | undefined
  /** 1 for the first try, 2.. for retries after connection errors. */
  attempt: number
  status: number | null
  error?: string
  /**
   * delivered: 2xx; rejected: other status (stops delivery); failed: no answer (or the `fail`
   * fault); dropped: fault.
   */
  outcome: 'delivered' | 'rejected' | 'failed' | 'dropped'
  fault?: WebsubDeliveryFault
  at: number
}

export interface WebsubVerificationRecord {
  mode: 'subscribe' | 'unsubscribe'
  topic: string
  callback: string
  /** verified: challenge echoed; mismatch: other body; denied: `hub.mode=denied` sent; error: unreachable. */
  outcome: 'verified' | 'mismatch' | 'denied' | 'error'
  reason?: string
  status?: number
  at: number
}

/** Which subscribers a fault or setting applies to; omitted fields match anything. */
export interface WebsubSelector {
  topic?: string
  callback?: string
}

export interface WebsubArmedFault extends WebsubSelector {
  kind: WebsubDeliveryFault | 'deny'
  /** `hub.reason` of a deny. */
  reason?: string
  /** `fail` only: matching deliveries to let through before the one that fails. */
  after?: number
}

export interface WebsubTopicView {
  topic: string
  registered: boolean
  messages: number
}
