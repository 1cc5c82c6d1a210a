/**
 * The `mosip-bridge` commands, run in this process through `runCli` with their own environment
 * and output streams. `serve` and its signal handling run as a real process in
 * cli-serve.e2e.test.ts.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStore } from '../src/store/database.js'
import { migrateToLatest } from '../src/store/migrate.js'
import { JobQueue } from '../src/queue/job-queue.js'
import { AuditRepository } from '../src/store/audit.repository.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import { envExample } from '../src/config/index.js'
import { runCommand } from './helpers/cli-run.js'
import { authManager, counterTokens } from './helpers/mosip-auth-manager.js'
import { TestOpencrvsKeys } from './helpers/opencrvs-keys.js'
import { startRecordingServer } from '@mosip-bridge/test-support'
import { createPartner, toKeystore } from './fixtures/credentials/mosip-partner.js'

function baseEnv(dir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    NODE_ENV: 'development',
    SQLITE_DATABASE_PATH: join(dir, 'bridge.db'),
    LOG_LEVEL: 'info'
  }
}

const run = runCommand

const KEYSTORE_PASSWORD = 'keystore-pass-31415'

describe('mosip-bridge CLI', () => {
  let dir: string
  let keystore: Record<string, string>
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-cli-'))
    const path = join(dir, 'decrypt.p12')
    writeFileSync(path, toKeystore(createPartner(2048), KEYSTORE_PASSWORD))
    keystore = { DECRYPT_P12_FILE_PATH: path, DECRYPT_P12_FILE_PASSWORD: KEYSTORE_PASSWORD }
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('config check prints the effective configuration with secrets masked', async () => {
    const env = {
      ...baseEnv(dir),
      ...keystore,
      MOSIP_WEBSUB_SECRET: 'websub-secret-value-123',
      DATA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      DATABASE_URL: 'postgres://bridge:pg-password-456@127.0.0.1:5432/bridge',
      OIDP_CLIENT_ENCRYPTION_KEY_PATH: join(dir, 'esignet-encryption-jwk.txt')
    }
    const encryptionJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk'
    })
    writeFileSync(
      env.OIDP_CLIENT_ENCRYPTION_KEY_PATH,
      Buffer.from(JSON.stringify({ ...encryptionJwk, kid: 'enc-1' })).toString('base64')
    )
    const result = await run(['config', 'check'], env, dir)
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /MOSIP_WEBSUB_SECRET\s+\*{8}/)
    assert.match(result.stdout, /configuration is valid/)
    // The key files are opened: the credential keystore with its password; the IDA and E-Signet
    // files of the development defaults do not exist here.
    assert.match(result.stdout, /ok\s+DECRYPT_P12_FILE_PATH, DECRYPT_P12_FILE_PASSWORD: RSA-2048/)
    assert.match(result.stdout, /unusable\s+SIGN_P12_FILE_PATH.*\/verify would answer 503/)
    assert.match(result.stdout, /unusable\s+OIDP_CLIENT_PRIVATE_KEY_PATH/)
    assert.match(result.stdout, /ok\s+OIDP_CLIENT_ENCRYPTION_KEY_PATH: rsa, kid enc-1/)
    for (const secret of [
      'websub-secret-value-123',
      'pg-password-456',
      env.DATA_ENCRYPTION_KEY,
      KEYSTORE_PASSWORD
    ]) {
      assert.ok(!result.stdout.includes(secret), `output shows ${secret}`)
    }
  })

  it('config check --connect reaches each partner and says which cannot be reached', async () => {
    const keys = new TestOpencrvsKeys()
    const keyServer = await keys.start()
    const tokens = counterTokens('connect')
    const refusedClient = 'status-client-refused'
    const mosip = await startRecordingServer((request, res) => {
      if (request.body.includes(refusedClient)) {
        res.statusCode = 200
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            id: 'mosip.io.clientId.pwd',
            response: null,
            errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
          })
        )
        return
      }
      return authManager(tokens.issue)(request, res)
    })
    try {
      const env = {
        ...baseEnv(dir),
        ...keystore,
        MOSIP_AUTH_URL: `${mosip.url}/v1/authmanager/authenticate/clientidsecretkey`,
        OPENCRVS_PUBLIC_KEY_URL: `${keyServer}/.well-known`
      }
      const ok = await run(['config', 'check', '--connect'], env, dir)
      assert.equal(ok.status, 0, ok.stdout + ok.stderr)
      assert.match(ok.stdout, /ok\s+MOSIP login, packet client/)
      assert.match(ok.stdout, /ok\s+MOSIP login, WebSub client/)
      assert.match(ok.stdout, /ok\s+OpenCRVS public key/)
      assert.ok(!ok.stdout.includes('connect-1'), 'no token printed')

      const refused = await run(
        ['config', 'check', '--connect'],
        {
          ...env,
          MOSIP_STATUS_AUTH_CLIENT_ID: refusedClient,
          MOSIP_STATUS_AUTH_CLIENT_SECRET: 's'
        },
        dir
      )
      assert.equal(refused.status, 1)
      assert.match(
        refused.stdout,
        /FAILED\s+MOSIP login, status client \(MOSIP_STATUS_AUTH_CLIENT_ID\): /
      )
      assert.match(refused.stdout, /a partner cannot be reached/)
    } finally {
      await mosip.close()
      await keys.stop()
    }
  })

  it('config check fails when the credential keystore does not open with its password', async () => {
    const env = { ...baseEnv(dir), ...keystore, DECRYPT_P12_FILE_PASSWORD: 'not-the-password' }
    const result = await run(['config', 'check'], env, dir)
    assert.equal(result.status, 1)
    assert.match(result.stdout, /FAILED\s+DECRYPT_P12_FILE_PATH, DECRYPT_P12_FILE_PASSWORD: /)
    assert.match(result.stdout, /a required key file cannot be used/)
    assert.ok(!result.stdout.includes('not-the-password'))
  })

  it('reads a .env file in the working directory', async () => {
    const envDir = mkdtempSync(join(tmpdir(), 'bridge-dotenv-'))
    try {
      writeFileSync(join(envDir, '.env'), 'MOSIP_CENTER_ID=77777\nTRANSACTION_ID_PREFIX=42\n')
      const result = await run(['config', 'check'], { ...baseEnv(envDir), ...keystore }, envDir)
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /MOSIP_CENTER_ID\s+77777/)
      assert.match(result.stdout, /TRANSACTION_ID_PREFIX\s+42/)
    } finally {
      rmSync(envDir, { recursive: true, force: true })
    }
  })

  it('config example prints .env.example, whatever the configuration', async () => {
    const env = { ...baseEnv(dir), NODE_ENV: 'production', PORT: 'eighty' }
    const result = await run(['config', 'example'], env, dir)
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, envExample())
    assert.equal(result.stderr, '')
    assert.match(result.stdout, /^MOSIP_WEBSUB_SECRET=$/m)
    assert.match(result.stdout, /^# PORT=2024$/m)
  })

  it('refuses a bad configuration at start-up listing every problem, without a stack trace', async () => {
    const env = {
      ...baseEnv(dir),
      PORT: 'eighty',
      TRANSACTION_ID_PREFIX: 'abc',
      MOSIP_AUTH_URL: 'not a url'
    }
    const result = await run(['serve'], env, dir)
    assert.equal(result.status, 2)
    assert.match(result.stderr, /^Invalid configuration \(3 problems\):/)
    for (const variable of ['PORT', 'TRANSACTION_ID_PREFIX', 'MOSIP_AUTH_URL']) {
      assert.match(result.stderr, new RegExp(`- ${variable}: `))
    }
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
  })

  it('answers usage errors on stderr with exit code 1, and --help on stdout with 0', async () => {
    const bad = await run(['jobs', 'replay', 'abc'], baseEnv(dir), dir)
    assert.equal(bad.status, 1)
    assert.match(bad.stderr, /expected a positive integer/)
    assert.equal(bad.stdout, '')
    const unknown = await run(['nonsense'], baseEnv(dir), dir)
    assert.equal(unknown.status, 1)
    // serve is the default command, so an unknown word is an argument it does not take.
    assert.match(unknown.stderr, /too many arguments for 'serve'/)
    const help = await run(['jobs', '--help'], baseEnv(dir), dir)
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /Usage: mosip-bridge jobs/)
    assert.match(help.stdout, /replay/)
  })

  it('read-only commands never migrate: a database behind this version is reported', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'bridge-cli-fresh-'))
    try {
      const env = baseEnv(fresh)
      for (const args of [['status'], ['registrations', 'list'], ['jobs', 'list']]) {
        const result = await run(args, env, fresh)
        assert.equal(result.status, 1, args.join(' '))
        assert.match(
          result.stderr,
          /schema is behind this version .*run `mosip-bridge migrate` first/
        )
      }
      const store = createStore({ kind: 'sqlite', sqlitePath: env.SQLITE_DATABASE_PATH! }, 1)
      const tables = await store.db.introspection.getTables()
      await store.close()
      assert.deepEqual(
        tables.filter((t) => !t.name.startsWith('kysely_')).map((t) => t.name),
        [],
        'nothing was created'
      )
      assert.equal((await run(['migrate'], env, fresh)).status, 0)
      assert.equal((await run(['status'], env, fresh)).status, 0)
    } finally {
      rmSync(fresh, { recursive: true, force: true })
    }
  })

  it('migrates, lists and replays dead jobs', async () => {
    const env = baseEnv(dir)
    const first = await run(['migrate'], env, dir)
    assert.equal(first.status, 0, first.stderr)
    assert.match(
      first.stdout,
      /applied: 0001-initial, 0002-job-snoozes, 0003-reconciliation, 0004-operator-audit/
    )
    assert.match((await run(['migrate'], env, dir)).stdout, /database is up to date/)

    const store = createStore({ kind: 'sqlite', sqlitePath: env.SQLITE_DATABASE_PATH! })
    await migrateToLatest(store)
    const queue = new JobQueue(store, { maxAttempts: 1, backoff: { baseMs: 1, maxMs: 1 } })
    const { id } = await queue.enqueue(store.db, 'submit-packet', { registrationId: 'r1' })
    const [job] = await queue.claim('test', 1, 1000)
    await queue.fail(job!, new Error('MOSIP said no'))
    await store.close()

    const listed = await run(['jobs', 'list', '--state', 'dead'], env, dir)
    assert.equal(listed.status, 0, listed.stderr)
    assert.match(listed.stdout, new RegExp(`${id}\\s+dead\\s+submit-packet.*MOSIP said no`))
    const status = await run(['status'], env, dir)
    assert.match(status.stdout, /dead\s+1/)
    const operatorEnv = { ...env, USER: 'operator-ana' }
    const replayed = await run(['jobs', 'replay', String(id)], operatorEnv, dir)
    assert.equal(replayed.status, 0, replayed.stderr)
    assert.match(replayed.stdout, /queued again/)
    assert.equal(
      (await run(['jobs', 'replay', String(id)], operatorEnv, dir)).status,
      1,
      'only dead jobs replay'
    )
    // Both attempts are in the audit trail, with who ran them.
    const audited = createStore({ kind: 'sqlite', sqlitePath: env.SQLITE_DATABASE_PATH! })
    const trail = await new AuditRepository(audited).of(String(id))
    await audited.close()
    assert.deepEqual(
      trail.map((entry) => [entry.action, entry.actor, entry.channel, entry.outcome]),
      [
        ['job.replay', 'operator-ana', 'cli', 'queued'],
        ['job.replay', 'operator-ana', 'cli', 'not dead']
      ]
    )
    assert.equal((await run(['jobs', 'list', '--state', 'nope'], env, dir)).status, 2)
  })

  it('runs the operator actions on a registration, refusing those that do not apply, and audits each', async () => {
    const env: Record<string, string> = { ...baseEnv(dir), USER: 'operator-ben' }
    const store = createStore({ kind: 'sqlite', sqlitePath: env.SQLITE_DATABASE_PATH! })
    await migrateToLatest(store)
    const registrations = new RegistrationsRepository(store.db, new SecretBox(Buffer.alloc(32, 3)))
    const id = '100017700000001'
    await registrations.createOrFind(store.db, {
      id,
      kind: 'death',
      opencrvsEventId: 'event-cli-actions',
      idempotencyKey: 'cli-actions-1'
    })
    await registrations.transition(store.db, id, 'packet_created')
    await registrations.transition(store.db, id, 'submitted')
    await store.close()

    const retry = await run(['registrations', 'retry', id], env, dir)
    assert.equal(retry.status, 1)
    assert.match(retry.stderr, /waits on MOSIP: check with MOSIP now instead/)
    const reconcile = await run(['registrations', 'reconcile', id], env, dir)
    assert.equal(reconcile.status, 0, reconcile.stderr)
    assert.match(reconcile.stdout, /due for a check with MOSIP now/)
    const reject = await run(['registrations', 'reject', id], env, dir)
    assert.equal(reject.status, 0, reject.stderr)
    assert.match(reject.stdout, /rejection in OpenCRVS queued/)
    const shown = await run(['registrations', 'show', id], env, dir)
    assert.match(shown.stdout, /submitted → failed\s+OPERATOR_GAVE_UP/)
    assert.match(shown.stdout, /registration\.retry by operator-ben \(cli\): refused: /)
    assert.match(shown.stdout, /registration\.reject by operator-ben \(cli\): rejection/)
    const remove = await run(['registrations', 'remove', id], env, dir)
    assert.equal(remove.status, 0, remove.stderr)
    assert.equal((await run(['registrations', 'show', id], env, dir)).status, 1)
    assert.equal((await run(['registrations', 'remove', id], env, dir)).status, 1)
  })

  it('lists with headers or as JSON, validates --state the same way everywhere, and has --version', async () => {
    const env = baseEnv(dir)
    const table = await run(['jobs', 'list'], env, dir)
    assert.equal(table.status, 0, table.stderr)
    assert.match(table.stdout, /^ID\s+STATE\s+TASK\s+ATTEMPTS\s+RUN AT\s+LAST ERROR\n/)
    const json = await run(['jobs', 'list', '--json'], env, dir)
    const jobs = JSON.parse(json.stdout) as Array<{ task: string; state: string }>
    assert.ok(jobs.length >= 1 && jobs.every((job) => typeof job.task === 'string'))
    for (const listing of [
      ['registrations', 'list'],
      ['deliveries', 'list']
    ]) {
      const listed = await run([...listing, '--json'], env, dir)
      assert.equal(listed.status, 0, listed.stderr)
      assert.ok(Array.isArray(JSON.parse(listed.stdout)), listing.join(' '))
      const bad = await run([...listing, '--state', 'nope'], env, dir)
      assert.equal(bad.status, 2, listing.join(' '))
      assert.match(bad.stderr, /--state must be one of /)
    }
    const version = await run(['--version'], env, dir)
    assert.equal(version.status, 0)
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/)
  })
})
