/**
 * The table of environment variables: name, format, defaults and whether the value is secret.
 *
 * Names, defaults and the "development default only means required in production" rule follow the
 * reference `mosip-api` (envalid semantics), so an existing deployment can switch by changing the
 * image. Messages never contain the value of a variable marked `secret`.
 */
import { z } from 'zod'
import { MOSIP_WORKFLOW_COMPLETED_TOPIC } from '@mosip-bridge/contracts'
import { LOG_LEVELS, NODE_ENVS } from './config-types.js'
import {
  INVALID,
  encryptionKey,
  encryptionKeyList,
  filePath,
  httpUrl,
  individualIdType,
  integer,
  lenientBoolean,
  matching,
  oneOf,
  pathSegment,
  postgresUrl,
  scopeOrNone,
  text,
  token,
  topicOrNone
} from './value-parsers.js'
import type { Format } from './value-parsers.js'

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

function optional<T>(format: Format<T>, info: VariableInfo = {}) {
  return field(format, info).optional().register(variableInfo, info)
}

function deprecated() {
  return z.string().optional().register(variableInfo, { deprecated: true })
}

const secret = true
const MOSIP_DEV = 'http://localhost:20240'
const ESIGNET_DEV = 'http://localhost:20260'
/**
 * Every variable the bridge reads, each with its format and its defaults. Each field checks its
 * own value only; rules involving several variables are applied when the config is assembled.
 */
export const variables = z.object({
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
  // Defaults of the next three derive from other variables: see toBridgeConfig.
  MOSIP_STATUS_URL: optional(httpUrl),
  MOSIP_STATUS_AUTH_CLIENT_ID: optional(token),
  MOSIP_STATUS_AUTH_CLIENT_SECRET: optional(text, { secret }),
  MOSIP_RECONCILE_AFTER_SECONDS: required(integer(1, MAX_THRESHOLD_SECONDS), { default: '1800' }),
  MOSIP_RECONCILE_INTERVAL_SECONDS: required(integer(1, MAX_TIMER_SECONDS), { default: '300' }),
  MOSIP_RECONCILE_MAX_INTERVAL_SECONDS: required(integer(1, MAX_TIMER_SECONDS), {
    default: '21600'
  }),
  MOSIP_STALL_ALERT_SECONDS: required(integer(1, MAX_THRESHOLD_SECONDS), { default: '86400' }),
  MOSIP_RECONCILE_RESUBMIT_LIMIT: required(integer(0, 100), { default: '3' }),
  MOSIP_WORKFLOW_COMPLETED_TOPIC: required(topicOrNone, {
    default: MOSIP_WORKFLOW_COMPLETED_TOPIC
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
