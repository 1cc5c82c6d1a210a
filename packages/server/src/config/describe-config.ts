/**
 * The effective configuration keyed by environment variable name, safe to print
 * (`mosip-bridge config check`): secrets are masked, DATABASE_URL keeps all but its password.
 */
import type { BridgeConfig } from './config-types.js'

const MASK = '********'

const DAY_MS = 86_400_000

/** Every value as the string an operator would write; unset optional variables are ''. */
export function describeConfig(config: BridgeConfig): Record<string, string> {
  const { server, database, encryption, queue, opencrvs, mosip, ida, esignet } = config
  const described: Record<string, string> = {
    NODE_ENV: config.nodeEnv,
    LOG_LEVEL: config.logLevel,
    UNSAFE_DEBUG_LOG: String(config.unsafeDebugLog),

    PORT: String(server.port),
    HOST: server.host,
    LOCALE: server.locale,
    CLIENT_APP_URL: url(server.clientAppUrl),

    SQLITE_DATABASE_PATH: database.kind === 'sqlite' ? database.sqlitePath : '',
    DATABASE_URL: database.kind === 'postgres' ? maskUrlPassword(database.url) : '',
    DATA_ENCRYPTION_KEY: encryption.key ? MASK : '',
    DATA_ENCRYPTION_KEY_FILE: encryption.key ? '' : encryption.keyFile,
    DATA_ENCRYPTION_PREVIOUS_KEYS: encryption.previousKeys.map(() => MASK).join(','),

    JOB_CONCURRENCY: String(queue.concurrency),
    JOB_LEASE_SECONDS: String(queue.leaseMs / 1000),
    JOB_POLL_INTERVAL_MS: String(queue.pollIntervalMs),
    JOB_MAX_ATTEMPTS: String(queue.maxAttempts),
    JOB_BACKOFF_BASE_MS: String(queue.backoffBaseMs),
    JOB_BACKOFF_MAX_MS: String(queue.backoffMaxMs),
    JOB_RETENTION_DAYS: String(queue.retentionMs / DAY_MS),
    WEBSUB_INBOX_RETENTION_DAYS: String(queue.inboxRetentionMs / DAY_MS),
    REGISTRATION_HISTORY_RETENTION_DAYS: String(queue.historyRetentionMs / DAY_MS),
    SHUTDOWN_TIMEOUT_MS: String(queue.shutdownTimeoutMs),

    TRANSACTION_ID_PREFIX: config.transactionIdPrefix,
    MOSIP_REGISTRATION_ID_FORMAT: config.registrationIdFormat,
    OPENCRVS_INTAKE_SCOPE: config.pipeline.intakeScope ?? 'none',
    OPENCRVS_JWT_AUDIENCES: config.pipeline.jwtAudiences.join(','),
    OPENCRVS_CONFIRMATION_TOKEN: config.pipeline.confirmationToken,
    OPENCRVS_NATIONAL_ID_FIELD_ID: config.pipeline.nationalIdFieldId,
    MOSIP_CREDENTIAL_CHECK_THUMBPRINT: String(config.mosip.credential.checkThumbprint),
    MOSIP_CREDENTIAL_EXTRA_THUMBPRINTS: config.mosip.credential.extraThumbprints
      .map((t) => t.toString('hex'))
      .join(','),
    MOSIP_DATASHARE_ALLOWED_ORIGINS: config.mosip.credential.dataShare.allowedOrigins.join(','),
    MOSIP_DATASHARE_MAX_BYTES: String(config.mosip.credential.dataShare.maxBytes),
    REJECT_ON_FAILURE: String(config.pipeline.rejectOnFailure),
    MOSIP_PACKET_SOURCE: config.pipeline.packetSource,
    MOSIP_PACKET_SCHEMA_VERSION: config.pipeline.schemaVersion,
    MOSIP_WEBSUB_RESUBSCRIBE_SECONDS: String(config.pipeline.resubscribeMs / 1000),
    OUTBOUND_TIMEOUT_MS: String(config.pipeline.outboundTimeoutMs),
    BODY_LIMIT_BYTES: String(config.pipeline.bodyLimitBytes),

    OPENCRVS_GATEWAY_URL: url(opencrvs.gatewayUrl),
    OPENCRVS_AUTH_URL: opencrvs.authUrl === undefined ? '' : url(opencrvs.authUrl),
    OPENCRVS_PUBLIC_KEY_URL: url(opencrvs.publicKeyUrl),
    OPENCRVS_CLIENT_ID: opencrvs.systemClient?.clientId ?? '',
    OPENCRVS_CLIENT_SECRET: opencrvs.systemClient === undefined ? '' : MASK,

    MOSIP_AUTH_URL: url(mosip.authUrl),
    MOSIP_AUTH_CLIENT_APP_ID: mosip.authClientAppId,
    MOSIP_PACKET_AUTH_CLIENT_ID: mosip.packetClient.clientId,
    MOSIP_PACKET_AUTH_CLIENT_SECRET: MASK,
    MOSIP_WEBSUB_AUTH_CLIENT_ID: mosip.websub.client.clientId,
    MOSIP_WEBSUB_AUTH_CLIENT_SECRET: MASK,
    MOSIP_WEBSUB_HUB_URL: url(mosip.websub.hubUrl),
    MOSIP_WEBSUB_SECRET: MASK,
    MOSIP_WEBSUB_PREVIOUS_SECRETS: mosip.websub.previousSecrets.map(() => MASK).join(','),
    MOSIP_WEBSUB_TOPIC: mosip.websub.topic,
    MOSIP_WEBSUB_CALLBACK_URL: url(mosip.websub.callbackUrl),
    MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY: mosip.credential.nationalIdKey,
    MOSIP_CREATE_PACKET_URL: url(mosip.createPacketUrl),
    MOSIP_PROCESS_PACKET_URL: url(mosip.processPacketUrl),
    MOSIP_STATUS_URL: url(mosip.status.url),
    MOSIP_STATUS_AUTH_CLIENT_ID: mosip.status.client.clientId,
    MOSIP_STATUS_AUTH_CLIENT_SECRET: MASK,
    MOSIP_DEACTIVATE_UIN_ON_DEATH: String(mosip.idRepository.deactivateUinOnDeath),
    MOSIP_IDREPO_URL: url(mosip.idRepository.url),
    MOSIP_IDREPO_AUTH_CLIENT_ID: mosip.idRepository.client.clientId,
    MOSIP_IDREPO_AUTH_CLIENT_SECRET: MASK,
    MOSIP_RECONCILE_AFTER_SECONDS: String(mosip.reconcile.afterMs / 1000),
    MOSIP_RECONCILE_INTERVAL_SECONDS: String(mosip.reconcile.intervalMs / 1000),
    MOSIP_RECONCILE_MAX_INTERVAL_SECONDS: String(mosip.reconcile.maxIntervalMs / 1000),
    MOSIP_STALL_ALERT_SECONDS: String(mosip.reconcile.stallAlertMs / 1000),
    MOSIP_RECONCILE_RESUBMIT_LIMIT: String(mosip.reconcile.resubmitLimit),
    MOSIP_WORKFLOW_COMPLETED_TOPIC: mosip.websub.workflowCompletedTopic ?? 'none',
    MOSIP_CENTER_ID: mosip.centerId,
    MOSIP_MACHINE_ID: mosip.machineId,
    MOSIP_LANGUAGES: mosip.languages.join(','),
    MOSIP_DOCUMENT_MAX_BYTES: String(mosip.documents.maxBytes),
    MOSIP_DOCUMENT_MAX_COUNT: String(mosip.documents.maxCount),
    MOSIP_DOCUMENT_CATEGORIES: table(mosip.documents.categoryOfType),
    MOSIP_DOCUMENT_FIELDS: table(mosip.documents.fieldOfCategory),
    DECRYPT_P12_FILE_PATH: mosip.credential.decryptP12Path,
    DECRYPT_P12_FILE_PASSWORD: MASK,

    IDA_AUTH_URL: url(ida.authUrl),
    IDA_AUTH_DOMAIN_URI: url(ida.authDomainUri),
    PARTNER_APIKEY: MASK,
    PARTNER_MISP_LK: MASK,
    PARTNER_ID: ida.partner.id,
    ENCRYPT_CERT_PATH: ida.encryptCertPath,
    SIGN_P12_FILE_PATH: ida.signP12Path,
    SIGN_P12_FILE_PASSWORD: MASK,
    IDA_INDIVIDUAL_ID_TYPE: ida.individualIdType,
    IDA_AUTH_ENV: ida.env,
    IDA_LANGUAGE: ida.language,
    VERIFY_REQUIRED_SCOPE: ida.verifyScope ?? 'none',
    VERIFY_RATE_LIMIT_PER_MINUTE: String(ida.rateLimitPerMinute),
    VERIFY_MISMATCH_DETAILS: String(ida.mismatchDetails),

    ESIGNET_USERINFO_URL: url(esignet.userinfoUrl),
    ESIGNET_TOKEN_URL: url(esignet.tokenUrl),
    OIDP_CLIENT_PRIVATE_KEY_PATH: esignet.clientPrivateKeyPath,
    OIDP_CLIENT_ENCRYPTION_KEY_PATH: esignet.clientEncryptionKeyPath ?? '',
    ESIGNET_JWKS_URL: esignet.jwksUrl === undefined ? '' : url(esignet.jwksUrl),
    ESIGNET_EXPECTED_STATE: esignet.expectedStates?.join(',') ?? '',
    ESIGNET_REQUIRED_SCOPE: esignet.requiredScope ?? 'none'
  }
  for (const name of config.ignoredVariables) {
    described[name] = '(ignored: no longer used)'
  }
  return described
}

/** A URL with its password (in the user-info part or a `password` query parameter) masked. */
function maskUrlPassword(value: string): string {
  if (!URL.canParse(value)) return MASK
  const parsed = new URL(value)
  if (parsed.password !== '') parsed.password = MASK
  for (const key of [...parsed.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') parsed.searchParams.set(key, MASK)
  }
  return parsed.href
}

/** Plain http(s) URLs are shown as given, unless they carry credentials. */
function url(value: string): string {
  return URL.canParse(value) && new URL(value).password !== '' ? maskUrlPassword(value) : value
}

/** `KEY=value,...` as the variable takes it. */
function table(entries: Record<string, string>): string {
  return Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
