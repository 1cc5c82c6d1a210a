import type { AuthManager } from './auth-manager.js'
import type { CredentialIssuer } from './credential-issuer.js'
import type { IdRepository } from './id-repository.js'
import type { IdentityStore } from './identity-store.js'
import type { PacketManager } from './packet-manager.js'
import type { ProcessingPipeline } from './processing-pipeline.js'
import type { RegistrationProcessor } from './registration-processor.js'

/** Handles on the MOSIP core simulators composed by `registerMosipCore`. */
export interface MosipCore {
  auth: AuthManager
  /** `packets.get(id)` → the stored packet. */
  packets: PacketManager
  /** `registrations.get(id)` → the registration row the status APIs report. */
  registrations: RegistrationProcessor
  pipeline: ProcessingPipeline
  issuer: CredentialIssuer
  /** `idRepository.updates`: every identity update accepted (statuses are on the identities). */
  idRepository: IdRepository
  /** The ID repository's identities: issued by the pipeline, seeded, read by IDA. */
  identities: IdentityStore
}
