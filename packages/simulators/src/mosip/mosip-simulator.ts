import { registerIda, type IdaIdentityInput, type IdaSimulator } from '../ida/index.js'
import { SimServer } from '../shared/sim-server.js'
import type { MosipClient } from './core/auth-manager.js'
import { registerMosipCore, type MosipCoreOptions } from './core/register-mosip-core.js'
import type { CredentialShareMode } from './core/credential-issuer.js'
import type { MosipCore } from './core/mosip-core.js'
import { WebsubHub } from './websub/websub-hub.js'

/** Default clients, as mosip-api's development configuration names them. */
export const DEFAULT_MOSIP_CLIENTS = {
  packet: { clientId: 'mosip-regproc-client', secretKey: 'abcdeABCDE123456', appId: 'admin' },
  websub: { clientId: 'mosip-websub-client', secretKey: 'abcdeABCDE123456', appId: 'admin' }
} as const

export interface MosipSimulatorOptions {
  port?: number
  host?: string
  clients?: MosipClient[]
  /** CRVS partner the credentials are issued to (topic `<partnerId>/CREDENTIAL_ISSUED`). */
  partnerId?: string
  partnerKeyBits?: 2048 | 4096
  /** The partner policy's type of share: credentials inline (default) or by data share. */
  credentialShareBy?: CredentialShareMode
  /** Delay between processing stages after workflowinstance (ms). */
  stepDelayMs?: number
  /** WebSub delivery retry delays after connection errors (MOSIP: 3 s, 6 s, 12 s). */
  hubRetryDelaysMs?: number[]
  /** How the hub commits deliveries (default `poll-batch`, as MOSIP's hub); see `WebsubHubOptions`. */
  hubCommitMode?: 'message' | 'poll-batch'
  /**
   * Whether the hub checks the token's roles per topic as MOSIP's hub does (default false: any
   * valid token may subscribe and publish). With it, a subscription to `<partner>/<EVENT>` needs
   * `SUBSCRIBE_<EVENT>_INDIVIDUAL` and the client to be that partner, one to
   * `REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT` needs
   * `SUBSCRIBE_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL`.
   */
  hubTopicRoles?: boolean
  /** Packet manager failure reporting; see PacketManagerOptions. */
  packetManager?: MosipCoreOptions['packetManager']
  ida?: {
    mispLicenseKey?: string
    partnerId?: string
    apiKey?: string
    /**
     * People MOSIP registered before: added to the ID repository's identities, which IDA
     * authenticates against together with every identity the pipeline issues.
     */
    identities?: IdaIdentityInput[]
    /** Language codes IDA accepts in requests (default `['eng']`). */
    supportedLanguages?: string[]
  }
}

export interface MosipSimulator {
  url: string
  sim: SimServer
  core: MosipCore
  hub: WebsubHub
  ida: IdaSimulator
  idaOptions: { mispLicenseKey: string; partnerId: string; apiKey: string }
  close(): Promise<void>
}

/**
 * One simulated MOSIP host, as a deployment exposes it behind its gateway: auth manager, packet
 * manager, registration processor, the credential pipeline, the WebSub hub and IDA. IDA and the
 * ID repository share one identity store: a UIN a birth was given authenticates with the child's
 * demographics, and stops authenticating once the ID repository deactivates it.
 */
export async function createMosipSimulator(
  options: MosipSimulatorOptions = {}
): Promise<MosipSimulator> {
  const sim = new SimServer({ name: 'mosip' })
  const clients = options.clients ?? [DEFAULT_MOSIP_CLIENTS.packet, DEFAULT_MOSIP_CLIENTS.websub]
  // The pipeline publishes through the hub, which needs the auth manager: tie them after both exist.
  const hubRef: { current?: WebsubHub } = {}
  const core = registerMosipCore(sim, {
    clients,
    publish: (topic, event) => hubRef.current?.publish(topic, event),
    credential: {
      partnerId: options.partnerId ?? 'crvs_partner',
      partnerKeyBits: options.partnerKeyBits ?? 2048,
      ...(options.credentialShareBy ? { shareBy: options.credentialShareBy } : {})
    },
    ...(options.packetManager ? { packetManager: options.packetManager } : {}),
    ...(options.stepDelayMs !== undefined ? { pipeline: { stepDelayMs: options.stepDelayMs } } : {})
  })
  const hub = new WebsubHub(sim, {
    verifyToken: (token) => {
      const identity = core.auth.verify(token)
      if (!identity) return false
      return options.hubTopicRoles ? { userId: identity.userId, roles: identity.roles } : true
    },
    ...(options.hubRetryDelaysMs ? { retryDelaysMs: options.hubRetryDelaysMs } : {}),
    ...(options.hubCommitMode ? { commitMode: options.hubCommitMode } : {})
  })
  const idaOptions = {
    mispLicenseKey: options.ida?.mispLicenseKey ?? 'aaaaaAAAAAbbbbbBBBBBcccccCCCCCdddddDDDDD',
    partnerId: options.ida?.partnerId ?? 'crvs-partner',
    apiKey: options.ida?.apiKey ?? '123456'
  }
  const ida = registerIda(sim, {
    ...idaOptions,
    identityStore: core.identities,
    identities: options.ida?.identities ?? [],
    ...(options.ida?.supportedLanguages
      ? { supportedLanguages: options.ida.supportedLanguages }
      : {})
  })
  hubRef.current = hub
  const url = await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  return {
    url,
    sim,
    core,
    hub,
    ida,
    idaOptions,
    close: async () => {
      core.pipeline.stop()
      await hub.close()
      await sim.close()
    }
  }
}
