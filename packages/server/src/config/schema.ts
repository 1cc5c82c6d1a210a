/**
 * The bridge's environment, described once.
 *
 * Variable names, defaults and the "development default only means required in production" rule
 * follow the reference `mosip-api` (envalid semantics), so an existing deployment can switch by
 * changing the image. The schema turns the raw environment into a nested, typed `BridgeConfig`.
 *
 * How the schema is put together, so that every problem is reported at once:
 * 1. `applyDefaults` (a zod preprocess step) keeps only the variables known here, treats empty or
 *    blank values as unset, and fills defaults: `default` everywhere, `devDefault` outside
 *    production. A variable with only a `devDefault` therefore stays unset in production, and its
 *    field reports it as required.
 * 2. Each field checks its own format and never looks at another variable.
 * 3. One refinement applies the rules that involve several variables; each rule runs whenever the
 *    variables it reads are individually valid, even if other fields failed.
 * 4. A final transform builds `BridgeConfig` (it runs only when everything is valid).
 *
 * Messages never contain the value of a variable marked `secret`.
 */
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { joinUrl } from '../core/join-url.js'

export const NODE_ENVS = ['development', 'production', 'test'] as const
export type NodeEnv = (typeof NODE_ENVS)[number]

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface ServerConfig {
  port: number
  host: string
  /** CORS origin of the OpenCRVS client application. */
  clientAppUrl: string
  locale: string
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

export interface MosipWebsubConfig {
  hubUrl: string
  topic: string
  callbackUrl: string
  /** `hub.secret`, also the HMAC key of deliveries. */
  secret: string
  /** Credentials used to subscribe at the hub. */
  client: ClientCredentials
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
  websub: MosipWebsubConfig
  credential: {
    /** credentialSubject key copied into `child.nid`. */
    nationalIdKey: string
    decryptP12Path: string
    decryptP12Password: string
    /** Refuse credentials encrypted to a certificate whose thumbprint we do not know. */
    checkThumbprint: boolean
    /** SHA-256 thumbprints accepted besides our keystore's certificates (MOSIP's signed copy). */
    extraThumbprints: Buffer[]
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
}

export interface EsignetConfig {
  userinfoUrl: string
  tokenUrl: string
  clientPrivateKeyPath: string
  /** E-Signet's JWKS; undefined: found through `.well-known/openid-configuration`. */
  jwksUrl: string | undefined
  /** Accepted `state` values of a login; undefined: not checked (as mosip-api). */
  expectedStates: string[] | undefined
  /** Scope an `/esignet/get-oidp-user-info` token must carry; undefined: none. */
  requiredScope: string | undefined
}

export type ConfirmationTokenMode = 'stored-token' | 'token-exchange' | 'system-client'

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
  /** Prefix of the 15-digit MOSIP transaction id. */
  transactionIdPrefix: string
  pipeline: PipelineConfig
  opencrvs: OpencrvsConfig
  mosip: MosipConfig
  ida: IdaConfig
  esignet: EsignetConfig
  /** Deprecated mosip-api variables that were set and are ignored (for a start-up notice). */
  ignoredVariables: string[]
}

/** Facts about a variable that its field schema does not express. */
export interface VariableInfo {
  /** Used in every environment when the variable is unset. */
  default?: string
  /** Used outside production only; a variable with only this default is required in production. */
  devDefault?: string
  /** Never echoed in problems; masked by `describeConfig`. */
  secret?: boolean
  /** Accepted for compatibility with mosip-api, then ignored. */
  deprecated?: boolean
}

export const variableInfo = z.registry<VariableInfo>()

export const DEFAULT_SQLITE_PATH = 'data/sqlite/mosip-api.db'
const DEV_OPENCRVS_AUTH_URL = 'http://localhost:4040'
const MAX_TIMER_MS = 2_147_483_647 // setTimeout's limit; longer delays fire at once
const DAY_MS = 86_400_000

// ---------------------------------------------------------------------------------------------
// Value parsers: raw string → value, or INVALID. Each comes with the phrase used in messages.

const INVALID = Symbol('invalid')
type Parsed<T> = T | typeof INVALID

interface Format<T> {
  /** What a valid value looks like, e.g. "an integer from 1 to 65535". */
  expected: string
  parse: (raw: string) => Parsed<T>
}

const text: Format<string> = { expected: 'a non-empty string', parse: (raw) => raw }

const filePath: Format<string> = { expected: 'a file path', parse: (raw) => raw }

const token: Format<string> = {
  expected: 'a value without spaces',
  parse: (raw) => (/\s/.test(raw) ? INVALID : raw)
}

const httpUrl: Format<string> = {
  expected: 'an http(s) URL',
  parse: (raw) => {
    if (/\s/.test(raw) || !URL.canParse(raw)) return INVALID
    const { protocol } = new URL(raw)
    return protocol === 'http:' || protocol === 'https:' ? raw : INVALID
  }
}

const postgresUrl: Format<string> = {
  expected: 'a postgres:// or postgresql:// URL',
  parse: (raw) => {
    const value = raw.trim()
    if (/\s/.test(value) || !URL.canParse(value)) return INVALID
    const { protocol } = new URL(value)
    return protocol === 'postgres:' || protocol === 'postgresql:' ? value : INVALID
  }
}

function integer(min: number, max: number = Number.MAX_SAFE_INTEGER): Format<number> {
  return {
    expected:
      max === Number.MAX_SAFE_INTEGER
        ? `an integer of at least ${min}`
        : `an integer from ${min} to ${max}`,
    parse: (raw) => {
      if (!/^\d+$/.test(raw)) return INVALID
      const value = Number(raw)
      return Number.isSafeInteger(value) && value >= min && value <= max ? value : INVALID
    }
  }
}

function oneOf<T extends string>(choices: readonly T[], caseInsensitive = false): Format<T> {
  return {
    expected: `one of ${choices.join(', ')}`,
    parse: (raw) => {
      const value = caseInsensitive ? raw.toLowerCase() : raw
      return (choices as readonly string[]).includes(value) ? (value as T) : INVALID
    }
  }
}

/** An OpenCRVS scope to require, or `none` (any case) for no scope check. */
const scopeOrNone: Format<string | undefined> = {
  expected: "a scope without spaces, or 'none'",
  parse: (raw) => (/\s/.test(raw) ? INVALID : raw.toLowerCase() === 'none' ? undefined : raw)
}

const individualIdType: Format<IdaIndividualIdType> = {
  expected: 'UIN, VID or auto',
  parse: (raw) => {
    const value = raw.toUpperCase()
    if (value === 'UIN' || value === 'VID') return value
    return value === 'AUTO' ? 'auto' : INVALID
  }
}

function matching(pattern: RegExp, expected: string): Format<string> {
  return { expected, parse: (raw) => (pattern.test(raw) ? raw : INVALID) }
}

/** Like envalid's `bool`; anything unrecognised is false (UNSAFE_DEBUG_LOG must never fail). */
const lenientBoolean: Format<boolean> = {
  expected: 'true or false',
  parse: (raw) => ['true', 't', '1', 'yes', 'y', 'on'].includes(raw.toLowerCase())
}

/** 32 bytes as standard base64 (44 characters, one `=`) or hex (64 characters). */
export function decodeEncryptionKey(raw: string): Buffer | undefined {
  const value = raw.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex')
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) {
    const key = Buffer.from(value, 'base64')
    return key.length === 32 ? key : undefined
  }
  return undefined
}

const encryptionKey: Format<Buffer> = {
  expected: '32 bytes, base64 or hex',
  parse: (raw) => decodeEncryptionKey(raw) ?? INVALID
}

const encryptionKeyList: Format<Buffer[]> = {
  expected: 'a comma-separated list of keys of 32 bytes, base64 or hex',
  parse: (raw) => {
    const keys: Buffer[] = []
    for (const part of raw.split(',')) {
      if (part.trim() === '') continue
      const key = decodeEncryptionKey(part)
      if (key === undefined) return INVALID
      keys.push(key)
    }
    return keys
  }
}

// ---------------------------------------------------------------------------------------------
// Field builders

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

function optional<T>(format: Format<T>, info: VariableInfo = {}) {
  return field(format, info).optional().register(variableInfo, info)
}

function deprecated() {
  return z.string().optional().register(variableInfo, { deprecated: true })
}

const secret = true
const MOSIP_DEV = 'http://localhost:20240'
const ESIGNET_DEV = 'http://localhost:20260'

const fields = z
  .object({
    NODE_ENV: required(oneOf(NODE_ENVS), { default: 'development' }),
    LOG_LEVEL: required(oneOf(LOG_LEVELS, true), { default: 'info', devDefault: 'debug' }),
    UNSAFE_DEBUG_LOG: required(lenientBoolean, { default: 'false' }),

    PORT: required(integer(1, 65535), { default: '2024' }),
    HOST: required(matching(/^[A-Za-z0-9._:%[\]-]+$/, 'a host name or IP address'), {
      default: '0.0.0.0',
      devDefault: 'localhost'
    }),
    LOCALE: required(
      matching(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'a locale such as en or fr'),
      { devDefault: 'en' }
    ),
    CLIENT_APP_URL: required(httpUrl, { devDefault: 'http://localhost:3000' }),

    SQLITE_DATABASE_PATH: optional(filePath, { devDefault: DEFAULT_SQLITE_PATH }),
    DATABASE_URL: optional(postgresUrl, { secret }),
    DATA_ENCRYPTION_KEY: optional(encryptionKey, { secret }),
    DATA_ENCRYPTION_KEY_FILE: optional(filePath),
    DATA_ENCRYPTION_PREVIOUS_KEYS: optional(encryptionKeyList, { secret }),

    JOB_CONCURRENCY: required(integer(1), { default: '4' }),
    JOB_LEASE_SECONDS: required(integer(1, Math.floor(MAX_TIMER_MS / 1000)), { default: '60' }),
    JOB_POLL_INTERVAL_MS: required(integer(10, MAX_TIMER_MS), { default: '500' }),
    JOB_MAX_ATTEMPTS: required(integer(1), { default: '10' }),
    JOB_BACKOFF_BASE_MS: required(integer(1, MAX_TIMER_MS), { default: '1000' }),
    JOB_BACKOFF_MAX_MS: required(integer(1, MAX_TIMER_MS), { default: '3600000' }),
    JOB_RETENTION_DAYS: required(integer(1, 36500), { default: '7' }),
    SHUTDOWN_TIMEOUT_MS: required(integer(0, MAX_TIMER_MS), { default: '15000' }),

    TRANSACTION_ID_PREFIX: required(matching(/^\d{1,10}$/, '1 to 10 digits'), {
      default: '10001'
    }),
    OPENCRVS_INTAKE_SCOPE: required(token, { default: 'record.confirm-registration' }),
    OPENCRVS_JWT_AUDIENCES: required(
      matching(/^[^\s,]+(,[^\s,]+)*$/, 'a comma-separated list of audiences'),
      { default: 'opencrvs:countryconfig-user' }
    ),
    OPENCRVS_CONFIRMATION_TOKEN: optional(
      oneOf(['stored-token', 'token-exchange', 'system-client'] as const)
    ),
    OPENCRVS_NATIONAL_ID_FIELD_ID: required(token, { default: 'child.nid' }),
    MOSIP_CREDENTIAL_CHECK_THUMBPRINT: required(lenientBoolean, { default: 'true' }),
    MOSIP_CREDENTIAL_EXTRA_THUMBPRINTS: optional(
      matching(/^[0-9a-fA-F]{64}(,[0-9a-fA-F]{64})*$/, 'comma-separated SHA-256 thumbprints in hex')
    ),
    REJECT_ON_FAILURE: required(lenientBoolean, { default: 'true' }),
    MOSIP_PACKET_SOURCE: required(token, { default: 'CRVS1' }),
    MOSIP_PACKET_SCHEMA_VERSION: required(matching(/^\d+(\.\d+)?$/, 'a number such as 0.500'), {
      default: '0.500'
    }),
    MOSIP_WEBSUB_RESUBSCRIBE_SECONDS: required(integer(1, 30 * 24 * 3600), { default: '21600' }),
    OUTBOUND_TIMEOUT_MS: required(integer(100, MAX_TIMER_MS), { default: '15000' }),
    BODY_LIMIT_BYTES: required(integer(1024, 512 * 1024 * 1024), { default: '2097152' }),

    OPENCRVS_GATEWAY_URL: required(httpUrl, { devDefault: 'http://localhost:7070' }),
    // Defaults of the next two depend on each other: see resolveOpencrvsAuth.
    OPENCRVS_AUTH_URL: optional(httpUrl),
    OPENCRVS_PUBLIC_KEY_URL: optional(httpUrl),
    OPENCRVS_CLIENT_ID: optional(token),
    OPENCRVS_CLIENT_SECRET: optional(text, { secret }),

    MOSIP_AUTH_URL: required(httpUrl, {
      devDefault: `${MOSIP_DEV}/v1/authmanager/authenticate/clientidsecretkey`
    }),
    MOSIP_AUTH_CLIENT_APP_ID: required(token, { default: 'admin' }),
    MOSIP_PACKET_AUTH_CLIENT_ID: required(token, { devDefault: 'mosip-regproc-client' }),
    MOSIP_PACKET_AUTH_CLIENT_SECRET: required(text, { secret, devDefault: 'abcdeABCDE123456' }),
    MOSIP_WEBSUB_AUTH_CLIENT_ID: required(token, { devDefault: 'mosip-websub-client' }),
    MOSIP_WEBSUB_AUTH_CLIENT_SECRET: required(text, { secret, devDefault: 'abcdeABCDE123456' }),
    MOSIP_WEBSUB_HUB_URL: required(httpUrl, { devDefault: `${MOSIP_DEV}/websub/hub` }),
    MOSIP_WEBSUB_SECRET: required(text, { secret, devDefault: 'mosip-websub-secret' }),
    MOSIP_WEBSUB_TOPIC: required(token, { devDefault: 'CREDENTIAL_ISSUED' }),
    MOSIP_WEBSUB_CALLBACK_URL: required(httpUrl, {
      devDefault: 'http://localhost:2024/websub/callback'
    }),
    MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY: required(token, { default: 'UIN' }),
    MOSIP_CREATE_PACKET_URL: required(httpUrl, {
      devDefault: `${MOSIP_DEV}/commons/v1/packetmanager/createPacket`
    }),
    MOSIP_PROCESS_PACKET_URL: required(httpUrl, {
      devDefault: `${MOSIP_DEV}/registrationprocessor/v1/workflowmanager/workflowinstance`
    }),
    // The packet refId is `<center>_<machine>`, so neither may contain `_`.
    MOSIP_CENTER_ID: required(matching(/^[^\s_]+$/, "an id without spaces or '_'"), {
      devDefault: '10001'
    }),
    MOSIP_MACHINE_ID: required(matching(/^[^\s_]+$/, "an id without spaces or '_'"), {
      devDefault: '10004'
    }),
    DECRYPT_P12_FILE_PATH: required(filePath, { devDefault: 'certs/keystore.p12' }),
    DECRYPT_P12_FILE_PASSWORD: required(text, { secret, devDefault: 'mosip123' }),

    IDA_AUTH_URL: required(httpUrl, { devDefault: `${MOSIP_DEV}/idauthentication/v1/auth` }),
    IDA_AUTH_DOMAIN_URI: required(httpUrl, { devDefault: MOSIP_DEV }),
    // The three PARTNER_* values are path segments of IDA URLs.
    PARTNER_APIKEY: required(pathSegment(), { secret, devDefault: '123456' }),
    PARTNER_MISP_LK: required(pathSegment(), { secret, devDefault: 'aaaaaAAAAA'.repeat(4) }),
    PARTNER_ID: required(pathSegment(), { devDefault: 'crvs-partner' }),
    ENCRYPT_CERT_PATH: required(filePath, { devDefault: 'certs/ida-partner.crt' }),
    SIGN_P12_FILE_PATH: required(filePath, { devDefault: 'certs/keystore.p12' }),
    SIGN_P12_FILE_PASSWORD: required(text, { secret, devDefault: 'mosip123' }),
    IDA_INDIVIDUAL_ID_TYPE: required(individualIdType, { default: 'UIN' }),
    IDA_AUTH_ENV: required(token, { default: 'Staging' }),
    IDA_LANGUAGE: required(matching(/^[a-z]{2,3}$/, 'a language code such as eng'), {
      default: 'eng'
    }),
    VERIFY_REQUIRED_SCOPE: optional(scopeOrNone),

    ESIGNET_USERINFO_URL: required(httpUrl, { devDefault: `${ESIGNET_DEV}/oidc/userinfo` }),
    ESIGNET_TOKEN_URL: required(httpUrl, { devDefault: `${ESIGNET_DEV}/oauth/token` }),
    OIDP_CLIENT_PRIVATE_KEY_PATH: required(filePath, { devDefault: 'certs/esignet-jwk.txt' }),
    ESIGNET_JWKS_URL: optional(httpUrl),
    ESIGNET_EXPECTED_STATE: optional(
      matching(/^[^\s,]+(,[^\s,]+)*$/, 'a comma-separated list of state values')
    ),
    ESIGNET_REQUIRED_SCOPE: optional(scopeOrNone),

    MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST: deprecated(),
    MOSIP_BIRTH_WEBHOOK_URL: deprecated(),
    MOSIP_DEATH_WEBHOOK_URL: deprecated(),
    OPENID_PROVIDER_CLAIMS: deprecated()
  })
  .superRefine(
    (env, ctx) => {
      // Variables whose own field failed: rules reading them are skipped.
      const failed = new Set(ctx.issues.map((issue) => issue.path?.[0]))
      const valid = (...names: VariableName[]) => names.every((name) => !failed.has(name))
      const problem = (variable: VariableName, message: string) =>
        ctx.addIssue({ code: 'custom', path: [variable], message })
      const production = valid('NODE_ENV') && env.NODE_ENV === 'production'

      if (
        production &&
        valid('DATABASE_URL', 'SQLITE_DATABASE_PATH') &&
        env.DATABASE_URL === undefined &&
        env.SQLITE_DATABASE_PATH === undefined
      ) {
        problem(
          'SQLITE_DATABASE_PATH',
          'required when NODE_ENV=production and DATABASE_URL is not set (a file path)'
        )
      }

      if (
        valid('OPENCRVS_CONFIRMATION_TOKEN', 'OPENCRVS_CLIENT_ID') &&
        (env.OPENCRVS_CONFIRMATION_TOKEN === 'token-exchange' ||
          env.OPENCRVS_CONFIRMATION_TOKEN === 'system-client') &&
        env.OPENCRVS_CLIENT_ID === undefined
      ) {
        problem(
          'OPENCRVS_CLIENT_ID',
          `required when OPENCRVS_CONFIRMATION_TOKEN=${env.OPENCRVS_CONFIRMATION_TOKEN} (the system client that confirms registrations)`
        )
      }

      if (valid('OPENCRVS_CLIENT_ID', 'OPENCRVS_CLIENT_SECRET')) {
        if (env.OPENCRVS_CLIENT_ID !== undefined && env.OPENCRVS_CLIENT_SECRET === undefined) {
          problem('OPENCRVS_CLIENT_SECRET', 'required when OPENCRVS_CLIENT_ID is set')
        }
        if (env.OPENCRVS_CLIENT_SECRET !== undefined && env.OPENCRVS_CLIENT_ID === undefined) {
          problem('OPENCRVS_CLIENT_ID', 'required when OPENCRVS_CLIENT_SECRET is set')
        }
      }

      if (valid('OPENCRVS_AUTH_URL', 'OPENCRVS_PUBLIC_KEY_URL')) {
        const auth = resolveOpencrvsAuth(
          env.OPENCRVS_AUTH_URL,
          env.OPENCRVS_PUBLIC_KEY_URL,
          production
        )
        if (auth.publicKeyUrl === undefined) {
          problem(
            'OPENCRVS_AUTH_URL',
            'required when NODE_ENV=production unless OPENCRVS_PUBLIC_KEY_URL is set (an http(s) URL)'
          )
        } else if (
          auth.authUrl === undefined &&
          valid('OPENCRVS_CLIENT_ID') &&
          env.OPENCRVS_CLIENT_ID !== undefined
        ) {
          problem('OPENCRVS_AUTH_URL', 'required when OPENCRVS_CLIENT_ID is set (an http(s) URL)')
        }
      }

      if (
        valid('JOB_BACKOFF_BASE_MS', 'JOB_BACKOFF_MAX_MS') &&
        env.JOB_BACKOFF_MAX_MS < env.JOB_BACKOFF_BASE_MS
      ) {
        problem(
          'JOB_BACKOFF_MAX_MS',
          `expected an integer of at least JOB_BACKOFF_BASE_MS (${env.JOB_BACKOFF_BASE_MS}), got ${env.JOB_BACKOFF_MAX_MS}`
        )
      }
    },
    // Run even when some fields failed, so that every problem is reported in one go.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null }
  )

type Environment = z.output<typeof fields>
export type VariableName = keyof typeof fields.shape

function pathSegment(): Format<string> {
  return matching(/^[^\s/?#]+$/, "a single URL path segment without spaces, '/', '?' or '#'")
}

/**
 * B deployments give OPENCRVS_PUBLIC_KEY_URL, C deployments OPENCRVS_AUTH_URL (key at
 * `/.well-known`). Either one is enough; the other is derived when possible. Outside production,
 * with neither set, both point at the local OpenCRVS auth service.
 */
function resolveOpencrvsAuth(
  authUrl: string | undefined,
  publicKeyUrl: string | undefined,
  production: boolean
): { authUrl: string | undefined; publicKeyUrl: string | undefined } {
  if (authUrl === undefined && publicKeyUrl === undefined && !production) {
    authUrl = DEV_OPENCRVS_AUTH_URL
  }
  const wellKnown = /\/\.well-known\/?$/
  return {
    authUrl:
      authUrl ??
      (publicKeyUrl !== undefined && wellKnown.test(publicKeyUrl)
        ? publicKeyUrl.replace(wellKnown, '')
        : undefined),
    publicKeyUrl:
      publicKeyUrl ?? (authUrl === undefined ? undefined : joinUrl(authUrl, '.well-known').href)
  }
}

/** Keeps the known variables, treats blank values as unset and fills in the defaults. */
function applyDefaults(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input
  const raw = input as Record<string, unknown>
  const read = (name: string, info: VariableInfo | undefined): unknown => {
    const value = raw[name]
    if (typeof value !== 'string') return value
    if (value.trim() === '') return undefined
    // Secrets are taken verbatim; other values lose surrounding whitespace.
    return info?.secret ? value : value.trim()
  }
  const production = read('NODE_ENV', undefined) === 'production'
  const env: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(fields.shape)) {
    const info = variableInfo.get(schema)
    const fallback = production ? info?.default : (info?.devDefault ?? info?.default)
    const value = read(name, info) ?? fallback
    if (value !== undefined) env[name] = value
  }
  return env
}

function toBridgeConfig(env: Environment): BridgeConfig {
  const production = env.NODE_ENV === 'production'
  const opencrvsAuth = resolveOpencrvsAuth(
    env.OPENCRVS_AUTH_URL,
    env.OPENCRVS_PUBLIC_KEY_URL,
    production
  )
  return {
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    unsafeDebugLog: env.UNSAFE_DEBUG_LOG,
    server: {
      port: env.PORT,
      host: env.HOST,
      clientAppUrl: env.CLIENT_APP_URL,
      locale: env.LOCALE
    },
    database:
      env.DATABASE_URL !== undefined
        ? { kind: 'postgres', url: env.DATABASE_URL }
        : { kind: 'sqlite', sqlitePath: settled(env.SQLITE_DATABASE_PATH, 'SQLITE_DATABASE_PATH') },
    encryption: {
      key: env.DATA_ENCRYPTION_KEY,
      keyFile:
        env.DATA_ENCRYPTION_KEY_FILE ??
        join(
          env.DATABASE_URL === undefined
            ? dirname(settled(env.SQLITE_DATABASE_PATH, 'SQLITE_DATABASE_PATH'))
            : 'data',
          'mosip-bridge-data.key'
        ),
      previousKeys: env.DATA_ENCRYPTION_PREVIOUS_KEYS ?? []
    },
    queue: {
      concurrency: env.JOB_CONCURRENCY,
      leaseMs: env.JOB_LEASE_SECONDS * 1000,
      pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
      maxAttempts: env.JOB_MAX_ATTEMPTS,
      backoffBaseMs: env.JOB_BACKOFF_BASE_MS,
      backoffMaxMs: env.JOB_BACKOFF_MAX_MS,
      retentionMs: env.JOB_RETENTION_DAYS * DAY_MS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS
    },
    transactionIdPrefix: env.TRANSACTION_ID_PREFIX,
    pipeline: {
      intakeScope:
        env.OPENCRVS_INTAKE_SCOPE.toLowerCase() === 'none' ? undefined : env.OPENCRVS_INTAKE_SCOPE,
      jwtAudiences: env.OPENCRVS_JWT_AUDIENCES.split(','),
      confirmationToken:
        env.OPENCRVS_CONFIRMATION_TOKEN ??
        (env.OPENCRVS_CLIENT_ID !== undefined ? 'token-exchange' : 'stored-token'),
      nationalIdFieldId: env.OPENCRVS_NATIONAL_ID_FIELD_ID,
      rejectOnFailure: env.REJECT_ON_FAILURE,
      packetSource: env.MOSIP_PACKET_SOURCE,
      schemaVersion: env.MOSIP_PACKET_SCHEMA_VERSION,
      resubscribeMs: env.MOSIP_WEBSUB_RESUBSCRIBE_SECONDS * 1000,
      outboundTimeoutMs: env.OUTBOUND_TIMEOUT_MS,
      bodyLimitBytes: env.BODY_LIMIT_BYTES
    },
    opencrvs: {
      gatewayUrl: env.OPENCRVS_GATEWAY_URL,
      authUrl: opencrvsAuth.authUrl,
      publicKeyUrl: settled(opencrvsAuth.publicKeyUrl, 'OPENCRVS_AUTH_URL'),
      systemClient:
        env.OPENCRVS_CLIENT_ID !== undefined && env.OPENCRVS_CLIENT_SECRET !== undefined
          ? { clientId: env.OPENCRVS_CLIENT_ID, clientSecret: env.OPENCRVS_CLIENT_SECRET }
          : undefined
    },
    mosip: {
      authUrl: env.MOSIP_AUTH_URL,
      authClientAppId: env.MOSIP_AUTH_CLIENT_APP_ID,
      packetClient: {
        clientId: env.MOSIP_PACKET_AUTH_CLIENT_ID,
        clientSecret: env.MOSIP_PACKET_AUTH_CLIENT_SECRET
      },
      createPacketUrl: env.MOSIP_CREATE_PACKET_URL,
      processPacketUrl: env.MOSIP_PROCESS_PACKET_URL,
      centerId: env.MOSIP_CENTER_ID,
      machineId: env.MOSIP_MACHINE_ID,
      websub: {
        hubUrl: env.MOSIP_WEBSUB_HUB_URL,
        topic: env.MOSIP_WEBSUB_TOPIC,
        callbackUrl: env.MOSIP_WEBSUB_CALLBACK_URL,
        secret: env.MOSIP_WEBSUB_SECRET,
        client: {
          clientId: env.MOSIP_WEBSUB_AUTH_CLIENT_ID,
          clientSecret: env.MOSIP_WEBSUB_AUTH_CLIENT_SECRET
        }
      },
      credential: {
        nationalIdKey: env.MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY,
        checkThumbprint: env.MOSIP_CREDENTIAL_CHECK_THUMBPRINT,
        extraThumbprints: (env.MOSIP_CREDENTIAL_EXTRA_THUMBPRINTS ?? '')
          .split(',')
          .filter((hex) => hex !== '')
          .map((hex) => Buffer.from(hex, 'hex')),
        decryptP12Path: env.DECRYPT_P12_FILE_PATH,
        decryptP12Password: env.DECRYPT_P12_FILE_PASSWORD
      }
    },
    ida: {
      authUrl: env.IDA_AUTH_URL,
      authDomainUri: env.IDA_AUTH_DOMAIN_URI,
      partner: {
        apiKey: env.PARTNER_APIKEY,
        mispLicenseKey: env.PARTNER_MISP_LK,
        id: env.PARTNER_ID
      },
      encryptCertPath: env.ENCRYPT_CERT_PATH,
      signP12Path: env.SIGN_P12_FILE_PATH,
      signP12Password: env.SIGN_P12_FILE_PASSWORD,
      individualIdType: env.IDA_INDIVIDUAL_ID_TYPE,
      env: env.IDA_AUTH_ENV,
      language: env.IDA_LANGUAGE,
      verifyScope: env.VERIFY_REQUIRED_SCOPE
    },
    esignet: {
      userinfoUrl: env.ESIGNET_USERINFO_URL,
      tokenUrl: env.ESIGNET_TOKEN_URL,
      clientPrivateKeyPath: env.OIDP_CLIENT_PRIVATE_KEY_PATH,
      jwksUrl: env.ESIGNET_JWKS_URL,
      expectedStates: env.ESIGNET_EXPECTED_STATE?.split(','),
      requiredScope: env.ESIGNET_REQUIRED_SCOPE
    },
    ignoredVariables: variableNames.filter(
      (name) => variableInfo.get(fields.shape[name])?.deprecated && env[name] !== undefined
    )
  }
}

/** A value the refinement has already guaranteed; reaching the throw would be a bug here. */
function settled<T>(value: T | undefined, variable: VariableName): T {
  if (value === undefined) throw new Error(`config: ${variable} unexpectedly unresolved`)
  return value
}

/** Every variable the bridge reads, in the order problems and descriptions list them. */
export const variableNames = Object.keys(fields.shape) as VariableName[]

export function isSecretVariable(name: string): boolean {
  const schema = (fields.shape as Record<string, z.ZodType | undefined>)[name]
  return schema !== undefined && variableInfo.get(schema)?.secret === true
}

export function isDeprecatedVariable(name: string): boolean {
  const schema = (fields.shape as Record<string, z.ZodType | undefined>)[name]
  return schema !== undefined && variableInfo.get(schema)?.deprecated === true
}

/** The environment (a `Record<string, string | undefined>`) → `BridgeConfig`. */
export const environmentSchema = z.preprocess(applyDefaults, fields).transform(toBridgeConfig)
