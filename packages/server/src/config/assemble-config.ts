/**
 * Assembly of the configuration: the raw environment becomes a nested, typed `BridgeConfig`, and
 * every problem is reported at once.
 *
 * 1. `applyDefaults` (a zod preprocess step) keeps only the variables known in the table, treats
 *    empty or blank values as unset, and fills defaults: `default` everywhere, `devDefault` outside
 *    production. A variable with only a `devDefault` therefore stays unset in production, and its
 *    field reports it as required.
 * 2. Each field checks its own format and never looks at another variable (`variables.ts`).
 * 3. One refinement applies the rules that involve several variables; each rule runs whenever the
 *    variables it reads are individually valid, even if other fields failed.
 * 4. A final transform builds `BridgeConfig` (it runs only when everything is valid).
 */
import { dirname, join } from 'node:path'
import { z } from 'zod'
import {
  MOSIP_EXTERNAL_STATUS_SEARCH_PATH,
  MOSIP_IDREPO_IDENTITY_PATH,
  MOSIP_WORKFLOW_INSTANCE_PATH
} from '@mosip-bridge/contracts'
import { joinUrl } from '../core/join-url.js'
import { DEFAULT_DOCUMENT_CATEGORIES, DEFAULT_DOCUMENT_FIELDS } from '../core/packet-documents.js'
import type { BridgeConfig } from './config-types.js'
import { variableInfoOf, variableNames, variables } from './variables.js'
import type { VariableInfo, VariableName } from './variables.js'

const DEV_OPENCRVS_AUTH_URL = 'http://localhost:4040'
const DAY_MS = 86_400_000

/** The variables once each field has parsed its own value. */
type VariableValues = z.output<typeof variables>

/** The rules that involve several variables. */
const crossChecked = variables.superRefine(
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

    if (valid('MOSIP_STATUS_AUTH_CLIENT_ID', 'MOSIP_STATUS_AUTH_CLIENT_SECRET')) {
      // Half of one client and half of another would only fail at MOSIP's login.
      if (
        env.MOSIP_STATUS_AUTH_CLIENT_ID !== undefined &&
        env.MOSIP_STATUS_AUTH_CLIENT_SECRET === undefined
      ) {
        problem(
          'MOSIP_STATUS_AUTH_CLIENT_SECRET',
          'required when MOSIP_STATUS_AUTH_CLIENT_ID is set'
        )
      }
      if (
        env.MOSIP_STATUS_AUTH_CLIENT_SECRET !== undefined &&
        env.MOSIP_STATUS_AUTH_CLIENT_ID === undefined
      ) {
        problem(
          'MOSIP_STATUS_AUTH_CLIENT_ID',
          'required when MOSIP_STATUS_AUTH_CLIENT_SECRET is set'
        )
      }
    }

    if (valid('MOSIP_IDREPO_AUTH_CLIENT_ID', 'MOSIP_IDREPO_AUTH_CLIENT_SECRET')) {
      if (
        env.MOSIP_IDREPO_AUTH_CLIENT_ID !== undefined &&
        env.MOSIP_IDREPO_AUTH_CLIENT_SECRET === undefined
      ) {
        problem(
          'MOSIP_IDREPO_AUTH_CLIENT_SECRET',
          'required when MOSIP_IDREPO_AUTH_CLIENT_ID is set'
        )
      }
      if (
        env.MOSIP_IDREPO_AUTH_CLIENT_SECRET !== undefined &&
        env.MOSIP_IDREPO_AUTH_CLIENT_ID === undefined
      ) {
        problem(
          'MOSIP_IDREPO_AUTH_CLIENT_ID',
          'required when MOSIP_IDREPO_AUTH_CLIENT_SECRET is set'
        )
      }
    }

    if (
      valid('MOSIP_RECONCILE_INTERVAL_SECONDS', 'MOSIP_RECONCILE_MAX_INTERVAL_SECONDS') &&
      env.MOSIP_RECONCILE_MAX_INTERVAL_SECONDS < env.MOSIP_RECONCILE_INTERVAL_SECONDS
    ) {
      problem(
        'MOSIP_RECONCILE_MAX_INTERVAL_SECONDS',
        `expected an integer of at least MOSIP_RECONCILE_INTERVAL_SECONDS (${env.MOSIP_RECONCILE_INTERVAL_SECONDS}), got ${env.MOSIP_RECONCILE_MAX_INTERVAL_SECONDS}`
      )
    }

    if (valid('MOSIP_REGISTRATION_ID_FORMAT') && env.MOSIP_REGISTRATION_ID_FORMAT === 'mosip') {
      // MOSIP's registration processor reads the centre and machine back from fixed positions.
      for (const name of ['MOSIP_CENTER_ID', 'MOSIP_MACHINE_ID'] as const) {
        const value = env[name]
        if (valid(name) && value !== undefined && !/^\d{5}$/.test(value)) {
          problem(
            name,
            `expected 5 digits with MOSIP_REGISTRATION_ID_FORMAT=mosip (registration ids start with the centre and machine ids), got ${value}; or set MOSIP_REGISTRATION_ID_FORMAT=reference`
          )
        }
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

/**
 * The status search beside the workflow-instance API: MOSIP_PROCESS_PACKET_URL with its
 * workflow-instance path replaced (a gateway prefix before it is kept), or its origin plus the
 * status path when it does not end in that path.
 */
function defaultStatusUrl(processPacketUrl: string): string {
  const url = new URL(processPacketUrl)
  const path = url.pathname.replace(/\/+$/, '')
  const prefix = path.endsWith(MOSIP_WORKFLOW_INSTANCE_PATH)
    ? path.slice(0, -MOSIP_WORKFLOW_INSTANCE_PATH.length)
    : ''
  return `${url.origin}${prefix}${MOSIP_EXTERNAL_STATUS_SEARCH_PATH}`
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
  for (const name of variableNames) {
    const info = variableInfoOf(name)
    const fallback = production ? info?.default : (info?.devDefault ?? info?.default)
    const value = read(name, info) ?? fallback
    if (value !== undefined) env[name] = value
  }
  return env
}

function toBridgeConfig(env: VariableValues): BridgeConfig {
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
      ...(env.METRICS_PORT !== undefined ? { metricsPort: env.METRICS_PORT } : {}),
      clientAppUrl: env.CLIENT_APP_URL,
      locale: env.LOCALE,
      trustProxy: env.TRUST_PROXY,
      ...(env.ADMIN_PASSWORD_HASH !== undefined
        ? { adminPasswordHash: env.ADMIN_PASSWORD_HASH }
        : {})
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
      inboxRetentionMs: env.WEBSUB_INBOX_RETENTION_DAYS * DAY_MS,
      historyRetentionMs: env.REGISTRATION_HISTORY_RETENTION_DAYS * DAY_MS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS
    },
    transactionIdPrefix: env.TRANSACTION_ID_PREFIX,
    registrationIdFormat: env.MOSIP_REGISTRATION_ID_FORMAT,
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
      languages: env.MOSIP_LANGUAGES,
      documents: {
        maxBytes: env.MOSIP_DOCUMENT_MAX_BYTES,
        maxCount: env.MOSIP_DOCUMENT_MAX_COUNT,
        categoryOfType: Object.fromEntries(
          Object.entries(env.MOSIP_DOCUMENT_CATEGORIES ?? DEFAULT_DOCUMENT_CATEGORIES).map(
            ([type, category]) => [type, category.toUpperCase()]
          )
        ),
        fieldOfCategory: env.MOSIP_DOCUMENT_FIELDS ?? { ...DEFAULT_DOCUMENT_FIELDS }
      },
      websub: {
        hubUrl: env.MOSIP_WEBSUB_HUB_URL,
        topic: env.MOSIP_WEBSUB_TOPIC,
        callbackUrl: env.MOSIP_WEBSUB_CALLBACK_URL,
        secret: env.MOSIP_WEBSUB_SECRET,
        previousSecrets: env.MOSIP_WEBSUB_PREVIOUS_SECRETS ?? [],
        client: {
          clientId: env.MOSIP_WEBSUB_AUTH_CLIENT_ID,
          clientSecret: env.MOSIP_WEBSUB_AUTH_CLIENT_SECRET
        },
        workflowCompletedTopic: env.MOSIP_WORKFLOW_COMPLETED_TOPIC
      },
      status: {
        url: env.MOSIP_STATUS_URL ?? defaultStatusUrl(env.MOSIP_PROCESS_PACKET_URL),
        client: {
          clientId: env.MOSIP_STATUS_AUTH_CLIENT_ID ?? env.MOSIP_PACKET_AUTH_CLIENT_ID,
          clientSecret: env.MOSIP_STATUS_AUTH_CLIENT_SECRET ?? env.MOSIP_PACKET_AUTH_CLIENT_SECRET
        }
      },
      idRepository: {
        deactivateUinOnDeath: env.MOSIP_DEACTIVATE_UIN_ON_DEATH,
        url:
          env.MOSIP_IDREPO_URL ??
          new URL(MOSIP_IDREPO_IDENTITY_PATH, env.MOSIP_CREATE_PACKET_URL).href,
        client: {
          clientId: env.MOSIP_IDREPO_AUTH_CLIENT_ID ?? env.MOSIP_PACKET_AUTH_CLIENT_ID,
          clientSecret: env.MOSIP_IDREPO_AUTH_CLIENT_SECRET ?? env.MOSIP_PACKET_AUTH_CLIENT_SECRET
        }
      },
      reconcile: {
        afterMs: env.MOSIP_RECONCILE_AFTER_SECONDS * 1000,
        intervalMs: env.MOSIP_RECONCILE_INTERVAL_SECONDS * 1000,
        maxIntervalMs: env.MOSIP_RECONCILE_MAX_INTERVAL_SECONDS * 1000,
        stallAlertMs: env.MOSIP_STALL_ALERT_SECONDS * 1000,
        resubmitLimit: env.MOSIP_RECONCILE_RESUBMIT_LIMIT
      },
      credential: {
        nationalIdKey: env.MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY,
        checkThumbprint: env.MOSIP_CREDENTIAL_CHECK_THUMBPRINT,
        extraThumbprints: (env.MOSIP_CREDENTIAL_EXTRA_THUMBPRINTS ?? '')
          .split(',')
          .filter((hex) => hex !== '')
          .map((hex) => Buffer.from(hex, 'hex')),
        decryptP12Path: env.DECRYPT_P12_FILE_PATH,
        decryptP12Password: env.DECRYPT_P12_FILE_PASSWORD,
        dataShare: {
          allowedOrigins: env.MOSIP_DATASHARE_ALLOWED_ORIGINS ?? [
            ...new Set(
              [
                env.MOSIP_AUTH_URL,
                env.MOSIP_CREATE_PACKET_URL,
                env.MOSIP_PROCESS_PACKET_URL,
                env.MOSIP_WEBSUB_HUB_URL
              ].map((url) => new URL(url).origin)
            )
          ],
          maxBytes: env.MOSIP_DATASHARE_MAX_BYTES
        }
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
      verifyScope: env.VERIFY_REQUIRED_SCOPE,
      rateLimitPerMinute: env.VERIFY_RATE_LIMIT_PER_MINUTE,
      mismatchDetails: env.VERIFY_MISMATCH_DETAILS
    },
    esignet: {
      userinfoUrl: env.ESIGNET_USERINFO_URL,
      tokenUrl: env.ESIGNET_TOKEN_URL,
      clientPrivateKeyPath: env.OIDP_CLIENT_PRIVATE_KEY_PATH,
      clientEncryptionKeyPath: env.OIDP_CLIENT_ENCRYPTION_KEY_PATH,
      jwksUrl: env.ESIGNET_JWKS_URL,
      expectedStates: env.ESIGNET_EXPECTED_STATE?.split(','),
      requiredScope: env.ESIGNET_REQUIRED_SCOPE
    },
    ignoredVariables: variableNames.filter(
      (name) => variableInfoOf(name)?.deprecated === true && env[name] !== undefined
    )
  }
}

/** A value the refinement has already guaranteed; reaching the throw would be a bug here. */
function settled<T>(value: T | undefined, variable: VariableName): T {
  if (value === undefined) throw new Error(`config: ${variable} unexpectedly unresolved`)
  return value
}

/** The environment (a `Record<string, string | undefined>`) → `BridgeConfig`. */
export const environmentSchema = z.preprocess(applyDefaults, crossChecked).transform(toBridgeConfig)
