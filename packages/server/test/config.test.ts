import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  INVALID,
  describeConfig,
  duration,
  formatProblems,
  loadConfig,
  readEnvironment
} from '../src/config/index.js'
import type { BridgeConfig, ConfigProblem, Environment } from '../src/config/index.js'

const KEY = randomBytes(32)
const OLD_KEY_1 = randomBytes(32)
const OLD_KEY_2 = randomBytes(32)

/** Everything production needs, with recognisable secret values. */
function productionEnv(overrides: Environment = {}): Environment {
  return {
    NODE_ENV: 'production',
    LOCALE: 'en',
    CLIENT_APP_URL: 'https://register.example.org',
    SQLITE_DATABASE_PATH: '/data/sqlite/mosip-api.db',
    DATA_ENCRYPTION_KEY: KEY.toString('base64'),
    OPENCRVS_GATEWAY_URL: 'https://gateway.example.org',
    OPENCRVS_AUTH_URL: 'https://auth.example.org',
    OPENCRVS_CLIENT_ID: 'integration-client',
    OPENCRVS_CLIENT_SECRET: 'opencrvs-client-secret-value',
    MOSIP_AUTH_URL: 'https://mosip.example.org/v1/authmanager/authenticate/clientidsecretkey',
    MOSIP_PACKET_AUTH_CLIENT_ID: 'mosip-regproc-client',
    MOSIP_PACKET_AUTH_CLIENT_SECRET: 'packet-client-secret-value',
    MOSIP_WEBSUB_AUTH_CLIENT_ID: 'mosip-websub-client',
    MOSIP_WEBSUB_AUTH_CLIENT_SECRET: 'websub-client-secret-value',
    MOSIP_WEBSUB_HUB_URL: 'https://mosip.example.org/websub/hub',
    MOSIP_WEBSUB_SECRET: 'websub-hmac-secret-value',
    MOSIP_WEBSUB_TOPIC: 'CREDENTIAL_ISSUED',
    MOSIP_WEBSUB_CALLBACK_URL: 'https://bridge.example.org/websub/callback',
    MOSIP_CREATE_PACKET_URL: 'https://mosip.example.org/commons/v1/packetmanager/createPacket',
    MOSIP_PROCESS_PACKET_URL:
      'https://mosip.example.org/registrationprocessor/v1/workflowmanager/workflowinstance',
    MOSIP_CENTER_ID: '10001',
    MOSIP_MACHINE_ID: '10004',
    DECRYPT_P12_FILE_PATH: '/certs/keystore.p12',
    DECRYPT_P12_FILE_PASSWORD: 'decrypt-p12-password-value',
    IDA_AUTH_URL: 'https://mosip.example.org/idauthentication/v1/auth',
    IDA_AUTH_DOMAIN_URI: 'https://mosip.example.org',
    PARTNER_APIKEY: 'partner-api-key-value',
    PARTNER_MISP_LK: 'misp-licence-key-value',
    PARTNER_ID: 'crvs-partner',
    ENCRYPT_CERT_PATH: '/certs/ida-partner.crt',
    SIGN_P12_FILE_PATH: '/certs/keystore.p12',
    SIGN_P12_FILE_PASSWORD: 'sign-p12-password-value',
    ESIGNET_USERINFO_URL: 'https://esignet.example.org/oidc/userinfo',
    ESIGNET_TOKEN_URL: 'https://esignet.example.org/oauth/token',
    OIDP_CLIENT_PRIVATE_KEY_PATH: '/certs/esignet-jwk.txt',
    ...overrides
  }
}

const SECRET_VALUES = [
  'opencrvs-client-secret-value',
  'packet-client-secret-value',
  'websub-client-secret-value',
  'websub-hmac-secret-value',
  'decrypt-p12-password-value',
  'partner-api-key-value',
  'misp-licence-key-value',
  'sign-p12-password-value',
  KEY.toString('base64'),
  KEY.toString('hex')
]

function config(env: Environment): BridgeConfig {
  const result = loadConfig(env)
  if (!result.ok) assert.fail(formatProblems(result.problems))
  return result.config
}

function problems(env: Environment): ConfigProblem[] {
  const result = loadConfig(env)
  assert.equal(result.ok, false, 'expected the configuration to be refused')
  return result.ok ? [] : result.problems
}

function problemFor(env: Environment, variable: string): ConfigProblem {
  const found = problems(env).find((problem) => problem.variable === variable)
  assert.ok(found, `expected a problem for ${variable}`)
  return found
}

describe('loadConfig defaults', () => {
  it('parses an empty environment as development with the reference dev defaults', () => {
    const c = config({})
    assert.equal(c.nodeEnv, 'development')
    assert.equal(c.logLevel, 'debug')
    assert.equal(c.unsafeDebugLog, false)
    assert.deepEqual(c.server, {
      port: 2024,
      host: 'localhost',
      clientAppUrl: 'http://localhost:3000',
      locale: 'en',
      trustProxy: false
    })
    assert.deepEqual(c.database, { kind: 'sqlite', sqlitePath: 'data/sqlite/mosip-api.db' })
    assert.equal(c.encryption.key, undefined, 'no key configured: the key file is used')
    assert.equal(c.encryption.keyFile, 'data/sqlite/mosip-bridge-data.key')
    assert.deepEqual(c.encryption.previousKeys, [])
    assert.deepEqual(c.queue, {
      concurrency: 4,
      leaseMs: 60_000,
      pollIntervalMs: 500,
      maxAttempts: 10,
      backoffBaseMs: 1000,
      backoffMaxMs: 3_600_000,
      retentionMs: 7 * 86_400_000,
      inboxRetentionMs: 30 * 86_400_000,
      historyRetentionMs: 180 * 86_400_000,
      shutdownTimeoutMs: 15_000
    })
    assert.equal(c.transactionIdPrefix, '10001')
    assert.deepEqual(c.opencrvs, {
      gatewayUrl: 'http://localhost:7070',
      authUrl: 'http://localhost:4040',
      publicKeyUrl: 'http://localhost:4040/.well-known',
      systemClient: undefined
    })
    assert.equal(
      c.mosip.authUrl,
      'http://localhost:20240/v1/authmanager/authenticate/clientidsecretkey'
    )
    assert.equal(c.mosip.authClientAppId, 'admin')
    assert.equal(c.mosip.websub.hubUrl, 'http://localhost:20240/websub/hub')
    assert.equal(c.mosip.websub.callbackUrl, 'http://localhost:2024/websub/callback')
    assert.equal(c.mosip.websub.topic, 'CREDENTIAL_ISSUED')
    assert.equal(c.mosip.credential.nationalIdKey, 'UIN')
    assert.equal(c.mosip.centerId, '10001')
    assert.equal(c.mosip.machineId, '10004')
    assert.equal(c.ida.partner.id, 'crvs-partner')
    assert.equal(c.esignet.tokenUrl, 'http://localhost:20260/oauth/token')
    assert.equal(c.esignet.userinfoUrl, 'http://localhost:20260/oidc/userinfo')
    assert.deepEqual(c.ignoredVariables, [])
  })

  it('accepts NODE_ENV=test and treats blank values as unset', () => {
    const c = config({ NODE_ENV: 'test', PORT: '', HOST: '   ', DATABASE_URL: '' })
    assert.equal(c.nodeEnv, 'test')
    assert.equal(c.server.port, 2024)
    assert.equal(c.server.host, 'localhost')
    assert.equal(c.database.kind, 'sqlite')
  })

  it('parses a complete production environment with production defaults', () => {
    const c = config(productionEnv())
    assert.equal(c.nodeEnv, 'production')
    assert.equal(c.logLevel, 'info')
    assert.equal(c.server.host, '0.0.0.0')
    assert.equal(c.server.port, 2024)
    assert.ok(c.encryption.key?.equals(KEY))
    assert.equal(c.opencrvs.publicKeyUrl, 'https://auth.example.org/.well-known')
    assert.deepEqual(c.opencrvs.systemClient, {
      clientId: 'integration-client',
      clientSecret: 'opencrvs-client-secret-value'
    })
  })
})

describe('loadConfig in production', () => {
  it('lists every missing required variable at once', () => {
    const found = problems({ NODE_ENV: 'production' })
    const variables = found.map((problem) => problem.variable)
    for (const variable of [
      'SQLITE_DATABASE_PATH',
      'CLIENT_APP_URL',
      'LOCALE',
      'OPENCRVS_GATEWAY_URL',
      'OPENCRVS_AUTH_URL',
      'MOSIP_AUTH_URL',
      'MOSIP_PACKET_AUTH_CLIENT_SECRET',
      'MOSIP_WEBSUB_SECRET',
      'MOSIP_WEBSUB_HUB_URL',
      'MOSIP_CREATE_PACKET_URL',
      'IDA_AUTH_URL',
      'PARTNER_APIKEY',
      'SIGN_P12_FILE_PASSWORD',
      'ESIGNET_TOKEN_URL',
      'OIDP_CLIENT_PRIVATE_KEY_PATH'
    ]) {
      assert.ok(variables.includes(variable), `${variable} should be reported`)
    }
    // Variables with a real default are never required.
    for (const variable of [
      'PORT',
      'HOST',
      'LOG_LEVEL',
      'TRANSACTION_ID_PREFIX',
      'JOB_CONCURRENCY',
      'DATA_ENCRYPTION_KEY'
    ]) {
      assert.ok(!variables.includes(variable), `${variable} should not be reported`)
    }
  })

  it('reports format problems together with missing variables', () => {
    const found = problems({ NODE_ENV: 'production', PORT: 'abc' })
    assert.ok(found.some((problem) => problem.variable === 'PORT'))
    assert.ok(found.some((problem) => problem.variable === 'SQLITE_DATABASE_PATH'))
  })

  it('starts without DATA_ENCRYPTION_KEY (drop-in): the key file sits beside the database', () => {
    const c = config(productionEnv({ DATA_ENCRYPTION_KEY: undefined }))
    assert.equal(c.encryption.key, undefined)
    assert.equal(
      c.encryption.keyFile,
      join(
        dirname(c.database.kind === 'sqlite' ? c.database.sqlitePath : ''),
        'mosip-bridge-data.key'
      )
    )
    const chosen = config(
      productionEnv({
        DATA_ENCRYPTION_KEY: undefined,
        DATA_ENCRYPTION_KEY_FILE: '/secrets/bridge.key'
      })
    )
    assert.equal(chosen.encryption.keyFile, '/secrets/bridge.key')
  })

  it('does not need SQLITE_DATABASE_PATH when DATABASE_URL is set', () => {
    const c = config(
      productionEnv({
        SQLITE_DATABASE_PATH: undefined,
        DATABASE_URL: 'postgres://bridge:pw-1234@db:5432/bridge'
      })
    )
    assert.equal(c.database.kind, 'postgres')
  })

  it('accepts OPENCRVS_PUBLIC_KEY_URL alone (mosip-api 2.0 deployments)', () => {
    const c = config(
      productionEnv({
        OPENCRVS_AUTH_URL: undefined,
        OPENCRVS_PUBLIC_KEY_URL: 'https://auth.example.org/.well-known'
      })
    )
    assert.equal(c.opencrvs.publicKeyUrl, 'https://auth.example.org/.well-known')
    assert.equal(c.opencrvs.authUrl, 'https://auth.example.org')
  })
})

describe('loadConfig format problems', () => {
  it('names PORT and quotes the bad value', () => {
    assert.equal(
      problemFor({ PORT: 'abc' }, 'PORT').message,
      'expected an integer from 1 to 65535, got "abc"'
    )
    for (const port of ['0', '65536', '80.5', '-1', '1e3']) {
      problemFor({ PORT: port }, 'PORT')
    }
    assert.equal(config({ PORT: '8080' }).server.port, 8080)
  })

  it('requires http(s) URLs', () => {
    assert.match(
      problemFor({ CLIENT_APP_URL: 'not a url' }, 'CLIENT_APP_URL').message,
      /http\(s\) URL/
    )
    problemFor({ MOSIP_WEBSUB_HUB_URL: 'ftp://hub.example.org' }, 'MOSIP_WEBSUB_HUB_URL')
    problemFor({ ESIGNET_TOKEN_URL: 'localhost:20260' }, 'ESIGNET_TOKEN_URL')
  })

  it('requires TRANSACTION_ID_PREFIX to be 1 to 10 digits', () => {
    for (const prefix of ['12ab', '12345678901', '-1']) {
      assert.match(
        problemFor({ TRANSACTION_ID_PREFIX: prefix }, 'TRANSACTION_ID_PREFIX').message,
        /1 to 10 digits/
      )
    }
    assert.equal(config({ TRANSACTION_ID_PREFIX: '0123456789' }).transactionIdPrefix, '0123456789')
  })

  it("makes MOSIP's registration ids by default, which need 5-digit centre and machine ids", () => {
    assert.equal(config(productionEnv()).registrationIdFormat, 'mosip')
    for (const name of ['MOSIP_CENTER_ID', 'MOSIP_MACHINE_ID'] as const) {
      assert.match(
        problemFor(productionEnv({ [name]: '1001' }), name).message,
        /5 digits with MOSIP_REGISTRATION_ID_FORMAT=mosip.*reference/
      )
    }
    // mosip-api's format keeps accepting any id without '_'.
    const reference = config(
      productionEnv({ MOSIP_REGISTRATION_ID_FORMAT: 'reference', MOSIP_CENTER_ID: 'CTR1' })
    )
    assert.equal(reference.registrationIdFormat, 'reference')
    assert.equal(reference.mosip.centerId, 'CTR1')
    assert.match(
      problemFor({ MOSIP_REGISTRATION_ID_FORMAT: 'random' }, 'MOSIP_REGISTRATION_ID_FORMAT')
        .message,
      /mosip, reference/
    )
  })

  it("reads data shares from MOSIP's own origins unless told otherwise", () => {
    const { dataShare } = config(
      productionEnv({ MOSIP_WEBSUB_HUB_URL: 'https://hub.mosip.example.org:8443/hub' })
    ).mosip.credential
    assert.deepEqual(dataShare.allowedOrigins, [
      'https://mosip.example.org',
      'https://hub.mosip.example.org:8443'
    ])
    assert.equal(dataShare.maxBytes, 1_048_576)
    const set = config(
      productionEnv({
        MOSIP_DATASHARE_ALLOWED_ORIGINS:
          ' https://datashare.example.org/ ,http://datashare.datashare',
        MOSIP_DATASHARE_MAX_BYTES: '65536'
      })
    ).mosip.credential.dataShare
    assert.deepEqual(set.allowedOrigins, [
      'https://datashare.example.org',
      'http://datashare.datashare'
    ])
    assert.equal(set.maxBytes, 65536)
    for (const value of [
      'https://x.example.org/v1/datashare',
      'ftp://x.example.org',
      'x.example.org',
      ','
    ]) {
      problemFor({ MOSIP_DATASHARE_ALLOWED_ORIGINS: value }, 'MOSIP_DATASHARE_ALLOWED_ORIGINS')
    }
  })

  it('requires DATA_ENCRYPTION_KEY to be 32 bytes in base64 or hex', () => {
    const short = randomBytes(16)
    for (const value of [
      short.toString('base64'),
      short.toString('hex'),
      `${KEY.toString('hex')}00`
    ]) {
      const problem = problemFor({ DATA_ENCRYPTION_KEY: value }, 'DATA_ENCRYPTION_KEY')
      assert.ok(!problem.message.includes(value))
    }
    const fromHex = config({ DATA_ENCRYPTION_KEY: KEY.toString('hex') })
    assert.ok(fromHex.encryption.key?.equals(KEY))
  })

  it('checks the job settings', () => {
    problemFor({ JOB_CONCURRENCY: '0' }, 'JOB_CONCURRENCY')
    problemFor({ JOB_POLL_INTERVAL_MS: '5' }, 'JOB_POLL_INTERVAL_MS')
    problemFor({ SHUTDOWN_TIMEOUT_MS: 'soon' }, 'SHUTDOWN_TIMEOUT_MS')
    assert.match(
      problemFor({ JOB_BACKOFF_BASE_MS: '5000', JOB_BACKOFF_MAX_MS: '1000' }, 'JOB_BACKOFF_MAX_MS')
        .message,
      /JOB_BACKOFF_BASE_MS/
    )
    const c = config({ JOB_LEASE_SECONDS: '30', JOB_RETENTION_DAYS: '2', SHUTDOWN_TIMEOUT_MS: '0' })
    assert.equal(c.queue.leaseMs, 30_000)
    assert.equal(c.queue.retentionMs, 2 * 86_400_000)
    assert.equal(c.queue.shutdownTimeoutMs, 0)
  })

  it('checks LOG_LEVEL and NODE_ENV', () => {
    assert.match(problemFor({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL').message, /fatal, error, warn/)
    problemFor({ NODE_ENV: 'staging' }, 'NODE_ENV')
    assert.equal(config({ LOG_LEVEL: 'WARN' }).logLevel, 'warn')
  })

  it('collects every problem at once', () => {
    const found = problems({
      PORT: 'abc',
      CLIENT_APP_URL: 'nope',
      TRANSACTION_ID_PREFIX: 'x',
      DATA_ENCRYPTION_KEY: 'short'
    })
    assert.deepEqual(found.map((problem) => problem.variable).sort(), [
      'CLIENT_APP_URL',
      'DATA_ENCRYPTION_KEY',
      'PORT',
      'TRANSACTION_ID_PREFIX'
    ])
  })

  it('needs both halves of the OpenCRVS client credentials', () => {
    problemFor({ OPENCRVS_CLIENT_ID: 'client' }, 'OPENCRVS_CLIENT_SECRET')
    problemFor({ OPENCRVS_CLIENT_SECRET: 'secret-value' }, 'OPENCRVS_CLIENT_ID')
  })

  it('accepts and ignores the deprecated variables', () => {
    const c = config({
      MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST: 'http://a,http://b',
      MOSIP_BIRTH_WEBHOOK_URL: 'not even a url',
      MOSIP_DEATH_WEBHOOK_URL: 'http://localhost:20240/webhooks/death',
      OPENID_PROVIDER_CLAIMS: 'name,birthdate',
      UNSAFE_DEBUG_LOG: 'true'
    })
    assert.deepEqual(c.ignoredVariables, [
      'MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST',
      'MOSIP_BIRTH_WEBHOOK_URL',
      'MOSIP_DEATH_WEBHOOK_URL',
      'OPENID_PROVIDER_CLAIMS'
    ])
    assert.equal(c.unsafeDebugLog, true)
    assert.equal(config({ UNSAFE_DEBUG_LOG: 'whatever' }).unsafeDebugLog, false)
  })
})

describe('secrets', () => {
  it('never appear in problem messages', () => {
    const env = productionEnv({
      PORT: 'abc',
      DATA_ENCRYPTION_KEY: 'not-a-key-but-secret-1234',
      DATA_ENCRYPTION_PREVIOUS_KEYS: `${OLD_KEY_1.toString('hex')},previous-secret-9876`,
      DATABASE_URL: 'mysql://bridge:db-password-4321@db/bridge',
      PARTNER_APIKEY: 'api/key-secret-5555',
      PARTNER_MISP_LK: 'misp lk secret 6666',
      OPENCRVS_CLIENT_ID: undefined
    })
    const found = problems(env)
    for (const variable of [
      'PORT',
      'DATA_ENCRYPTION_KEY',
      'DATA_ENCRYPTION_PREVIOUS_KEYS',
      'DATABASE_URL',
      'PARTNER_APIKEY',
      'PARTNER_MISP_LK',
      'OPENCRVS_CLIENT_ID'
    ]) {
      assert.ok(
        found.some((problem) => problem.variable === variable),
        `${variable} reported`
      )
    }
    const text = formatProblems(found)
    for (const secret of [
      ...SECRET_VALUES,
      'not-a-key-but-secret-1234',
      'previous-secret-9876',
      OLD_KEY_1.toString('hex'),
      'db-password-4321',
      'api/key-secret-5555',
      'misp lk secret 6666'
    ]) {
      assert.ok(!text.includes(secret), `problem text leaks ${secret}`)
    }
    assert.match(text, /PORT: expected an integer from 1 to 65535, got "abc"/)
  })

  it('are masked by describeConfig', () => {
    const env = productionEnv({
      DATABASE_URL: 'postgresql://bridge:db-password-4321@db.internal:5432/bridge?sslmode=require',
      DATA_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY_1.toString('hex')
    })
    const described = describeConfig(config(env))
    const text = JSON.stringify(described)
    for (const secret of [...SECRET_VALUES, 'db-password-4321', OLD_KEY_1.toString('hex')]) {
      assert.ok(!text.includes(secret), `describeConfig leaks ${secret}`)
    }
    for (const variable of [
      'DATA_ENCRYPTION_KEY',
      'DATA_ENCRYPTION_PREVIOUS_KEYS',
      'OPENCRVS_CLIENT_SECRET',
      'MOSIP_PACKET_AUTH_CLIENT_SECRET',
      'MOSIP_WEBSUB_AUTH_CLIENT_SECRET',
      'MOSIP_WEBSUB_SECRET',
      'PARTNER_APIKEY',
      'PARTNER_MISP_LK',
      'DECRYPT_P12_FILE_PASSWORD',
      'SIGN_P12_FILE_PASSWORD'
    ]) {
      assert.equal(described[variable], '********', variable)
    }
    assert.equal(
      described.DATABASE_URL,
      'postgresql://bridge:********@db.internal:5432/bridge?sslmode=require'
    )
    assert.equal(described.PORT, '2024')
    assert.equal(described.OPENCRVS_CLIENT_ID, 'integration-client')
    assert.equal(described.JOB_LEASE_SECONDS, '60')
    assert.equal(described.JOB_RETENTION_DAYS, '7')
    assert.equal(described.OPENCRVS_PUBLIC_KEY_URL, 'https://auth.example.org/.well-known')
  })

  it('describes every variable of the development defaults', () => {
    const described = describeConfig(config({}))
    assert.equal(described.SQLITE_DATABASE_PATH, 'data/sqlite/mosip-api.db')
    assert.equal(described.DATABASE_URL, '')
    assert.equal(described.DATA_ENCRYPTION_PREVIOUS_KEYS, '')
    assert.equal(described.OPENCRVS_CLIENT_SECRET, '')
    assert.equal(described.MOSIP_WEBSUB_SECRET, '********')
    assert.equal(described.PARTNER_ID, 'crvs-partner')
  })
})

describe('database selection', () => {
  it('DATABASE_URL switches the store to PostgreSQL', () => {
    for (const url of ['postgres://u:p@db:5432/x', 'postgresql://db/x']) {
      assert.deepEqual(config({ DATABASE_URL: url }).database, { kind: 'postgres', url })
    }
  })

  it('refuses other URL schemes without quoting them', () => {
    const problem = problemFor({ DATABASE_URL: 'mysql://u:hunter2-pass@db/x' }, 'DATABASE_URL')
    assert.match(problem.message, /postgres/)
    assert.ok(!problem.message.includes('hunter2-pass'))
  })
})

describe('encryption key rotation', () => {
  it('parses DATA_ENCRYPTION_PREVIOUS_KEYS in hex and base64', () => {
    const c = config({
      DATA_ENCRYPTION_KEY: KEY.toString('base64'),
      DATA_ENCRYPTION_PREVIOUS_KEYS: ` ${OLD_KEY_1.toString('hex')} , ${OLD_KEY_2.toString('base64')} `
    })
    assert.equal(c.encryption.previousKeys.length, 2)
    assert.ok(c.encryption.previousKeys[0]?.equals(OLD_KEY_1))
    assert.ok(c.encryption.previousKeys[1]?.equals(OLD_KEY_2))
  })

  it('refuses a malformed previous key', () => {
    problemFor(
      { DATA_ENCRYPTION_PREVIOUS_KEYS: `${OLD_KEY_1.toString('hex')},abc` },
      'DATA_ENCRYPTION_PREVIOUS_KEYS'
    )
  })
})

describe('readEnvironment', () => {
  function withTempDir(run: (dir: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'mosip-bridge-config-'))
    try {
      run(dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it('loads <cwd>/.env and lets the real environment win', () => {
    withTempDir((dir) => {
      writeFileSync(join(dir, '.env'), 'PORT=3000\nHOST=from-file\n# comment\nLOCALE="fr"\n')
      const processEnv: Environment = { PORT: '4000' }
      const env = readEnvironment({ cwd: dir, processEnv })
      assert.equal(env.PORT, '4000')
      assert.equal(env.HOST, 'from-file')
      assert.equal(env.LOCALE, 'fr')
      assert.deepEqual(processEnv, { PORT: '4000' }, 'the given environment is not mutated')
      const c = config(env)
      assert.equal(c.server.port, 4000)
      assert.equal(c.server.host, 'from-file')
      assert.equal(c.server.locale, 'fr')
    })
  })

  it('reads a named env file relative to cwd', () => {
    withTempDir((dir) => {
      writeFileSync(join(dir, 'bridge.env'), 'TRANSACTION_ID_PREFIX=42\n')
      const env = readEnvironment({ cwd: dir, processEnv: {}, envFile: 'bridge.env' })
      assert.equal(config(env).transactionIdPrefix, '42')
    })
  })

  it('is fine without a .env file', () => {
    withTempDir((dir) => {
      assert.deepEqual(readEnvironment({ cwd: dir, processEnv: { PORT: '1' } }), { PORT: '1' })
    })
  })
})

describe('formatProblems', () => {
  it('prints a count and one line per problem', () => {
    assert.equal(
      formatProblems([
        { variable: 'PORT', message: 'expected an integer from 1 to 65535, got "abc"' },
        { variable: 'DATA_ENCRYPTION_KEY', message: 'required when NODE_ENV=production' }
      ]),
      [
        'Invalid configuration (2 problems):',
        '  - PORT: expected an integer from 1 to 65535, got "abc"',
        '  - DATA_ENCRYPTION_KEY: required when NODE_ENV=production'
      ].join('\n')
    )
  })
})

describe('pipeline settings', () => {
  it('defaults to the stored action token, or token exchange when a system client is configured', () => {
    assert.equal(loadConfigOk({}).pipeline.confirmationToken, 'stored-token')
    assert.equal(
      loadConfigOk({ OPENCRVS_CLIENT_ID: 'c', OPENCRVS_CLIENT_SECRET: 's' }).pipeline
        .confirmationToken,
      'token-exchange'
    )
  })

  it('turns the intake scope check off with "none" and splits audiences', () => {
    const c = loadConfigOk({ OPENCRVS_INTAKE_SCOPE: 'none', OPENCRVS_JWT_AUDIENCES: 'a,b' })
    assert.equal(c.pipeline.intakeScope, undefined)
    assert.deepEqual(c.pipeline.jwtAudiences, ['a', 'b'])
  })

  it('needs a system client for the system-client mode', () => {
    const result = loadConfig({ OPENCRVS_CONFIRMATION_TOKEN: 'system-client' })
    assert.equal(result.ok, false)
    assert.ok(!result.ok && result.problems.some((p) => p.variable === 'OPENCRVS_CLIENT_ID'))
  })
})

function loadConfigOk(env: Environment): BridgeConfig {
  const result = loadConfig(env)
  if (!result.ok) throw new Error(formatProblems(result.problems))
  return result.config
}

describe('identity verification settings', () => {
  it('default to mosip-api behaviour: UIN, Staging, eng, no scope, state unchecked, JWKS discovered', () => {
    const c = loadConfigOk({})
    assert.equal(c.ida.individualIdType, 'UIN')
    assert.equal(c.ida.env, 'Staging')
    assert.equal(c.ida.language, 'eng')
    assert.equal(c.ida.verifyScope, undefined)
    assert.equal(c.esignet.jwksUrl, undefined)
    assert.equal(c.esignet.expectedStates, undefined)
    assert.equal(c.esignet.requiredScope, undefined)
    const described = describeConfig(c)
    assert.equal(described.IDA_INDIVIDUAL_ID_TYPE, 'UIN')
    assert.equal(described.VERIFY_REQUIRED_SCOPE, 'none')
    assert.equal(described.ESIGNET_JWKS_URL, '')
    assert.equal(described.ESIGNET_EXPECTED_STATE, '')
    assert.equal(described.ESIGNET_REQUIRED_SCOPE, 'none')
  })

  it('parses every setting', () => {
    const c = loadConfigOk({
      IDA_INDIVIDUAL_ID_TYPE: 'Auto',
      IDA_AUTH_ENV: 'Production',
      IDA_LANGUAGE: 'fra',
      VERIFY_REQUIRED_SCOPE: 'record.verify-id',
      ESIGNET_JWKS_URL: 'https://esignet.example.org/v1/esignet/oauth/.well-known/jwks.json',
      ESIGNET_EXPECTED_STATE: 'fetch-on-mount,noop',
      ESIGNET_REQUIRED_SCOPE: 'NONE'
    })
    assert.equal(c.ida.individualIdType, 'auto')
    assert.equal(c.ida.env, 'Production')
    assert.equal(c.ida.language, 'fra')
    assert.equal(c.ida.verifyScope, 'record.verify-id')
    assert.equal(
      c.esignet.jwksUrl,
      'https://esignet.example.org/v1/esignet/oauth/.well-known/jwks.json'
    )
    assert.deepEqual(c.esignet.expectedStates, ['fetch-on-mount', 'noop'])
    assert.equal(c.esignet.requiredScope, undefined)
    assert.equal(loadConfigOk({ IDA_INDIVIDUAL_ID_TYPE: 'vid' }).ida.individualIdType, 'VID')
    const described = describeConfig(c)
    assert.equal(described.IDA_INDIVIDUAL_ID_TYPE, 'auto')
    assert.equal(described.VERIFY_REQUIRED_SCOPE, 'record.verify-id')
    assert.equal(described.ESIGNET_EXPECTED_STATE, 'fetch-on-mount,noop')
  })

  it('names malformed values', () => {
    const env = {
      IDA_INDIVIDUAL_ID_TYPE: 'NIN',
      IDA_AUTH_ENV: 'Pre Production',
      IDA_LANGUAGE: 'english',
      VERIFY_REQUIRED_SCOPE: 'record verify',
      ESIGNET_JWKS_URL: 'ftp://keys',
      ESIGNET_EXPECTED_STATE: 'a, b'
    }
    assert.match(problemFor(env, 'IDA_INDIVIDUAL_ID_TYPE').message, /UIN, VID or auto/)
    assert.match(problemFor(env, 'IDA_AUTH_ENV').message, /without spaces/)
    assert.match(problemFor(env, 'IDA_LANGUAGE').message, /language code/)
    assert.match(problemFor(env, 'VERIFY_REQUIRED_SCOPE').message, /scope/)
    assert.match(problemFor(env, 'ESIGNET_JWKS_URL').message, /http\(s\) URL/)
    assert.match(problemFor(env, 'ESIGNET_EXPECTED_STATE').message, /comma-separated/)
  })

  it('are optional in production', () => {
    const c = config(productionEnv())
    assert.equal(c.ida.individualIdType, 'UIN')
    assert.equal(c.esignet.jwksUrl, undefined)
  })
})

describe('MOSIP status and reconciliation settings', () => {
  const STATUS_PATH = '/registrationprocessor/v1/registrationstatus/externalstatus/search'

  it('default to the packet client, the status search beside workflowinstance and the documented timings', () => {
    const c = config({})
    assert.deepEqual(c.mosip.status, {
      url: `http://localhost:20240${STATUS_PATH}`,
      client: { clientId: 'mosip-regproc-client', clientSecret: 'abcdeABCDE123456' }
    })
    assert.deepEqual(c.mosip.reconcile, {
      afterMs: 1_800_000,
      intervalMs: 300_000,
      maxIntervalMs: 21_600_000,
      stallAlertMs: 86_400_000,
      resubmitLimit: 3
    })
    assert.equal(
      c.mosip.websub.workflowCompletedTopic,
      'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'
    )
  })

  it('derive the status URL from MOSIP_PROCESS_PACKET_URL in production, keeping a gateway prefix', () => {
    const c = config(productionEnv())
    assert.equal(c.mosip.status.url, `https://mosip.example.org${STATUS_PATH}`)
    assert.deepEqual(c.mosip.status.client, {
      clientId: 'mosip-regproc-client',
      clientSecret: 'packet-client-secret-value'
    })
    const prefixed = config(
      productionEnv({
        MOSIP_PROCESS_PACKET_URL:
          'https://gw.example.org/mosip/registrationprocessor/v1/workflowmanager/workflowinstance/'
      })
    )
    assert.equal(prefixed.mosip.status.url, `https://gw.example.org/mosip${STATUS_PATH}`)
    const elsewhere = config(
      productionEnv({ MOSIP_PROCESS_PACKET_URL: 'https://regproc.example.org:8443/start?x=1' })
    )
    assert.equal(elsewhere.mosip.status.url, `https://regproc.example.org:8443${STATUS_PATH}`)
  })

  it('parse every setting', () => {
    const c = config(
      productionEnv({
        MOSIP_STATUS_URL: 'https://status.example.org/search',
        MOSIP_STATUS_AUTH_CLIENT_ID: 'mosip-status-client',
        MOSIP_STATUS_AUTH_CLIENT_SECRET: ' status-client-secret-value ',
        MOSIP_RECONCILE_AFTER_SECONDS: '3',
        MOSIP_RECONCILE_INTERVAL_SECONDS: '2',
        MOSIP_RECONCILE_MAX_INTERVAL_SECONDS: '60',
        MOSIP_STALL_ALERT_SECONDS: '600',
        MOSIP_RECONCILE_RESUBMIT_LIMIT: '0',
        MOSIP_WORKFLOW_COMPLETED_TOPIC: 'crvs/WORKFLOW_COMPLETED'
      })
    )
    assert.deepEqual(c.mosip.status, {
      url: 'https://status.example.org/search',
      // Secrets are taken verbatim.
      client: { clientId: 'mosip-status-client', clientSecret: ' status-client-secret-value ' }
    })
    assert.deepEqual(c.mosip.reconcile, {
      afterMs: 3000,
      intervalMs: 2000,
      maxIntervalMs: 60_000,
      stallAlertMs: 600_000,
      resubmitLimit: 0
    })
    assert.equal(c.mosip.websub.workflowCompletedTopic, 'crvs/WORKFLOW_COMPLETED')
    const described = describeConfig(c)
    assert.equal(described.MOSIP_STATUS_URL, 'https://status.example.org/search')
    assert.equal(described.MOSIP_STATUS_AUTH_CLIENT_ID, 'mosip-status-client')
    assert.equal(described.MOSIP_STATUS_AUTH_CLIENT_SECRET, '********')
    assert.ok(!JSON.stringify(described).includes('status-client-secret-value'))
    assert.equal(described.MOSIP_RECONCILE_AFTER_SECONDS, '3')
    assert.equal(described.MOSIP_RECONCILE_INTERVAL_SECONDS, '2')
    assert.equal(described.MOSIP_RECONCILE_MAX_INTERVAL_SECONDS, '60')
    assert.equal(described.MOSIP_STALL_ALERT_SECONDS, '600')
    assert.equal(described.MOSIP_RECONCILE_RESUBMIT_LIMIT, '0')
    assert.equal(described.MOSIP_WORKFLOW_COMPLETED_TOPIC, 'crvs/WORKFLOW_COMPLETED')
  })

  it('switch the workflow-completed subscription off with "none"', () => {
    for (const value of ['none', 'NONE']) {
      const c = config({ MOSIP_WORKFLOW_COMPLETED_TOPIC: value })
      assert.equal(c.mosip.websub.workflowCompletedTopic, undefined)
      assert.equal(describeConfig(c).MOSIP_WORKFLOW_COMPLETED_TOPIC, 'none')
    }
  })

  it('describe the defaults, the secret masked', () => {
    const described = describeConfig(config(productionEnv()))
    assert.equal(described.MOSIP_STATUS_URL, `https://mosip.example.org${STATUS_PATH}`)
    assert.equal(described.MOSIP_STATUS_AUTH_CLIENT_ID, 'mosip-regproc-client')
    assert.equal(described.MOSIP_STATUS_AUTH_CLIENT_SECRET, '********')
    assert.equal(described.MOSIP_RECONCILE_AFTER_SECONDS, '1800')
    assert.equal(described.MOSIP_RECONCILE_MAX_INTERVAL_SECONDS, '21600')
    assert.equal(
      described.MOSIP_WORKFLOW_COMPLETED_TOPIC,
      'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'
    )
  })

  it('need both halves of the status client', () => {
    assert.match(
      problemFor(
        { MOSIP_STATUS_AUTH_CLIENT_ID: 'mosip-status-client' },
        'MOSIP_STATUS_AUTH_CLIENT_SECRET'
      ).message,
      /required when MOSIP_STATUS_AUTH_CLIENT_ID is set/
    )
    const found = problemFor(
      { MOSIP_STATUS_AUTH_CLIENT_SECRET: 'lonely-status-secret' },
      'MOSIP_STATUS_AUTH_CLIENT_ID'
    )
    assert.match(found.message, /required when MOSIP_STATUS_AUTH_CLIENT_SECRET is set/)
    assert.ok(!formatProblems([found]).includes('lonely-status-secret'))
  })

  it('name malformed values', () => {
    const found = problems({
      MOSIP_STATUS_URL: 'ftp://mosip.example.org/status',
      MOSIP_RECONCILE_AFTER_SECONDS: '0',
      MOSIP_RECONCILE_INTERVAL_SECONDS: '1.5',
      MOSIP_STALL_ALERT_SECONDS: '-1',
      MOSIP_RECONCILE_RESUBMIT_LIMIT: 'many',
      MOSIP_WORKFLOW_COMPLETED_TOPIC: 'two words'
    })
    const text = formatProblems(found)
    assert.match(text, /MOSIP_STATUS_URL: expected an http\(s\) URL/)
    assert.match(text, /MOSIP_RECONCILE_AFTER_SECONDS: expected an integer from 1 to/)
    assert.match(text, /MOSIP_RECONCILE_INTERVAL_SECONDS: expected an integer from 1 to/)
    assert.match(text, /MOSIP_STALL_ALERT_SECONDS: expected an integer from 1 to/)
    assert.match(text, /MOSIP_RECONCILE_RESUBMIT_LIMIT: expected an integer from 0 to 100/)
    assert.match(text, /MOSIP_WORKFLOW_COMPLETED_TOPIC: expected a topic without spaces, or 'none'/)
  })

  it('refuse a maximum interval below the interval', () => {
    const found = problemFor(
      { MOSIP_RECONCILE_INTERVAL_SECONDS: '600', MOSIP_RECONCILE_MAX_INTERVAL_SECONDS: '300' },
      'MOSIP_RECONCILE_MAX_INTERVAL_SECONDS'
    )
    assert.match(found.message, /at least MOSIP_RECONCILE_INTERVAL_SECONDS \(600\), got 300/)
  })
})

describe('duration values (mosip-bridge reconcile --older-than)', () => {
  it('reads seconds, minutes, hours and days into milliseconds; a bare number is seconds', () => {
    assert.equal(duration.parse('90s'), 90_000)
    assert.equal(duration.parse('30m'), 1_800_000)
    assert.equal(duration.parse('2h'), 7_200_000)
    assert.equal(duration.parse('1D'), 86_400_000)
    assert.equal(duration.parse(' 45 '), 45_000)
    assert.equal(duration.parse('0m'), 0)
  })

  it('refuses anything else', () => {
    for (const raw of ['', 'm', '1.5h', '-1h', '2w', '1h30m', 'soon', '9'.repeat(20) + 'd']) {
      assert.equal(duration.parse(raw), INVALID, raw)
    }
  })
})
