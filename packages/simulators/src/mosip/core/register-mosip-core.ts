/**
 * Composes the MOSIP core simulators on one `SimServer`: auth manager, packet manager,
 * registration processor (workflow instance and status APIs), the processing pipeline behind it,
 * credential-service with its published key and the ID repository (its identities, shared with
 * IDA when given to both, and its identity status update). Call before `sim.listen()`.
 *
 * ```ts
 * const sim = new SimServer({ name: 'mosip' })
 * const mosip = registerMosipCore(sim, {
 *   clients: [{ clientId: 'mosip-crvs1-client', secretKey: 'secret', appId: 'ida' }],
 *   publish: (topic, event) => hub.publish(topic, event),
 *   credential: { partnerId: 'crvs_partner', partnerKeyBits: 4096 },
 *   pipeline: { stepDelayMs: 200 }
 * })
 * const url = await sim.listen()
 * writeFileSync('keystore.p12', mosip.issuer.partnerKeystore('mosip123'))
 * ```
 */
import type { SimServer } from '../../shared/sim-server.js'
import { registerMosipCoreControlApi } from './control-api.js'
import type { MosipCore } from './mosip-core.js'
import { AuthManager, type AuthManagerOptions, type MosipClient } from './auth-manager.js'
import { CredentialIssuer, type CredentialIssuerOptions } from './credential-issuer.js'
import { IdRepository } from './id-repository.js'
import { IdentityStore } from './identity-store.js'
import { PacketManager, type PacketManagerOptions } from './packet-manager.js'
import {
  ProcessingPipeline,
  type ProcessingPipelineOptions,
  type Publish
} from './processing-pipeline.js'
import {
  RegistrationProcessor,
  type RegistrationProcessorOptions
} from './registration-processor.js'

export interface MosipCoreOptions {
  /** Keycloak clients allowed to log in (packet client, WebSub partner client, ...). */
  clients: MosipClient[]
  /**
   * Where the pipeline publishes `REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT` and
   * `<partnerId>/CREDENTIAL_ISSUED` events (normally the WebSub hub). Optional: it can be set
   * later with `pipeline.setPublisher`; events are also kept in `pipeline.published`.
   */
  publish?: Publish
  /** Auth manager settings: token lifetime, cookie, realms, how bad credentials are refused. */
  auth?: Omit<AuthManagerOptions, 'clients'>
  /** Writers (source/process pairs), failure reporting style, roles. */
  packetManager?: Omit<PacketManagerOptions, 'auth'>
  /** Main processes, API ids/versions, grace period, fetch limit. */
  registrationProcessor?: Omit<RegistrationProcessorOptions, 'auth' | 'packets' | 'pipeline'>
  /** Stage delay, credential delay, per-process outcomes, workflow-completed topic. */
  pipeline?: Omit<ProcessingPipelineOptions, 'packets' | 'issuer' | 'publish'>
  /** Partner id (topic), partner key size, issuer URL, shared attributes, metaInfo labels. */
  credential?: CredentialIssuerOptions
  /**
   * The ID repository's identities, to share with IDA (`registerIda`'s `identityStore`). A new
   * store when absent.
   */
  identities?: IdentityStore
  /** Prefix of the control API (`control-api.ts`), or `false` for none. Default `/_sim/mosip`. */
  controlPrefix?: string | false
}

export type { MosipCore } from './mosip-core.js'

export function registerMosipCore(sim: SimServer, options: MosipCoreOptions): MosipCore {
  const auth = new AuthManager(sim, { ...options.auth, clients: options.clients })
  const packets = new PacketManager(sim, { ...options.packetManager, auth })
  const issuer = new CredentialIssuer(sim, options.credential)
  const identities = options.identities ?? new IdentityStore()
  const pipeline = new ProcessingPipeline({
    ...options.pipeline,
    packets,
    issuer,
    identities,
    publish: options.publish
  })
  const registrations = new RegistrationProcessor(sim, {
    ...options.registrationProcessor,
    auth,
    packets,
    pipeline
  })
  const idRepository = new IdRepository(sim, { auth, identities })
  sim.app.addHook('onClose', async () => pipeline.stop())
  const core = { auth, packets, registrations, pipeline, issuer, idRepository, identities }
  if (options.controlPrefix !== false) registerMosipCoreControlApi(sim, core, options.controlPrefix)
  return core
}
