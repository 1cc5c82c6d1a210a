/**
 * Changing the WebSub secret on real sockets: simulated OpenCRVS → example country
 * configuration → bridge (its own process) → simulated MOSIP, whose hub keeps the first secret of
 * a subscription as MOSIP's does. While a registration's credential waits at the hub, the
 * operator restarts the bridge with a new MOSIP_WEBSUB_SECRET and the old one in
 * MOSIP_WEBSUB_PREVIOUS_SECRETS: the credential, still signed with the old secret, completes.
 * `mosip-bridge websub resubscribe` (its own process) then moves the hub to the new secret —
 * the running bridge confirms the unsubscription only because the command recorded it — and the
 * next credential, signed with the new secret, completes too. No delivery is refused or lost.
 * SQLite and PostgreSQL.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startSimulators, type SimulatorSuite } from '@mosip-bridge/simulators'
import { createStore, type Store } from '@mosip-bridge/server'
import type { OpencrvsDeclaration } from '@mosip-bridge/contracts'
import { freePort, startBridgeProcess, type BridgeProcess } from '../src/bridge-process.js'
import {
  startExampleCountryConfig,
  type ExampleCountryConfig
} from '../src/country-config/index.js'
import { createPostgresDatabase, postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'

const OLD_SECRET = 'old-e2e-websub-secret-31'
const NEW_SECRET = 'new-e2e-websub-secret-0047'
const DATA_KEY = Buffer.alloc(32, 47).toString('hex')
const BRIDGE_BIN = fileURLToPath(new URL('../../server/bin/mosip-bridge.js', import.meta.url))

const postgresOptions = await postgresSuiteOptions()

function birthDeclaration(firstname: string): OpencrvsDeclaration {
  return {
    'child.name': { firstname, surname: 'Tembo' },
    'child.dob': new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10),
    'child.gender': 'female',
    'mother.name': { firstname: 'Grace', surname: 'Tembo' },
    'mother.verified': 'verified',
    'mother.address': {
      country: 'FAR',
      addressType: 'DOMESTIC',
      administrativeArea: '6a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
      streetLevelDetails: { town: 'Ilanga', street: 'Main St', number: '5' }
    },
    'informant.relation': 'MOTHER',
    'informant.email': 'grace@example.org'
  }
}

/** Runs one `mosip-bridge` command in its own process, as an operator would, and waits for it. */
async function runBridgeCli(
  args: string[],
  env: Record<string, string>
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BRIDGE_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const stdout: string[] = []
  const stderr: string[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  const [status] = (await once(child, 'exit')) as [number | null]
  return { status, stdout: stdout.join(''), stderr: stderr.join('') }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`changing the WebSub secret on ${dialect}`, options, () => {
    let dir: string
    let port: number
    let callbackUrl: string
    let suite: SimulatorSuite
    let countryConfig: ExampleCountryConfig
    let bridge: BridgeProcess
    let store: Store
    let env: Record<string, string>
    let dropDatabase: (() => Promise<void>) | undefined
    /** What every bridge process printed, the one stopped for the restart included. */
    const outputs: string[] = []

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `bridge-websub-secret-${dialect}-`))
      port = await freePort()
      const bridgeUrl = `http://127.0.0.1:${port}`
      callbackUrl = `${bridgeUrl}/websub/callback`
      suite = await startSimulators({
        dir,
        bridgeUrl,
        stepDelayMs: 20,
        hubRetryDelaysMs: [200, 400, 800],
        hubCommitMode: 'message',
        websubSecret: OLD_SECRET
      })
      countryConfig = await startExampleCountryConfig({
        bridgeUrl,
        opencrvsPublicKeyUrl: suite.opencrvs.publicKeyUrl,
        handlers: { client: { timeoutMs: 5000, retries: 2, retryDelayMs: 50 } }
      })
      suite.opencrvs.setCountryConfigUrl(countryConfig.url)
      let database: Record<string, string>
      if (dialect === 'postgres') {
        const created = await createPostgresDatabase()
        dropDatabase = created.drop
        database = { DATABASE_URL: created.url }
        store = createStore({ kind: 'postgres', url: created.url }, 2)
      } else {
        database = { SQLITE_DATABASE_PATH: join(dir, 'bridge.db') }
        store = createStore({ kind: 'sqlite', sqlitePath: join(dir, 'bridge.db') })
      }
      env = {
        ...suite.env,
        ...database,
        NODE_ENV: 'test',
        LOG_LEVEL: 'debug',
        DATA_ENCRYPTION_KEY: DATA_KEY,
        JOB_BACKOFF_BASE_MS: '100',
        JOB_BACKOFF_MAX_MS: '800',
        JOB_POLL_INTERVAL_MS: '50',
        OUTBOUND_TIMEOUT_MS: '3000'
      }
      assert.equal(env.MOSIP_WEBSUB_SECRET, OLD_SECRET)
      bridge = await startBridgeProcess({ env, port })
      await waitFor(
        'the bridge to subscribe to credentials and workflow events',
        () => ourSubscriptions().filter((s) => s.state === 'active').length === 2
      )
    })

    after(async () => {
      await bridge?.stop()
      await store?.close()
      await countryConfig?.close()
      await suite?.close()
      await dropDatabase?.()
      rmSync(dir, { recursive: true, force: true })
    })

    function ourSubscriptions() {
      return suite.mosip.hub.subscriptions().filter((s) => s.callback === callbackUrl)
    }

    async function registerBirth(firstname: string) {
      const event = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: birthDeclaration(firstname)
      })
      const trigger = await suite.opencrvs.register(event.id)
      assert.equal(trigger.outcome, 'pending', 'the trigger left the action requested')
      const registration = await waitFor('the bridge to take the registration', () =>
        store.db
          .selectFrom('registrations')
          .select(['id'])
          .where('opencrvs_event_id', '=', event.id)
          .executeTakeFirst()
      )
      return { eventId: event.id, actionId: trigger.actionId, registrationId: registration.id }
    }

    const issuedTo = (registrationId: string) =>
      suite.mosip.core.issuer.issued.find((c) => c.registrationId === registrationId)

    async function confirmed(birth: { eventId: string; actionId: string }) {
      await suite.opencrvs.waitForConfirmation(birth.eventId, birth.actionId, 'Accepted', {
        timeoutMs: 30_000
      })
      await waitFor('the bridge to record the confirmation', async () => {
        const row = await store.db
          .selectFrom('registrations')
          .select(['state'])
          .where('opencrvs_event_id', '=', birth.eventId)
          .executeTakeFirst()
        return row?.state === 'confirmed'
      })
    }

    it('moves the hub to a new secret with no delivery refused or lost', async () => {
      const { hub } = suite.mosip
      // A registration in flight: MOSIP issues its credential while the hub holds it back.
      hub.pausePolling()
      const first = await registerBirth('Mapalo')
      const firstCredential = await waitFor('MOSIP to issue the first credential', () =>
        issuedTo(first.registrationId)
      )

      // The operator restarts the bridge with the new secret, keeping the old one.
      const deniedBefore = hub
        .verifications({ callback: callbackUrl })
        .filter((v) => v.outcome === 'denied').length
      await bridge.stop()
      outputs.push(bridge.output())
      env = { ...env, MOSIP_WEBSUB_SECRET: NEW_SECRET, MOSIP_WEBSUB_PREVIOUS_SECRETS: OLD_SECRET }
      bridge = await startBridgeProcess({ env, port })
      // Its own subscriptions at start-up are denied: the hub has them already.
      await waitFor(
        "the hub's answer to the restarted bridge's subscriptions",
        () =>
          hub.verifications({ callback: callbackUrl }).filter((v) => v.outcome === 'denied')
            .length >=
          deniedBefore + 2
      )
      assert.ok(
        ourSubscriptions().every((s) => s.secret === 'ol…(24)'),
        'still the old secret'
      )

      // The held credential arrives signed with the old secret, and completes its registration.
      hub.resumePolling()
      await confirmed(first)
      assert.match(bridge.output(), /signed with a secret of MOSIP_WEBSUB_PREVIOUS_SECRETS/)
      await waitFor('the hub to deliver everything it holds', () =>
        ourSubscriptions().every((s) => s.undelivered === 0)
      )

      // The operator moves the hub to the new secret.
      const cli = await runBridgeCli(['websub', 'resubscribe', '--json', '--wait', '30'], {
        ...env,
        USER: 'operator-e2e'
      })
      assert.equal(cli.status, 0, `${cli.stdout}\n${cli.stderr}`)
      const report = JSON.parse(cli.stdout) as {
        topics: Array<{ name: string; done: boolean; steps: Array<{ mode: string }> }>
        next: string[]
      }
      assert.deepEqual(
        report.topics.map((t) => [t.name, t.done, t.steps.map((s) => s.mode)]),
        [
          ['credential', true, ['unsubscribe', 'subscribe']],
          ['workflow', true, ['unsubscribe', 'subscribe']]
        ]
      )
      assert.ok(report.next.some((line) => line.includes('MOSIP_WEBSUB_PREVIOUS_SECRETS')))
      const subscriptions = ourSubscriptions()
      assert.equal(subscriptions.length, 2)
      assert.ok(
        subscriptions.every((s) => s.state === 'active' && s.secret === 'ne…(26)'),
        JSON.stringify(subscriptions)
      )
      assert.equal(
        hub
          .verifications({ callback: callbackUrl })
          .filter((v) => v.mode === 'unsubscribe' && v.outcome === 'verified').length,
        2,
        'the running bridge confirmed both unsubscriptions'
      )

      // The next credential is signed with the new secret and completes as well.
      const outputBefore = bridge.output().length
      const second = await registerBirth('Natasha')
      await confirmed(second)
      const secondCredential = issuedTo(second.registrationId)
      assert.ok(secondCredential)
      assert.doesNotMatch(
        bridge.output().slice(outputBefore),
        /signed with a secret of MOSIP_WEBSUB_PREVIOUS_SECRETS/,
        'the new secret signed it'
      )

      // Nothing refused or lost: every delivery was accepted, both credentials were processed.
      const deliveries = hub.deliveries({ callback: callbackUrl })
      assert.ok(deliveries.length >= 2)
      assert.deepEqual(
        deliveries.filter((d) => d.outcome !== 'delivered'),
        [],
        'every delivery was accepted'
      )
      for (const credential of [firstCredential, secondCredential]) {
        const entry = await store.db
          .selectFrom('websub_inbox')
          .select(['state'])
          .where('event_id', '=', credential.event.event.id)
          .executeTakeFirst()
        assert.equal(entry?.state, 'processed')
      }
      for (const birth of [first, second]) {
        assert.ok(suite.opencrvs.declarationOf(birth.eventId)['child.nid'], 'the national id')
      }
      const metrics = await (await fetch(`${bridge.url}/metrics`)).text()
      assert.match(metrics, /^mosip_bridge_websub_signature_failures_total 0$/m)
      const trail = await store.db
        .selectFrom('operator_actions')
        .select(['actor', 'target', 'outcome'])
        .where('action', '=', 'websub.resubscribe')
        .execute()
      assert.equal(trail.length, 2)
      assert.ok(trail.every((entry) => entry.actor === 'operator-e2e'))

      outputs.push(bridge.output(), cli.stdout, cli.stderr)
      for (const secret of [OLD_SECRET, NEW_SECRET]) {
        assert.ok(!outputs.some((text) => text.includes(secret)), 'no secret reaches the output')
      }
    })
  })
}
