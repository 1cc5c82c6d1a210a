/**
 * The table of environment variables: name, format, defaults, whether the value is secret, and
 * what it means (its group and description, the one place each variable is documented;
 * `.env.example` is rendered from them by `env-example.ts`).
 *
 * Names, defaults and the "development default only means required in production" rule follow the
 * reference `mosip-api` (envalid semantics), so an existing deployment can switch by changing the
 * image. Messages never contain the value of a variable marked `secret`.
 */
import { z } from 'zod'
import { MOSIP_WORKFLOW_COMPLETED_TOPIC } from '@mosip-bridge/contracts'
import { LOG_LEVELS, NODE_ENVS } from './config-types.js'
import { REGISTRATION_ID_FORMATS } from '../core/registration-id.js'
import {
  secretList,
  INVALID,
  adminPasswordHash,
  encryptionKey,
  encryptionKeyList,
  filePath,
  httpUrl,
  individualIdType,
  integer,
  languageList,
  lenientBoolean,
  matching,
  nameTable,
  oneOf,
  originList,
  pathSegment,
  postgresUrl,
  scopeOrNone,
  text,
  token,
  topicOrNone
} from './value-parsers.js'
import type { Format } from './value-parsers.js'

/** The sections of `.env.example`, in the order it lists them, each with a line saying what it is. */
export const VARIABLE_GROUPS = {
  Server: 'The HTTP service.',
  'Operator console':
    'The web console at /admin: what the bridge holds, and the actions an operator takes on it.',
  Logging:
    'Logs go to stdout as JSON lines; tokens, secrets and personal data are always redacted.',
  'Database and encryption':
    'Where the bridge keeps registrations and jobs, and the key that seals tokens, payloads and national ids in it.',
  Jobs: 'The durable job runner that carries every registration through its steps.',
  OpenCRVS: 'Tokens from OpenCRVS, and the calls that confirm or reject registrations in it.',
  'MOSIP login and packets':
    "MOSIP's auth manager and the packet manager and registration processor that receive registrations.",
  'MOSIP WebSub':
    "The subscription at MOSIP's WebSub hub through which national ID credentials arrive.",
  'MOSIP credentials': 'How a delivered credential is decrypted, checked and read.',
  'MOSIP status and reconciliation':
    'Asking MOSIP about registrations that wait on it without a credential.',
  'MOSIP deaths':
    "What follows a death MOSIP processed: deactivating the deceased's UIN in MOSIP's ID repository.",
  'IDA (/verify)': "MOSIP ID authentication (IDA) behind POST /verify, as MOSIP's CRVS partner.",
  'E-Signet': 'The E-Signet login behind POST /esignet/get-oidp-user-info.',
  'Compatibility (ignored)':
    'Variables of mosip-api that the bridge accepts and ignores; setting one logs a warning at start-up.'
} as const

export type VariableGroup = keyof typeof VARIABLE_GROUPS

/** Facts about a variable that its field schema does not express. */
export interface VariableInfo {
  /** What the variable means, in one or two plain sentences (unit and special values included). */
  description: string
  /** The section of `.env.example` it is listed in. */
  group: VariableGroup
  /** Used in every environment when the variable is unset. */
  default?: string
  /** Used outside production only; a variable with only this default is required in production. */
  devDefault?: string
  /** What applies when an optional variable without a fixed default is unset (a derived value,
   * or a feature left off). */
  whenUnset?: string
  /** For an optional variable that production needs unless another one is set: that condition. */
  requiredUnless?: string
  /** Never echoed in problems; masked by `describeConfig`. */
  secret?: boolean
  /** Accepted for compatibility with mosip-api, then ignored. */
  deprecated?: boolean
}

const variableInfo = z.registry<VariableInfo>()

const DEFAULT_SQLITE_PATH = 'data/sqlite/mosip-api.db'
/** setTimeout's limit; longer delays fire at once. */
const MAX_TIMER_MS = 2_147_483_647
const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000)
/** Ten years: thresholds compared with ages, never used as timers. */
const MAX_THRESHOLD_SECONDS = 10 * 365 * 86_400

function show(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw)
}

function field<T>(format: Format<T>, info: VariableInfo) {
  return z
    .string({ error: `required when NODE_ENV=production (${format.expected})` })
    .transform((raw, ctx): T => {
      const value = format.parse(raw)
      if (value === INVALID) {
        ctx.addIssue({
          code: 'custom',
          message: info.secret
            ? `malformed (expected ${format.expected})`
            : `expected ${format.expected}, got ${show(raw)}`
        })
        return z.NEVER
      }
      return value
    })
}

/** Always has a value once defaults apply: `default`, or `devDefault` (then required in production). */
function required<T>(format: Format<T>, info: VariableInfo) {
  return field(format, info).register(variableInfo, info)
}

function optional<T>(format: Format<T>, info: VariableInfo) {
  return field(format, info).optional().register(variableInfo, info)
}

function deprecated(description: string) {
  return z
    .string()
    .optional()
    .register(variableInfo, { deprecated: true, group: 'Compatibility (ignored)', description })
}

const secret = true
const MOSIP_DEV = 'http://localhost:20240'
const ESIGNET_DEV = 'http://localhost:20260'
/**
 * Every variable the bridge reads, each with its format and its defaults. Each field checks its
 * own value only; rules involving several variables are applied when the config is assembled.
 */
export const variables = z.object({
  NODE_ENV: required(oneOf(NODE_ENVS), {
    group: 'Server',
    default: 'development',
    description:
      'One of development, production or test; production makes every variable that has only a development default required.'
  }),
  LOG_LEVEL: required(oneOf(LOG_LEVELS, true), {
    group: 'Logging',
    default: 'info',
    devDefault: 'debug',
    description: 'Log level: fatal, error, warn, info, debug, trace or silent (any case).'
  }),
  UNSAFE_DEBUG_LOG: required(lenientBoolean, {
    group: 'Logging',
    default: 'false',
    description:
      'Accepted for compatibility with mosip-api, where it printed requests and decrypted credentials. Here it never turns redaction off: tokens, secrets and personal data stay out of the logs.'
  }),

  PORT: required(integer(1, 65535), {
    group: 'Server',
    default: '2024',
    description: 'TCP port of the HTTP service.'
  }),
  HOST: required(matching(/^[A-Za-z0-9._:%[\]-]+$/, 'a host name or IP address'), {
    group: 'Server',
    default: '0.0.0.0',
    devDefault: 'localhost',
    description: 'Address the HTTP service listens on (host name or IP address).'
  }),
  METRICS_PORT: optional(integer(1, 65535), {
    group: 'Server',
    whenUnset: 'only on PORT',
    description:
      'Also serve /metrics (and nothing else) on this port, on the same HOST; /metrics stays on PORT too.'
  }),
  LOCALE: required(
    matching(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'a locale such as en or fr'),
    {
      group: 'Server',
      devDefault: 'en',
      description:
        "Locale such as en or fr. Required in production as in mosip-api (which formatted dates with it); the bridge's answers do not depend on it."
    }
  ),
  CLIENT_APP_URL: required(httpUrl, {
    group: 'Server',
    devDefault: 'http://localhost:3000',
    description: 'URL of the OpenCRVS client application, the only origin CORS allows.'
  }),

  TRUST_PROXY: required(lenientBoolean, {
    group: 'Server',
    default: 'false',
    description:
      "Trust X-Forwarded-For and X-Forwarded-Proto from the reverse proxy in front of the bridge: the caller's address (rate limits) and whether it came over HTTPS (the console's cookie is then Secure). Set it only behind a proxy that overwrites these headers."
  }),
  ADMIN_PASSWORD_HASH: optional(adminPasswordHash, {
    group: 'Operator console',
    secret,
    whenUnset: 'the console is off (/admin answers 404)',
    description:
      'The operator password of the console at /admin, hashed: scrypt$N$r$p$salt$hash as printed by `mosip-bridge admin hash-password` (which reads the password on standard input). Changing it ends every console session.'
  }),

  SQLITE_DATABASE_PATH: optional(filePath, {
    group: 'Database and encryption',
    devDefault: DEFAULT_SQLITE_PATH,
    requiredUnless: 'DATABASE_URL is set',
    description:
      'SQLite database file (created with its directory when missing); one instance only. Not used when DATABASE_URL is set.'
  }),
  DATABASE_URL: optional(postgresUrl, {
    group: 'Database and encryption',
    secret,
    whenUnset: 'SQLite at SQLITE_DATABASE_PATH',
    description:
      'postgres:// or postgresql:// URL: keep the data in PostgreSQL instead of SQLite; several instances may share it.'
  }),
  DATA_ENCRYPTION_KEY: optional(encryptionKey, {
    group: 'Database and encryption',
    secret,
    whenUnset: 'the key in DATA_ENCRYPTION_KEY_FILE, created on first start',
    description:
      'AES-256-GCM key (32 bytes, base64 or hex) that seals tokens, payloads, national ids and deliveries at rest. Set it explicitly when instances share a database.'
  }),
  DATA_ENCRYPTION_KEY_FILE: optional(filePath, {
    group: 'Database and encryption',
    whenUnset:
      'mosip-bridge-data.key beside the SQLite file, or data/mosip-bridge-data.key with DATABASE_URL',
    description:
      'Without DATA_ENCRYPTION_KEY, the key is read from this file, which is generated (mode 600, with a warning) on first start.'
  }),
  DATA_ENCRYPTION_PREVIOUS_KEYS: optional(encryptionKeyList, {
    group: 'Database and encryption',
    secret,
    whenUnset: 'no older keys',
    description:
      'Comma-separated older keys (32 bytes each, base64 or hex), still accepted for reading while data is re-encrypted under the current key.'
  }),

  JOB_CONCURRENCY: required(integer(1), {
    group: 'Jobs',
    default: '4',
    description: 'Jobs run at once by each instance.'
  }),
  JOB_LEASE_SECONDS: required(integer(1, Math.floor(MAX_TIMER_MS / 1000)), {
    group: 'Jobs',
    default: '60',
    description:
      'Lease of a claimed job, in seconds; renewed while it runs, so a job whose runner died is taken up again after it.'
  }),
  JOB_POLL_INTERVAL_MS: required(integer(10, MAX_TIMER_MS), {
    group: 'Jobs',
    default: '500',
    description: 'How often an idle runner looks for due jobs, in milliseconds.'
  }),
  JOB_MAX_ATTEMPTS: required(integer(1), {
    group: 'Jobs',
    default: '10',
    description:
      'Attempts before a job that fails for an unknown reason (a bug) goes to the dead state; outages of MOSIP or OpenCRVS never use them up.'
  }),
  JOB_BACKOFF_BASE_MS: required(integer(1, MAX_TIMER_MS), {
    group: 'Jobs',
    default: '1000',
    description:
      'First delay between attempts, in milliseconds; it grows exponentially, with jitter, up to JOB_BACKOFF_MAX_MS.'
  }),
  JOB_BACKOFF_MAX_MS: required(integer(1, MAX_TIMER_MS), {
    group: 'Jobs',
    default: '3600000',
    description:
      'Cap of the delay between attempts, in milliseconds (at least JOB_BACKOFF_BASE_MS).'
  }),
  JOB_RETENTION_DAYS: required(integer(1, 36500), {
    group: 'Jobs',
    default: '7',
    description: 'Finished jobs are purged after this many days.'
  }),
  WEBSUB_INBOX_RETENTION_DAYS: required(integer(0, 36500), {
    group: 'Jobs',
    default: '30',
    description:
      'Processed WebSub deliveries (their content already erased), and the WebSub subscription changes operators asked for, are deleted after this many days; deliveries kept for an operator stay until handled. 0: kept for ever.'
  }),
  REGISTRATION_HISTORY_RETENTION_DAYS: required(integer(0, 36500), {
    group: 'Jobs',
    default: '180',
    description:
      'The older history entries of finished registrations are deleted after this many days; each registration keeps its row and its last entry (final state and reason). 0: kept for ever.'
  }),
  SHUTDOWN_TIMEOUT_MS: required(integer(0, MAX_TIMER_MS), {
    group: 'Jobs',
    default: '15000',
    description:
      'On SIGTERM, how long running jobs may finish before they go back to the queue, in milliseconds.'
  }),

  TRANSACTION_ID_PREFIX: required(matching(/^\d{1,10}$/, '1 to 10 digits'), {
    group: 'MOSIP login and packets',
    default: '10001',
    description:
      'When MOSIP_REGISTRATION_ID_FORMAT is reference: first digits (1 to 10) of the 15-digit transaction id, which is also the MOSIP registration id; random digits complete it.'
  }),
  MOSIP_REGISTRATION_ID_FORMAT: required(oneOf(REGISTRATION_ID_FORMATS), {
    group: 'MOSIP login and packets',
    default: 'mosip',
    description:
      "mosip: registration ids as MOSIP makes them, MOSIP_CENTER_ID (5 digits) + MOSIP_MACHINE_ID (5 digits) + a 5-digit sequence kept in the database + the UTC time yyyyMMddHHmmss (29 digits), so MOSIP's keymanager uses one key per machine; reference: mosip-api's TRANSACTION_ID_PREFIX + 10 random digits (MOSIP then creates a key for every packet)."
  }),
  OPENCRVS_INTAKE_SCOPE: required(token, {
    group: 'OpenCRVS',
    default: 'record.confirm-registration',
    description:
      'Scope a token on POST /events/registration and /events/update-biographics must carry (OpenCRVS 1.9 plain or 2.0 type=... format); none: no scope check (OpenCRVS 2.1 trigger tokens).'
  }),
  OPENCRVS_JWT_AUDIENCES: required(
    matching(/^[^\s,]+(,[^\s,]+)*$/, 'a comma-separated list of audiences'),
    {
      group: 'OpenCRVS',
      default: 'opencrvs:countryconfig-user',
      description:
        'Comma-separated audiences accepted on intake tokens (any one of them); the /verify, E-Signet and debug routes also accept opencrvs:gateway-user.'
    }
  ),
  OPENCRVS_CONFIRMATION_TOKEN: optional(
    oneOf(['stored-token', 'token-exchange', 'system-client'] as const),
    {
      group: 'OpenCRVS',
      whenUnset: 'token-exchange when OPENCRVS_CLIENT_ID is set, else stored-token',
      description:
        "Which token confirms registrations in OpenCRVS: stored-token (the action token that came with the registration, sealed at rest), token-exchange (the system client's token exchanged for the record) or system-client (OpenCRVS 2.1)."
    }
  ),
  OPENCRVS_NATIONAL_ID_FIELD_ID: required(token, {
    group: 'OpenCRVS',
    default: 'child.nid',
    description: 'Declaration field that receives the national id of a registered birth.'
  }),
  MOSIP_CREDENTIAL_CHECK_THUMBPRINT: required(lenientBoolean, {
    group: 'MOSIP credentials',
    default: 'true',
    description:
      'Refuse credentials encrypted to a certificate whose thumbprint we do not know (the keystore certificate or MOSIP_CREDENTIAL_EXTRA_THUMBPRINTS).'
  }),
  MOSIP_DATASHARE_ALLOWED_ORIGINS: optional(originList, {
    group: 'MOSIP credentials',
    whenUnset:
      'the origins of MOSIP_AUTH_URL, MOSIP_CREATE_PACKET_URL, MOSIP_PROCESS_PACKET_URL and MOSIP_WEBSUB_HUB_URL',
    description:
      "Comma-separated origins (https://host[:port]) a credential shared by reference (the event's dataShareUri, a partner policy of type dataShare) may be fetched from; a delivery naming another origin is kept for an operator (DATASHARE_ORIGIN_NOT_ALLOWED)."
  }),
  MOSIP_DATASHARE_MAX_BYTES: required(integer(1024, 64 * 1024 * 1024), {
    group: 'MOSIP credentials',
    default: '1048576',
    description:
      'Largest credential fetched from a data share, in bytes; a larger one is not read and its delivery is kept for an operator (DATASHARE_TOO_LARGE).'
  }),
  MOSIP_CREDENTIAL_EXTRA_THUMBPRINTS: optional(
    matching(/^[0-9a-fA-F]{64}(,[0-9a-fA-F]{64})*$/, 'comma-separated SHA-256 thumbprints in hex'),
    {
      group: 'MOSIP credentials',
      whenUnset: 'only the keystore certificate',
      description:
        "Comma-separated SHA-256 thumbprints (64 hex characters each) accepted besides the keystore's certificate, e.g. of MOSIP's re-signed copy of the partner certificate."
    }
  ),
  REJECT_ON_FAILURE: required(lenientBoolean, {
    group: 'OpenCRVS',
    default: 'true',
    description:
      'Reject the action in OpenCRVS when MOSIP refuses a registration or the bridge gives up on it (never for an outage).'
  }),
  MOSIP_PACKET_SOURCE: required(token, {
    group: 'MOSIP login and packets',
    default: 'CRVS1',
    description: 'Value of source in every createPacket request.'
  }),
  MOSIP_PACKET_SCHEMA_VERSION: required(matching(/^\d+(\.\d+)?$/, 'a number such as 0.500'), {
    group: 'MOSIP login and packets',
    default: '0.500',
    description:
      'Value of schemaVersion (the version of the MOSIP ID schema) in every createPacket request.'
  }),
  MOSIP_LANGUAGES: required(languageList, {
    group: 'MOSIP login and packets',
    default: 'eng',
    description:
      "MOSIP's mandatory languages (ISO 639-3 codes, comma-separated, the primary first): every multi-language field of a packet (names, gender, address lines...) carries a value in each, the payload's own per-language value or else the same text."
  }),
  MOSIP_DOCUMENT_MAX_BYTES: required(integer(1, 64 * 1024 * 1024), {
    group: 'MOSIP login and packets',
    default: '2097152',
    description:
      'Largest document a payload may carry, in bytes once decoded from base64; a larger one is answered 413.'
  }),
  MOSIP_DOCUMENT_MAX_COUNT: required(integer(0, 50), {
    group: 'MOSIP login and packets',
    default: '5',
    description:
      'Most documents one payload may carry (0: none accepted); the intake body limit grows by this many documents.'
  }),
  MOSIP_DOCUMENT_CATEGORIES: optional(
    nameTable(/^[A-Za-z0-9_-]+$/, 'TYPE=CATEGORY,... or a JSON object'),
    {
      group: 'MOSIP login and packets',
      whenUnset:
        'NOTIFICATION_OF_BIRTH, BIRTH_CERTIFICATE, PROOF_OF_BIRTH → POB; NATIONAL_ID, PASSPORT, PROOF_OF_IDENTITY → POI; PROOF_OF_ADDRESS, UTILITY_BILL → POA; PROOF_OF_LEGAL_GUARDIANSHIP, PROOF_OF_ASSIGNED_RESPONSIBILITY, PROOF_OF_RELATIONSHIP → POR; PROOF_OF_EXCEPTION → POE',
      description:
        'OpenCRVS document type → MOSIP document category (POB proof of birth, POI identity, POA address, POR relationship, POE exception), as TYPE=CATEGORY pairs or JSON; replaces the built-in table. A document whose type is not listed must name its category.'
    }
  ),
  MOSIP_DOCUMENT_FIELDS: optional(
    nameTable(/^[A-Za-z0-9_-]+$/, 'CATEGORY=field,... or a JSON object'),
    {
      group: 'MOSIP login and packets',
      whenUnset:
        'POA → proofOfAddress, POI → proofOfIdentity, POR → proofOfRelationship, POB → proofOfDateOfBirth, POE → proofOfException',
      description:
        'MOSIP document category → the field of the ID schema (a documentType field) that holds its document in the packet; replaces the built-in table.'
    }
  ),
  MOSIP_WEBSUB_RESUBSCRIBE_SECONDS: required(integer(1, 30 * 24 * 3600), {
    group: 'MOSIP WebSub',
    default: '21600',
    description:
      'Interval of the re-subscription at the hub, in seconds; it brings back a subscription the hub dropped after a failed delivery, with the credentials it held.'
  }),
  OUTBOUND_TIMEOUT_MS: required(integer(100, MAX_TIMER_MS), {
    group: 'Server',
    default: '15000',
    description:
      'Timeout of every outbound HTTP call (MOSIP, OpenCRVS, IDA, E-Signet), in milliseconds.'
  }),
  BODY_LIMIT_BYTES: required(integer(1024, 512 * 1024 * 1024), {
    group: 'Server',
    default: '2097152',
    description: 'Largest accepted request body, in bytes; a larger one is answered 413.'
  }),

  OPENCRVS_GATEWAY_URL: required(httpUrl, {
    group: 'OpenCRVS',
    devDefault: 'http://localhost:7070',
    description:
      'Base URL of the OpenCRVS gateway, whose tRPC /events API confirms and rejects registrations.'
  }),
  // Defaults of the next two depend on each other: see resolveOpencrvsAuth.
  OPENCRVS_AUTH_URL: optional(httpUrl, {
    group: 'OpenCRVS',
    requiredUnless: 'OPENCRVS_PUBLIC_KEY_URL is set',
    whenUnset:
      'OPENCRVS_PUBLIC_KEY_URL without its /.well-known; outside production, with neither set, http://localhost:4040',
    description:
      'OpenCRVS auth service: its /token serves the system client, its /.well-known the public key. Also required whenever OPENCRVS_CLIENT_ID is set.'
  }),
  OPENCRVS_PUBLIC_KEY_URL: optional(httpUrl, {
    group: 'OpenCRVS',
    whenUnset: 'OPENCRVS_AUTH_URL/.well-known',
    description:
      "Where OpenCRVS's public key (PEM) is fetched to verify tokens (the variable of mosip-api 2.0)."
  }),
  OPENCRVS_CLIENT_ID: optional(token, {
    group: 'OpenCRVS',
    whenUnset: 'no system client (registrations are confirmed with the stored action token)',
    description:
      'Id of the integration system client in OpenCRVS (set with OPENCRVS_CLIENT_SECRET); required for token-exchange and system-client confirmation.'
  }),
  OPENCRVS_CLIENT_SECRET: optional(text, {
    group: 'OpenCRVS',
    secret,
    whenUnset: 'no system client',
    description: 'Secret of that system client (set both or neither).'
  }),

  MOSIP_AUTH_URL: required(httpUrl, {
    group: 'MOSIP login and packets',
    devDefault: `${MOSIP_DEV}/v1/authmanager/authenticate/clientidsecretkey`,
    description:
      "MOSIP auth manager's clientidsecretkey endpoint, where every MOSIP client of the bridge (packets, WebSub, status) logs in."
  }),
  MOSIP_AUTH_CLIENT_APP_ID: required(token, {
    group: 'MOSIP login and packets',
    default: 'admin',
    description: 'The appId sent with every MOSIP login.'
  }),
  MOSIP_PACKET_AUTH_CLIENT_ID: required(token, {
    group: 'MOSIP login and packets',
    devDefault: 'mosip-regproc-client',
    description: 'MOSIP client that creates packets and starts their processing.'
  }),
  MOSIP_PACKET_AUTH_CLIENT_SECRET: required(text, {
    group: 'MOSIP login and packets',
    secret,
    devDefault: 'abcdeABCDE123456',
    description: 'Secret key of the packet client.'
  }),
  MOSIP_WEBSUB_AUTH_CLIENT_ID: required(token, {
    group: 'MOSIP WebSub',
    devDefault: 'mosip-websub-client',
    description:
      'MOSIP client that subscribes at the hub (to MOSIP_WORKFLOW_COMPLETED_TOPIC too, which needs its own subscribe role).'
  }),
  MOSIP_WEBSUB_AUTH_CLIENT_SECRET: required(text, {
    group: 'MOSIP WebSub',
    secret,
    devDefault: 'abcdeABCDE123456',
    description: 'Secret key of the WebSub client.'
  }),
  MOSIP_WEBSUB_HUB_URL: required(httpUrl, {
    group: 'MOSIP WebSub',
    devDefault: `${MOSIP_DEV}/websub/hub`,
    description: "MOSIP's WebSub hub."
  }),
  MOSIP_WEBSUB_SECRET: required(text, {
    group: 'MOSIP WebSub',
    secret,
    devDefault: 'mosip-websub-secret',
    description:
      'The hub.secret sent when subscribing, and the HMAC key that checks the X-Hub-Signature of every delivery.'
  }),
  MOSIP_WEBSUB_PREVIOUS_SECRETS: optional(secretList, {
    group: 'MOSIP WebSub',
    secret,
    whenUnset: 'only MOSIP_WEBSUB_SECRET',
    description:
      'Comma-separated earlier values of MOSIP_WEBSUB_SECRET whose X-Hub-Signature is still accepted, so no delivery is refused while the hub moves to the new secret (`mosip-bridge websub resubscribe`). Remove them once it has.'
  }),
  MOSIP_WEBSUB_TOPIC: required(token, {
    group: 'MOSIP WebSub',
    devDefault: 'CREDENTIAL_ISSUED',
    description: 'The hub.topic of the credential subscription; deliveries must carry this topic.'
  }),
  MOSIP_WEBSUB_CALLBACK_URL: required(httpUrl, {
    group: 'MOSIP WebSub',
    devDefault: 'http://localhost:2024/websub/callback',
    description: "The hub.callback: this bridge's /websub/callback as MOSIP's hub reaches it."
  }),
  MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY: required(token, {
    group: 'MOSIP credentials',
    default: 'UIN',
    description:
      'Key of the credentialSubject whose value is the national id written into OpenCRVS.'
  }),
  MOSIP_CREATE_PACKET_URL: required(httpUrl, {
    group: 'MOSIP login and packets',
    devDefault: `${MOSIP_DEV}/commons/v1/packetmanager/createPacket`,
    description: "Packet manager's createPacket endpoint."
  }),
  MOSIP_PROCESS_PACKET_URL: required(httpUrl, {
    group: 'MOSIP login and packets',
    devDefault: `${MOSIP_DEV}/registrationprocessor/v1/workflowmanager/workflowinstance`,
    description:
      "Registration processor's workflowinstance endpoint, which starts processing a packet."
  }),
  // Defaults of the next three derive from other variables: see toBridgeConfig.
  MOSIP_STATUS_URL: optional(httpUrl, {
    group: 'MOSIP status and reconciliation',
    whenUnset:
      'MOSIP_PROCESS_PACKET_URL with its workflow-instance path replaced by the external status search (a gateway prefix is kept)',
    description:
      "MOSIP's .../registrationprocessor/v1/registrationstatus/externalstatus/search, which the reconciliation asks (never /search, which reports rejected packets as PROCESSED)."
  }),
  MOSIP_STATUS_AUTH_CLIENT_ID: optional(token, {
    group: 'MOSIP status and reconciliation',
    whenUnset: 'the packet client (MOSIP_PACKET_AUTH_CLIENT_ID)',
    description:
      'MOSIP client of the status calls; it needs a status role such as REGISTRATION_ADMIN (set with MOSIP_STATUS_AUTH_CLIENT_SECRET).'
  }),
  MOSIP_STATUS_AUTH_CLIENT_SECRET: optional(text, {
    group: 'MOSIP status and reconciliation',
    secret,
    whenUnset: 'the packet client (MOSIP_PACKET_AUTH_CLIENT_SECRET)',
    description: 'Secret key of the status client (set both or neither).'
  }),
  MOSIP_DEACTIVATE_UIN_ON_DEATH: required(lenientBoolean, {
    group: 'MOSIP deaths',
    default: 'false',
    description:
      "Once a death carrying the deceased's UIN is confirmed in OpenCRVS, set that identity's status to DEACTIVATED in MOSIP's ID repository (as MOSIP's Java mediator does; MOSIP's own CRVS_DEATH processing only flags the person deceased)."
  }),
  // Defaults of the next three derive from other variables: see toBridgeConfig.
  MOSIP_IDREPO_URL: optional(httpUrl, {
    group: 'MOSIP deaths',
    whenUnset: 'the origin of MOSIP_CREATE_PACKET_URL with /idrepository/v1/identity/',
    description:
      "MOSIP ID repository's identity endpoint (PATCH .../idrepository/v1/identity/), used only when MOSIP_DEACTIVATE_UIN_ON_DEATH is true."
  }),
  MOSIP_IDREPO_AUTH_CLIENT_ID: optional(token, {
    group: 'MOSIP deaths',
    whenUnset: 'the packet client (MOSIP_PACKET_AUTH_CLIENT_ID)',
    description:
      'MOSIP client of the ID repository calls; it needs a role allowed to update identities (set with MOSIP_IDREPO_AUTH_CLIENT_SECRET).'
  }),
  MOSIP_IDREPO_AUTH_CLIENT_SECRET: optional(text, {
    group: 'MOSIP deaths',
    secret,
    whenUnset: 'the packet client (MOSIP_PACKET_AUTH_CLIENT_SECRET)',
    description: 'Secret key of the ID repository client (set both or neither).'
  }),
  MOSIP_RECONCILE_AFTER_SECONDS: required(integer(1, MAX_THRESHOLD_SECONDS), {
    group: 'MOSIP status and reconciliation',
    default: '1800',
    description:
      'Seconds after its packet reached MOSIP before a registration still waiting is first checked; also the default --older-than of mosip-bridge reconcile.'
  }),
  MOSIP_RECONCILE_INTERVAL_SECONDS: required(integer(1, MAX_TIMER_SECONDS), {
    group: 'MOSIP status and reconciliation',
    default: '300',
    description:
      'Seconds between two checks of a registration, doubling with each unchanged answer; the scheduled pass runs every half of it (0.25 s to 30 s).'
  }),
  MOSIP_RECONCILE_MAX_INTERVAL_SECONDS: required(integer(1, MAX_TIMER_SECONDS), {
    group: 'MOSIP status and reconciliation',
    default: '21600',
    description:
      'Cap of that doubling delay, in seconds (at least MOSIP_RECONCILE_INTERVAL_SECONDS).'
  }),
  MOSIP_STALL_ALERT_SECONDS: required(integer(1, MAX_THRESHOLD_SECONDS), {
    group: 'MOSIP status and reconciliation',
    default: '86400',
    description:
      'A registration still waiting on MOSIP this many seconds after its packet reached MOSIP counts as stalled (metric mosip_bridge_registrations_stalled).'
  }),
  MOSIP_RECONCILE_RESUBMIT_LIMIT: required(integer(0, 100), {
    group: 'MOSIP status and reconciliation',
    default: '3',
    description:
      "Resubmissions MOSIP's answers (RESEND, REREGISTER, unknown id) may cause before the registration goes to needs_attention."
  }),
  MOSIP_WORKFLOW_COMPLETED_TOPIC: required(topicOrNone, {
    group: 'MOSIP status and reconciliation',
    default: MOSIP_WORKFLOW_COMPLETED_TOPIC,
    description:
      "Registration processor's topic subscribed at the hub so that MOSIP's answers arrive before the next check; none: no subscription. The WebSub client needs SUBSCRIBE_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL."
  }),
  // The packet refId is `<center>_<machine>`, so neither may contain `_`.
  MOSIP_CENTER_ID: required(matching(/^[^\s_]+$/, "an id without spaces or '_'"), {
    group: 'MOSIP login and packets',
    devDefault: '10001',
    description:
      "Registration centre of the packets (their refId is <center>_<machine>, so no '_'); 5 digits when MOSIP_REGISTRATION_ID_FORMAT is mosip, as it starts every registration id."
  }),
  MOSIP_MACHINE_ID: required(matching(/^[^\s_]+$/, "an id without spaces or '_'"), {
    group: 'MOSIP login and packets',
    devDefault: '10004',
    description:
      "Registration machine of the packets (no '_'); 5 digits when MOSIP_REGISTRATION_ID_FORMAT is mosip, as characters 6 to 10 of every registration id."
  }),
  DECRYPT_P12_FILE_PATH: required(filePath, {
    group: 'MOSIP credentials',
    devDefault: 'certs/keystore.p12',
    description:
      'PKCS#12 keystore whose private key decrypts the credentials MOSIP delivers (opened once at start-up).'
  }),
  DECRYPT_P12_FILE_PASSWORD: required(text, {
    group: 'MOSIP credentials',
    secret,
    devDefault: 'mosip123',
    description: 'Password of that keystore.'
  }),

  IDA_AUTH_URL: required(httpUrl, {
    group: 'IDA (/verify)',
    devDefault: `${MOSIP_DEV}/idauthentication/v1/auth`,
    description:
      'Base of the IDA authentication URL; requests go to <IDA_AUTH_URL>/<PARTNER_MISP_LK>/<PARTNER_ID>/<PARTNER_APIKEY>.'
  }),
  IDA_AUTH_DOMAIN_URI: required(httpUrl, {
    group: 'IDA (/verify)',
    devDefault: MOSIP_DEV,
    description: 'The domainUri of every IDA request.'
  }),
  // The three PARTNER_* values are path segments of IDA URLs.
  PARTNER_APIKEY: required(pathSegment(), {
    group: 'IDA (/verify)',
    secret,
    devDefault: '123456',
    description: 'API key of the CRVS partner at IDA (a URL path segment).'
  }),
  PARTNER_MISP_LK: required(pathSegment(), {
    group: 'IDA (/verify)',
    secret,
    devDefault: 'aaaaaAAAAA'.repeat(4),
    description: 'MISP licence key (a URL path segment).'
  }),
  PARTNER_ID: required(pathSegment(), {
    group: 'IDA (/verify)',
    devDefault: 'crvs-partner',
    description: 'Partner id of the CRVS partner at IDA (a URL path segment).'
  }),
  ENCRYPT_CERT_PATH: required(filePath, {
    group: 'IDA (/verify)',
    devDefault: 'certs/ida-partner.crt',
    description:
      "IDA's certificate (PEM): each request's key is encrypted to it and its thumbprint is sent."
  }),
  SIGN_P12_FILE_PATH: required(filePath, {
    group: 'IDA (/verify)',
    devDefault: 'certs/keystore.p12',
    description: 'PKCS#12 keystore whose key signs IDA requests (read once at start-up).'
  }),
  SIGN_P12_FILE_PASSWORD: required(text, {
    group: 'IDA (/verify)',
    secret,
    devDefault: 'mosip123',
    description: 'Password of that keystore.'
  }),
  IDA_INDIVIDUAL_ID_TYPE: required(individualIdType, {
    group: 'IDA (/verify)',
    default: 'UIN',
    description:
      'The individualIdType sent to IDA: UIN, VID, or auto (a 16-digit id is a VID, any other a UIN); mosip-api always sent UIN.'
  }),
  IDA_AUTH_ENV: required(token, {
    group: 'IDA (/verify)',
    default: 'Staging',
    description: 'The env of every IDA request, which IDA checks (mosip-api always sent Staging).'
  }),
  IDA_LANGUAGE: required(matching(/^[a-z]{2,3}$/, 'a language code such as eng'), {
    group: 'IDA (/verify)',
    default: 'eng',
    description: 'Language code of the name and gender sent to IDA.'
  }),
  VERIFY_RATE_LIMIT_PER_MINUTE: required(integer(0, 100_000), {
    group: 'IDA (/verify)',
    default: '60',
    description:
      'Calls per minute each caller (the token subject) may make to POST /verify and to the E-Signet route, per instance; above it the answer is 429 with Retry-After. 0: no limit.'
  }),
  VERIFY_MISMATCH_DETAILS: required(lenientBoolean, {
    group: 'IDA (/verify)',
    default: 'false',
    description:
      "Return IDA's reasons for a mismatch (which attribute, IDA's message) in /verify's JSON answer; off, only the error codes are returned, so answers cannot be used to probe identities attribute by attribute."
  }),
  VERIFY_REQUIRED_SCOPE: optional(scopeOrNone, {
    group: 'IDA (/verify)',
    whenUnset: 'no scope check',
    description: 'Scope a token on POST /verify must carry; none: no scope check.'
  }),

  ESIGNET_USERINFO_URL: required(httpUrl, {
    group: 'E-Signet',
    devDefault: `${ESIGNET_DEV}/oidc/userinfo`,
    description: "E-Signet's userinfo endpoint."
  }),
  ESIGNET_TOKEN_URL: required(httpUrl, {
    group: 'E-Signet',
    devDefault: `${ESIGNET_DEV}/oauth/token`,
    description: "E-Signet's token endpoint, also the audience of the client assertion."
  }),
  OIDP_CLIENT_PRIVATE_KEY_PATH: required(filePath, {
    group: 'E-Signet',
    devDefault: 'certs/esignet-jwk.txt',
    description:
      "File holding the base64 of the relying party's private JWK, which signs the client assertion (private_key_jwt)."
  }),
  OIDP_CLIENT_ENCRYPTION_KEY_PATH: optional(filePath, {
    group: 'E-Signet',
    whenUnset: 'encrypted userinfo is decrypted with the key of OIDP_CLIENT_PRIVATE_KEY_PATH',
    description:
      "File holding the relying party's private encryption key (same format as OIDP_CLIENT_PRIVATE_KEY_PATH), which decrypts E-Signet's encrypted userinfo when the client registered a separate encryption key."
  }),
  ESIGNET_JWKS_URL: optional(httpUrl, {
    group: 'E-Signet',
    whenUnset: "found through E-Signet's .well-known/openid-configuration",
    description: "E-Signet's JWKS, against which the signature of every userinfo is verified."
  }),
  ESIGNET_EXPECTED_STATE: optional(
    matching(/^[^\s,]+(,[^\s,]+)*$/, 'a comma-separated list of state values'),
    {
      group: 'E-Signet',
      whenUnset: 'state not checked (as mosip-api)',
      description: 'Comma-separated state values a login may carry.'
    }
  ),
  ESIGNET_REQUIRED_SCOPE: optional(scopeOrNone, {
    group: 'E-Signet',
    whenUnset: 'no scope check',
    description:
      'Scope a token on POST /esignet/get-oidp-user-info must carry; none: no scope check.'
  }),

  MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST: deprecated(
    "mosip-api 1.9's list of credential verification method URLs (its check was switched off); the bridge checks the thumbprint of the certificate a credential is encrypted to instead."
  ),
  MOSIP_BIRTH_WEBHOOK_URL: deprecated('Defined by mosip-api 1.9 and never used.'),
  MOSIP_DEATH_WEBHOOK_URL: deprecated('Defined by mosip-api 1.9 and never used.'),
  OPENID_PROVIDER_CLAIMS: deprecated('Defined by mosip-api and never used.')
})

export type VariableName = keyof typeof variables.shape

/** Every variable the bridge reads, in the order problems and descriptions list them. */
export const variableNames = Object.keys(variables.shape) as VariableName[]

/** The facts registered for a variable, or undefined for a name the bridge does not read. */
export function variableInfoOf(name: string): VariableInfo | undefined {
  const schema = (variables.shape as Record<string, z.ZodType | undefined>)[name]
  return schema === undefined ? undefined : variableInfo.get(schema)
}

export function isSecretVariable(name: string): boolean {
  return variableInfoOf(name)?.secret === true
}
