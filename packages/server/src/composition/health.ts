import type { BridgeConfig } from '../config/index.js'
import {
  subscriptionState,
  type DependencyProbe,
  type DependencyState
} from '../core/dependency-state.js'
import type { Integrations } from './integrations.js'
import type { Storage } from './storage.js'

/**
 * What the bridge depends on, for `/ready` and the metrics. Required: the database and the
 * credential keystore (without them no registration can move on). Reported only: partners'
 * logins and keys, the WebSub subscriptions and the optional /verify and E-Signet keys — an
 * outage of a partner must not take the bridge out of service (intake keeps accepting).
 */
export function dependencyProbes(
  config: BridgeConfig,
  { store }: Pick<Storage, 'store'>,
  { mosip, opencrvs, ida, esignet }: Integrations,
  clock: () => number = Date.now
): DependencyProbe[] {
  // The hub is asked again every resubscribe interval: two missed rounds mean it is not current.
  const subscriptionMaxAgeMs = 2 * config.pipeline.resubscribeMs
  const available = (status: { available: boolean; code?: string }): DependencyState =>
    status.available
      ? { status: 'up' }
      : { status: 'down', ...(status.code ? { detail: status.code } : {}) }
  const probes: DependencyProbe[] = [
    {
      name: 'database',
      required: true,
      state: async () => {
        await store.ping()
        return { status: 'up', detail: store.dialect }
      }
    },
    { name: 'credential_keystore', required: true, state: () => mosip.credentialKeystore },
    { name: 'mosip_login', required: false, state: () => mosip.packetLogin() },
    {
      name: 'websub_subscription',
      required: false,
      state: () => subscriptionState(mosip.subscriber.status(), clock(), subscriptionMaxAgeMs)
    },
    { name: 'opencrvs_public_key', required: false, state: () => opencrvs.publicKeyState() },
    { name: 'ida_keys', required: false, state: () => available(ida.status) },
    { name: 'esignet_key', required: false, state: () => available(esignet.status) }
  ]
  const workflow = mosip.workflowSubscriber
  if (workflow) {
    probes.splice(4, 0, {
      name: 'websub_workflow_subscription',
      required: false,
      state: () => subscriptionState(workflow.status(), clock(), subscriptionMaxAgeMs)
    })
  }
  return probes
}
