/**
 * What `mosip-bridge websub unsubscribe|resubscribe|subscribe` prints: per topic, what the hub
 * answered to each request and whether its verification reached the bridge, then what the
 * operator does next. The same as one JSON document with `--json`. Never a secret or a token.
 */
import type { HubStep } from '../pipeline/websub-subscription-change.service.js'

export type WebsubCommand = 'unsubscribe' | 'resubscribe' | 'subscribe'

/** One subscription the command acted on. */
export interface WebsubTopicResult {
  /** `credential` or `workflow`. */
  name: string
  topic: string
  steps: HubStep[]
  /** Every request the command meant to send was accepted and verified. */
  done: boolean
}

export interface WebsubReport {
  command: WebsubCommand
  dryRun: boolean
  hubUrl: string
  callbackUrl: string
  /** Dry run only: whether the WebSub client can log in at MOSIP. */
  login?: { ok: boolean; detail: string }
  /** Dry run only: the requests each subscription would get. */
  planned?: Array<{ name: string; topic: string; requests: string[] }>
  topics: WebsubTopicResult[]
  /** What the operator does next. */
  next: string[]
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)

/** `subscribe`, or `subscribe (relay)` for a request naming the relay callback. */
export function stepName(step: Pick<HubStep, 'mode' | 'callback'>): string {
  return step.callback === 'relay' ? `${step.mode} (relay)` : step.mode
}

/** `unsubscribe: accepted by the hub; verified through the bridge after 0.4 s`. */
export function stepLine(step: HubStep): string {
  const tries = step.attempts > 1 ? ` (request ${step.attempts})` : ''
  const mode = stepName(step)
  if (!step.request.accepted) {
    return `${mode}: refused by the hub${tries}: ${step.request.code}: ${step.request.reason}`
  }
  const verification = step.verification
  switch (verification?.kind) {
    case 'confirmed':
      return `${mode}: accepted by the hub${tries}; verified through the bridge after ${seconds(verification.afterMs)}`
    case 'denied':
      return `${mode}: accepted by the hub${tries}, then denied: ${verification.reason}`
    case 'timed-out':
      return `${mode}: accepted by the hub${tries}, but no verification reached the bridge within ${seconds(verification.afterMs)}; withdrawn`
    case 'not-awaited':
      return `${mode}: accepted by the hub${tries}; the bridge confirms its verification until ${new Date(verification.expiresAt).toISOString()}`
    default:
      return `${mode}: accepted by the hub${tries}`
  }
}

const UNREACHED =
  'Is a bridge of this version, on this database, running and reachable from the hub at MOSIP_WEBSUB_CALLBACK_URL? Its log says "hub denied the subscription" when the hub sent a denial.'

/** What to do next, from what the command achieved. */
export function nextSteps(command: WebsubCommand, topics: readonly WebsubTopicResult[]): string[] {
  const next: string[] = []
  for (const result of topics) {
    if (result.done) continue
    const option = `--topic ${result.name}`
    if (command === 'resubscribe') {
      next.push(resubscribeAdvice(result, option))
      continue
    }
    const [first, second] = result.steps
    if (first?.mode === 'unsubscribe' && !first.done) {
      if (first.verification?.kind === 'denied') {
        next.push(
          `${result.name}: the hub denied the unsubscription, so its subscription is as it was. A subscription the hub paused after a failed delivery cannot be unsubscribed: \`mosip-bridge websub subscribe ${option}\` revives it, then run this command again.`
        )
      } else if (first.verification?.kind === 'timed-out') {
        next.push(
          `${result.name}: the unsubscription was withdrawn, so the subscription is as it was. ${UNREACHED}`
        )
      } else {
        next.push(
          `${result.name}: the hub refused the request, nothing changed. Check MOSIP_WEBSUB_HUB_URL and the WebSub client (\`mosip-bridge config check --connect\`).`
        )
      }
      continue
    }
    const subscription = first?.mode === 'subscribe' ? first : second
    if (subscription && !subscription.done) {
      const cause =
        subscription.verification?.kind === 'timed-out'
          ? UNREACHED
          : subscription.verification?.kind === 'denied'
            ? `The hub denied it: ${subscription.verification.reason}.`
            : 'Check MOSIP_WEBSUB_HUB_URL and the WebSub client (`mosip-bridge config check --connect`).'
      next.push(`${result.name}: the subscription is not verified. ${cause}`)
    }
  }
  if (next.length > 0) return next
  if (command === 'resubscribe') {
    return [
      'The hub now signs deliveries with MOSIP_WEBSUB_SECRET.',
      'Keep the old secret in MOSIP_WEBSUB_PREVIOUS_SECRETS until no delivery uses it (deliveries the hub retries may still carry it; the bridge logs "websub delivery signed with a secret of MOSIP_WEBSUB_PREVIOUS_SECRETS" for each), then remove it on every instance and restart them one by one.',
      'Watch mosip_bridge_websub_signature_failures_total: it must not grow (alert MosipBridgeWebsubSignatureFailures).',
      'The relay subscription delivered while the callback was unsubscribed, so no event was left undelivered; events that came through both were recognised by their id.'
    ]
  }
  if (command === 'unsubscribe') {
    return [
      'The hub no longer delivers these topics to the bridge once it verified the unsubscription. The bridge subscribes again at its next start or re-subscription (MOSIP_WEBSUB_RESUBSCRIBE_SECONDS), or with `mosip-bridge websub subscribe`; what MOSIP publishes meanwhile is not delivered.'
    ]
  }
  return [
    'The hub verified the subscription. A subscription it already had for this callback keeps its first secret: `mosip-bridge websub resubscribe` moves it to MOSIP_WEBSUB_SECRET.'
  ]
}

/** What to do after a resubscription that stopped at one of its four steps. */
function resubscribeAdvice(result: WebsubTopicResult, option: string): string {
  const [relaySubscribed, unsubscribed, third, relayDropped] = result.steps
  const cause = (step: HubStep | undefined) =>
    step?.verification?.kind === 'timed-out'
      ? UNREACHED
      : step?.verification?.kind === 'denied'
        ? `The hub denied it: ${step.verification.reason}.`
        : 'Check MOSIP_WEBSUB_HUB_URL and the WebSub client (`mosip-bridge config check --connect`).'
  const dropRelay = `\`mosip-bridge websub unsubscribe --relay ${option}\``
  if (!relaySubscribed?.done) {
    return `${result.name}: the relay subscription did not go through, so nothing changed. The hub must reach the relay callback (MOSIP_WEBSUB_CALLBACK_URL with /relay added) as it reaches the callback. ${cause(relaySubscribed)}`
  }
  if (!unsubscribed?.done) {
    const relay = third?.done
      ? 'the relay was dropped again'
      : `a relay subscription may remain (the bridge ignores what it delivers twice); drop it with ${dropRelay}`
    return `${result.name}: the unsubscription did not go through, so the subscription is as it was and ${relay}. ${cause(unsubscribed)} A subscription the hub paused after a failed delivery cannot be unsubscribed: \`mosip-bridge websub subscribe ${option}\` revives it.`
  }
  if (!third?.done) {
    return `${result.name}: the callback is unsubscribed and its new subscription is not verified; the relay subscription delivers meanwhile. Run \`mosip-bridge websub subscribe ${option}\` until it is verified (each instance also subscribes at start-up), then ${dropRelay}. ${cause(third)}`
  }
  return `${result.name}: the hub now signs deliveries with MOSIP_WEBSUB_SECRET, but the relay subscription remains (the bridge ignores what it delivers twice): drop it with ${dropRelay}. ${cause(relayDropped)}`
}

/** The report as text lines. */
export function reportLines(report: WebsubReport): string[] {
  const lines: string[] = []
  if (report.dryRun) {
    lines.push('dry run: nothing is sent to the hub')
    if (report.login) {
      lines.push(
        `WebSub client login: ${report.login.ok ? 'ok' : 'FAILED'} (${report.login.detail})`
      )
    }
    for (const plan of report.planned ?? []) {
      lines.push(
        `${plan.name} topic ${plan.topic}: would ${plan.requests.join(', then ')} ${report.callbackUrl} at ${report.hubUrl}`
      )
    }
    return lines
  }
  for (const result of report.topics) {
    lines.push(`${result.name} topic ${result.topic} (callback ${report.callbackUrl}):`)
    for (const step of result.steps) lines.push(`  ${stepLine(step)}`)
  }
  lines.push('', 'next:')
  for (const step of report.next) lines.push(`  ${step}`)
  return lines
}
