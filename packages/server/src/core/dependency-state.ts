/**
 * The state of something the bridge depends on (its database, a keystore, a partner's login, the
 * WebSub subscriptions), as `/ready`, the metrics and operators see it. Pure data: each
 * integration reports its own, composition/ gathers them.
 */
export type DependencyStatus = 'up' | 'down' | 'unknown'

export interface DependencyState {
  status: DependencyStatus
  /** Why it is down or unknown, or what it is (never a secret or personal data). */
  detail?: string
}

export interface DependencyProbe {
  name: string
  /**
   * Readiness fails while a required dependency is down: the bridge cannot do its work without
   * it (the database, the credential keystore). A partner being unreachable is reported but not
   * required: intake must go on accepting registrations through a MOSIP or OpenCRVS outage.
   */
  required: boolean
  state(): DependencyState | Promise<DependencyState>
}

export interface ReadinessReport {
  ready: boolean
  dependencies: Array<{ name: string; required: boolean } & DependencyState>
}

/** Asks every probe (a probe that throws counts as down) and decides readiness. */
export async function readinessOf(probes: readonly DependencyProbe[]): Promise<ReadinessReport> {
  const dependencies = await Promise.all(
    probes.map(async (probe) => {
      let state: DependencyState
      try {
        state = await probe.state()
      } catch (error) {
        state = { status: 'down', detail: error instanceof Error ? error.message : 'check failed' }
      }
      return { name: probe.name, required: probe.required, ...state }
    })
  )
  return {
    ready: dependencies.every((d) => !d.required || d.status === 'up'),
    dependencies
  }
}

/**
 * A subscription's state from its loop's status: up while the hub accepted a request within
 * `maxAgeMs`, down when the last attempt failed (or the acceptance is older), unknown before the
 * first answer.
 */
export function subscriptionState(
  status: { lastSuccessAt: Date | null; lastError: { code: string; reason: string } | null },
  now: number,
  maxAgeMs: number
): DependencyState {
  if (status.lastError) return { status: 'down', detail: status.lastError.code }
  if (status.lastSuccessAt === null) return { status: 'unknown', detail: 'not subscribed yet' }
  return now - status.lastSuccessAt.getTime() <= maxAgeMs
    ? { status: 'up' }
    : { status: 'down', detail: 'the last accepted subscription is too old' }
}
