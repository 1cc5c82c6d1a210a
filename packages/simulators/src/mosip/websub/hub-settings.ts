import type { WebsubHubOptions } from './hub-types.js'

/**
 * The hub's options with their defaults applied (see `WebsubHubOptions` for each). `commitMode`
 * can be changed while the hub runs (`WebsubHub.setCommitMode`).
 */
export interface HubSettings {
  path: string
  hubUrl: string | undefined
  deliveryTimeoutMs: number
  retryDelaysMs: readonly number[]
  verificationDelayMs: number
  verificationTimeoutMs: number
  verificationRetryDelaysMs: readonly number[]
  trailingSlash: boolean
  commitMode: 'message' | 'poll-batch'
  maxPollRecords: number
  resubscribeSecret: 'first' | 'last'
  controlPrefix: string
}

export function hubSettings(options: WebsubHubOptions): HubSettings {
  return {
    path: options.path ?? '/websub/hub',
    hubUrl: options.hubUrl,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
    retryDelaysMs: options.retryDelaysMs ?? [3_000, 6_000, 12_000],
    verificationDelayMs: options.verificationDelayMs ?? 0,
    verificationTimeoutMs: options.verificationTimeoutMs ?? 10_000,
    verificationRetryDelaysMs: options.verificationRetryDelaysMs ?? [3_000, 6_000, 12_000],
    trailingSlash: options.trailingSlash ?? false,
    commitMode: options.commitMode ?? 'poll-batch',
    maxPollRecords: Math.max(1, options.maxPollRecords ?? 50),
    resubscribeSecret: options.resubscribeSecret ?? 'first',
    controlPrefix: options.controlPrefix ?? '/_sim/websub'
  }
}
