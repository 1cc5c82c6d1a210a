/** The typed shape of the bridge's configuration, as the rest of the server reads it. */
import type { RegistrationIdFormat } from '../core/registration-id.js'

export const NODE_ENVS = ['development', 'production', 'test'] as const
export type NodeEnv = (typeof NODE_ENVS)[number]

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface ServerConfig {
  port: number
  host: string
  /** A second port serving only /metrics, when set. */
  metricsPort?: number
  /** CORS origin of the OpenCRVS client application. */
  clientAppUrl: string
  locale: string
  /** Trust the reverse proxy's X-Forwarded-* headers (client address, protocol). */
  trustProxy: boolean
  /** `ADMIN_PASSWORD_HASH`: the console's operator password, hashed; undefined: console off. */
  adminPasswordHash?: string
}

export type DatabaseConfig =
  { kind: 'sqlite'; sqlitePath: string } | { kind: 'postgres'; url: string }

export interface EncryptionConfig {
  /** Key for encrypting data at rest (32 bytes); undefined: use (or create) `keyFile`. */
  key: Buffer | undefined
  /** Where the key is kept when DATA_ENCRYPTION_KEY is not set: created on first start. */
  keyFile: string
  /** Older keys, still accepted for decryption while data is re-encrypted under `key`. */
  previousKeys: Buffer[]
}

export interface QueueConfig {
  concurrency: number
  leaseMs: number
  pollIntervalMs: number
  maxAttempts: number
  backoffBaseMs: number
  backoffMaxMs: number
  retentionMs: number
  /** Processed WebSub deliveries are deleted after this long; 0 keeps them. */
  inboxRetentionMs: number
  /** Older history entries of finished registrations are deleted after this long; 0 keeps them. */
  historyRetentionMs: number
  shutdownTimeoutMs: number
}

export interface ClientCredentials {
  clientId: string
  clientSecret: string
}

export interface OpencrvsConfig {
  /** Base URL of the OpenCRVS gateway (tRPC `/events`). */
  gatewayUrl: string
  /** OpenCRVS auth service: `/token` for client credentials. Unknown only when a production
   * deployment gives just an `OPENCRVS_PUBLIC_KEY_URL` that does not end in `/.well-known`. */
  authUrl: string | undefined
  /** Where OpenCRVS's public key (PEM) is fetched to verify JWTs. */
  publicKeyUrl: string
  /** The integration's system client; absent means "confirm with the stored per-record token". */
  systemClient: ClientCredentials | undefined
}

interface MosipWebsubConfig {
  hubUrl: string
  topic: string
  callbackUrl: string
  /** `hub.secret`, also the HMAC key of deliveries. */
  secret: string
  /** Earlier secrets whose signatures are still accepted while the hub moves to `secret`. */
  previousSecrets: string[]
  /** Credentials used to subscribe at the hub. */
  client: ClientCredentials
  /** The registration processor's workflow-completed topic; undefined: not subscribed. */
  workflowCompletedTopic: string | undefined
}

/** MOSIP's status API, which the reconciliation of stalled registrations asks. */
interface MosipStatusConfig {
  /** `POST …/registrationprocessor/v1/registrationstatus/externalstatus/search`. */
  url: string
  /** Credentials of the status calls (a client with a status-search role). */
  client: ClientCredentials
}

/** MOSIP's ID repository, which deactivates the UIN of a person whose death MOSIP processed. */
export interface MosipIdRepositoryConfig {
  /** Whether a confirmed death with the deceased's UIN deactivates that UIN. */
  deactivateUinOnDeath: boolean
  /** `PATCH …/idrepository/v1/identity/`. */
  url: string
  /** Credentials of the ID repository calls. */
  client: ClientCredentials
}

/** When and how often registrations still waiting on MOSIP are checked against its status API. */
export interface MosipReconcileConfig {
  /** A submitted registration is first checked once it has waited this long. */
  afterMs: number
  /** Delay between checks while MOSIP's answer changes. */
  intervalMs: number
  /** Cap of the delay, which doubles with each check that brings the same answer. */
  maxIntervalMs: number
  /** A registration still processing after this long counts as stalled. */
  stallAlertMs: number
  /** Resubmissions MOSIP's answers (RESEND, REREGISTER, unknown id) may cause before an operator is asked. */
  resubmitLimit: number
}

export interface MosipDocumentsConfig {
  /** Largest decoded document, in bytes. */
  maxBytes: number
  /** Most documents in one payload. */
  maxCount: number
  /** OpenCRVS document type (upper case) → MOSIP document category (upper case). */
  categoryOfType: Record<string, string>
  /** MOSIP document category (upper case) → ID-schema field. */
  fieldOfCategory: Record<string, string>
}

export interface MosipConfig {
  /** Auth manager `clientidsecretkey` endpoint. */
  authUrl: string
  authClientAppId: string
  /** Credentials used for packet creation and processing. */
  packetClient: ClientCredentials
  createPacketUrl: string
  processPacketUrl: string
  centerId: string
  machineId: string
  /** MOSIP's mandatory languages (ISO 639-3), primary first: every simpleType field carries each. */
  languages: string[]
  /** What a payload's documents may be and where they go in the packet. */
  documents: MosipDocumentsConfig
  websub: MosipWebsubConfig
  status: MosipStatusConfig
  idRepository: MosipIdRepositoryConfig
  reconcile: MosipReconcileConfig
  credential: {
    /** credentialSubject key copied into `child.nid`. */
    nationalIdKey: string
    decryptP12Path: string
    decryptP12Password: string
    /** Refuse credentials encrypted to a certificate whose thumbprint we do not know. */
    checkThumbprint: boolean
    /** SHA-256 thumbprints accepted besides our keystore's certificates (MOSIP's signed copy). */
    extraThumbprints: Buffer[]
    /** Credentials shared by reference (`event.dataShareUri`). */
    dataShare: {
      /** Origins a data share URI may point at. */
      allowedOrigins: string[]
      /** Largest body read from a data share. */
      maxBytes: number
    }
  }
}

/** `individualIdType` sent to IDA: always one type, or `auto` (16 digits: VID, else UIN). */
export type IdaIndividualIdType = 'UIN' | 'VID' | 'auto'

export interface IdaConfig {
  authUrl: string
  authDomainUri: string
  partner: { apiKey: string; mispLicenseKey: string; id: string }
  encryptCertPath: string
  signP12Path: string
  signP12Password: string
  /** How `individualIdType` is chosen (mosip-api always sends UIN). */
  individualIdType: IdaIndividualIdType
  /** `env` of the request body (mosip-api hard-codes `Staging`); IDA checks it. */
  env: string
  /** Language code of the demographic name and gender sent to IDA (mosip-api: `eng`). */
  language: string
  /** Scope a `/verify` token must carry; undefined: none (the tokens callers hold vary). */
  verifyScope: string | undefined
  /** Calls per minute per caller on /verify and the E-Signet route; 0: no limit. */
  rateLimitPerMinute: number
  /** Return IDA's reasons for a mismatch, not only its codes. */
  mismatchDetails: boolean
}

export interface EsignetConfig {
  userinfoUrl: string
  tokenUrl: string
  clientPrivateKeyPath: string
  /** Decrypts JWE userinfo; undefined: the assertion key does. */
  clientEncryptionKeyPath: string | undefined
  /** E-Signet's JWKS; undefined: found through `.well-known/openid-configuration`. */
  jwksUrl: string | undefined
  /** Accepted `state` values of a login; undefined: not checked (as mosip-api). */
  expectedStates: string[] | undefined
  /** Scope an `/esignet/get-oidp-user-info` token must carry; undefined: none. */
  requiredScope: string | undefined
}

type ConfirmationTokenMode = 'stored-token' | 'token-exchange' | 'system-client'

/** How registrations move through the bridge (settings of ours; mosip-api has none). */
export interface PipelineConfig {
  /** Scope an intake token must carry (1.9 or 2.0 format); undefined: no scope check (2.1). */
  intakeScope: string | undefined
  /** Audiences accepted on intake tokens (any one of them). */
  jwtAudiences: string[]
  /** Which token confirms registrations in OpenCRVS. */
  confirmationToken: ConfirmationTokenMode
  /** Declaration field that receives the national id on a birth. */
  nationalIdFieldId: string
  /** Reject the action in OpenCRVS when MOSIP refuses a registration or we give up. */
  rejectOnFailure: boolean
  /** createPacket `source` and `schemaVersion`. */
  packetSource: string
  schemaVersion: string
  /** Re-subscription interval at the WebSub hub. */
  resubscribeMs: number
  /** Timeout of every outbound HTTP call. */
  outboundTimeoutMs: number
  /** Largest accepted request body. */
  bodyLimitBytes: number
}

export interface BridgeConfig {
  nodeEnv: NodeEnv
  logLevel: LogLevel
  /** Accepted for compatibility with mosip-api. It may only make logging more verbose: redaction
   * of secrets, tokens and personal data stays on regardless. */
  unsafeDebugLog: boolean
  server: ServerConfig
  database: DatabaseConfig
  encryption: EncryptionConfig
  queue: QueueConfig
  /** Prefix of the 15-digit MOSIP transaction id (`reference` registration id format). */
  transactionIdPrefix: string
  /** How new registration ids are made (MOSIP_REGISTRATION_ID_FORMAT). */
  registrationIdFormat: RegistrationIdFormat
  pipeline: PipelineConfig
  opencrvs: OpencrvsConfig
  mosip: MosipConfig
  ida: IdaConfig
  esignet: EsignetConfig
  /** Deprecated mosip-api variables that were set and are ignored (for a start-up notice). */
  ignoredVariables: string[]
}
