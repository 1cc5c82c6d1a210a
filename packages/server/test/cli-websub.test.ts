/**
 * `mosip-bridge websub subscribe|unsubscribe|resubscribe`, run in this process through `runCli`
 * on SQLite and PostgreSQL, against the simulated MOSIP WebSub hub and auth manager. The running
 * bridge is played by the WebSub routes on the same database, listening on a real socket: the
 * hub verifies every request there, so an unsubscription goes through only when the command
 * recorded it first.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { MOSIP_WORKFLOW_COMPLETED_TOPIC } from '@mosip-bridge/contracts'
import {
  DEFAULT_MOSIP_CLIENTS,
  createMosipSimulator,
  type MosipSimulator
} from '@mosip-bridge/simulators'
import { closedPort, waitFor } from '@mosip-bridge/test-support'
import { buildApp } from '../src/http/build-app.js'
import { registerWebsubRoutes } from '../src/http/routes/websub.route.js'
import { MosipTokenSource } from '../src/integrations/mosip/auth-token.js'
import { WebsubSubscriber } from '../src/integrations/mosip/websub-subscriber.js'
import { WebsubIntakeService } from '../src/pipeline/websub-intake.service.js'
import { JobQueue } from '../src/queue/job-queue.js'
import { SecretBox } from '../src/store/secret-box.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { WebsubIntentsRepository } from '../src/store/websub-intents.repository.js'
import type { WebsubReport } from '../src/cli/websub-output.js'
import { runCommand } from './helpers/cli-run.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

const AUTH_PATH = '/v1/authmanager/authenticate/clientidsecretkey'
const OLD_SECRET = 'old-websub-secret-0001'
const NEW_SECRET = 'new-websub-secret-000002'
const WORKFLOW = MOSIP_WORKFLOW_COMPLETED_TOPIC

for (const dialect of DIALECTS) {
  describe(`mosip-bridge websub (${dialect})`, await dialectSuiteOptions(dialect), () => {
    let dir: string
    let ctx: MigratedStore
    let mosip: MosipSimulator
    let bridge: FastifyInstance
    let callbackUrl: string
    let credentialTopic: string
    let env: Record<string, string>

    const run = (args: string[], overrides: Record<string, string> = {}) =>
      runCommand(['websub', ...args], { ...env, ...overrides }, dir)
    const subscriptionOf = (topic: string) =>
      mosip.hub.subscriptions().find((s) => s.topic === topic && s.callback === callbackUrl)
    const verifications = (mode: 'subscribe' | 'unsubscribe', outcome?: string) =>
      mosip.hub
        .verifications({ callback: callbackUrl })
        .filter((v) => v.mode === mode && (outcome === undefined || v.outcome === outcome))
    const audited = (action: string) =>
      ctx.store.db
        .selectFrom('operator_actions')
        .select(['actor', 'target', 'outcome'])
        .where('action', '=', action)
        .orderBy('id')
        .execute()
    const intents = () =>
      ctx.store.db.selectFrom('websub_intents').selectAll().orderBy('id').execute()
    /** A WebSub client of the hub sending its requests with `secret`, as another party would. */
    const client = (topic: string, secret: string) =>
      new WebsubSubscriber({
        hubUrl: mosip.hub.hubUrl,
        topic,
        callbackUrl,
        secret,
        tokens: new MosipTokenSource({
          authUrl: `${mosip.url}${AUTH_PATH}`,
          clientId: DEFAULT_MOSIP_CLIENTS.websub.clientId,
          secretKey: DEFAULT_MOSIP_CLIENTS.websub.secretKey,
          appId: DEFAULT_MOSIP_CLIENTS.websub.appId,
          timeoutMs: 10_000
        }),
        logger: pino({ level: 'silent' })
      })

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bridge-cli-websub-'))
      ctx = await createMigratedStore(dialect)
      mosip = await createMosipSimulator({ hubCommitMode: 'message' })
      credentialTopic = mosip.core.issuer.topic
      const store = ctx.store
      // The running bridge: it knows only the new secret, so a delivery it accepts was signed
      // with it.
      bridge = buildApp({
        logger: pino({ level: 'silent' }),
        store,
        routes: [
          (instance) =>
            registerWebsubRoutes(instance, {
              topic: credentialTopic,
              workflowTopic: WORKFLOW,
              secret: NEW_SECRET,
              deliveries: new WebsubIntakeService({
                store,
                inbox: new WebsubInboxRepository(store.db, new SecretBox(TEST_KEY)),
                queue: new JobQueue(store, { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 1 } }),
                workflowTopic: WORKFLOW
              }),
              intents: new WebsubIntentsRepository(store)
            })
        ]
      })
      const bridgeUrl = await bridge.listen({ port: 0, host: '127.0.0.1' })
      callbackUrl = `${bridgeUrl}/websub/callback`
      env = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        USER: 'operator-ws',
        NODE_ENV: 'development',
        DATA_ENCRYPTION_KEY: TEST_KEY.toString('base64'),
        ...(ctx.options.kind === 'postgres'
          ? { DATABASE_URL: ctx.options.url }
          : { SQLITE_DATABASE_PATH: ctx.options.sqlitePath }),
        MOSIP_AUTH_URL: `${mosip.url}${AUTH_PATH}`,
        MOSIP_AUTH_CLIENT_APP_ID: DEFAULT_MOSIP_CLIENTS.websub.appId,
        MOSIP_WEBSUB_AUTH_CLIENT_ID: DEFAULT_MOSIP_CLIENTS.websub.clientId,
        MOSIP_WEBSUB_AUTH_CLIENT_SECRET: DEFAULT_MOSIP_CLIENTS.websub.secretKey,
        MOSIP_WEBSUB_HUB_URL: mosip.hub.hubUrl,
        MOSIP_WEBSUB_TOPIC: credentialTopic,
        MOSIP_WEBSUB_CALLBACK_URL: callbackUrl,
        MOSIP_WEBSUB_SECRET: NEW_SECRET,
        MOSIP_WEBSUB_PREVIOUS_SECRETS: OLD_SECRET,
        OUTBOUND_TIMEOUT_MS: '5000'
      }
    })
    after(async () => {
      await mosip?.close()
      await bridge?.close()
      await ctx?.drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('subscribes both topics and waits until the running bridge confirmed them', async () => {
      const result = await run(['subscribe', '--json'], { MOSIP_WEBSUB_SECRET: OLD_SECRET })
      assert.equal(result.status, 0, result.stderr + result.stdout)
      const report = JSON.parse(result.stdout) as WebsubReport
      assert.deepEqual(
        report.topics.map((t) => [t.name, t.topic, t.done, t.steps.map((s) => s.mode)]),
        [
          ['credential', credentialTopic, true, ['subscribe']],
          ['workflow', WORKFLOW, true, ['subscribe']]
        ]
      )
      assert.equal(report.topics[0]?.steps[0]?.verification?.kind, 'confirmed')
      for (const topic of [credentialTopic, WORKFLOW]) {
        assert.equal(subscriptionOf(topic)?.state, 'active')
        assert.equal(subscriptionOf(topic)?.secret, 'ol…(22)', 'subscribed with the old secret')
      }
      assert.doesNotMatch(result.stdout, new RegExp(OLD_SECRET), 'no secret is printed')
      assert.deepEqual(
        (await audited('websub.subscribe')).map((a) => [a.actor, a.target, a.outcome]),
        [
          ['operator-ws', credentialTopic, 'subscribe confirmed'],
          ['operator-ws', WORKFLOW, 'subscribe confirmed']
        ]
      )
    })

    it('refuses an unsubscription nobody asked for through the command', async () => {
      const before = verifications('unsubscribe').length
      const outcome = await client(credentialTopic, 'whatever').unsubscribeNow()
      assert.equal(outcome.kind, 'ok', 'the hub accepted the request')
      await waitFor('the hub to verify it', () => verifications('unsubscribe').length > before)
      assert.equal(verifications('unsubscribe').at(-1)?.outcome, 'mismatch')
      assert.equal(verifications('unsubscribe').at(-1)?.status, 404)
      assert.equal(subscriptionOf(credentialTopic)?.state, 'active', 'still subscribed')
    })

    it('prints what resubscribe would send with --dry-run, sending nothing', async () => {
      const hubCalls = mosip.hub.verifications().length
      const rows = (await intents()).length
      const result = await run(['resubscribe', '--dry-run'])
      assert.equal(result.status, 0, result.stderr + result.stdout)
      assert.match(result.stdout, /^dry run: nothing is sent to the hub$/m)
      assert.match(result.stdout, /WebSub client login: ok/)
      assert.match(
        result.stdout,
        new RegExp(
          `credential topic .*: would subscribe \\(relay\\), then unsubscribe, then subscribe, then unsubscribe \\(relay\\) ${callbackUrl}`
        )
      )
      assert.equal(mosip.hub.verifications().length, hubCalls)
      assert.equal((await intents()).length, rows, 'no intent recorded')

      const wrong = await run(['resubscribe', '--dry-run', '--json'], {
        MOSIP_WEBSUB_AUTH_CLIENT_SECRET: 'not-the-secret'
      })
      assert.equal(wrong.status, 1)
      assert.equal((JSON.parse(wrong.stdout) as WebsubReport).login?.ok, false)
    })

    it('moves the hub to the new secret through the relay: never without a subscription', async () => {
      const result = await run(['resubscribe', '--overlap', '0'])
      assert.equal(result.status, 0, result.stderr + result.stdout)
      assert.match(
        result.stdout,
        /credential topic .*:\n {2}subscribe \(relay\): accepted by the hub(?: \(request \d\))?; verified through the bridge after \d+(?:\.\d)? m?s\n {2}unsubscribe: accepted by the hub; verified through the bridge after \d+(?:\.\d)? m?s\n {2}subscribe: accepted by the hub(?: \(request \d\))?; verified through the bridge.*\n {2}unsubscribe \(relay\): accepted by the hub; verified/
      )
      assert.equal(
        mosip.hub.subscriptions().filter((s) => s.callback === `${callbackUrl}/relay`).length,
        0,
        'the relay is dropped'
      )
      assert.match(result.stdout, /MOSIP_WEBSUB_PREVIOUS_SECRETS/)
      assert.match(result.stdout, /mosip_bridge_websub_signature_failures_total/)
      for (const topic of [credentialTopic, WORKFLOW]) {
        assert.equal(subscriptionOf(topic)?.state, 'active')
        assert.equal(subscriptionOf(topic)?.secret, 'ne…(24)', `${topic} uses the new secret`)
        assert.equal(
          verifications('unsubscribe', 'verified').filter((v) => v.topic === topic).length,
          1
        )
      }
      const rows = await intents()
      const ours = rows.filter((row) => row.requested_by === 'cli:operator-ws')
      assert.ok(ours.every((row) => row.confirmed_at !== null && row.denied_at === null))
      assert.deepEqual(
        (await audited('websub.resubscribe')).map((a) => a.outcome),
        Array.from(
          { length: 2 },
          () =>
            'subscribe (relay) confirmed; unsubscribe confirmed; subscribe confirmed; unsubscribe (relay) confirmed'
        )
      )

      // The bridge knows only the new secret: the hub's next delivery proves it signs with it.
      mosip.hub.publish(credentialTopic, {
        publisher: 'CREDENTIAL_SERVICE',
        topic: credentialTopic,
        publishedOn: new Date().toISOString(),
        event: { id: 'after-resubscribe', transactionId: 't-1', data: {} }
      })
      const delivery = await waitFor('the delivery', () =>
        mosip.hub
          .deliveries({ callback: callbackUrl })
          .find((d) => d.eventId === 'after-resubscribe')
      )
      assert.equal(delivery.status, 200)
    })

    it('unsubscribes one topic without waiting, and subscribes it again after a denial', async () => {
      const result = await run(['unsubscribe', '--topic', 'workflow', '--wait', '0', '--json'])
      assert.equal(result.status, 0, result.stderr + result.stdout)
      const report = JSON.parse(result.stdout) as WebsubReport
      assert.deepEqual(
        report.topics.map((t) => t.name),
        ['workflow']
      )
      assert.equal(report.topics[0]?.steps[0]?.verification?.kind, 'not-awaited')
      await waitFor('the hub to drop the workflow subscription', () => !subscriptionOf(WORKFLOW))
      assert.equal(subscriptionOf(credentialTopic)?.state, 'active', 'the other topic stays')

      mosip.hub.denyNext(WORKFLOW, 'Topic is closed for maintenance')
      const again = await run(['subscribe', '--topic', 'workflow', '--wait', '20'])
      assert.equal(again.status, 0, again.stderr + again.stdout)
      assert.match(again.stdout, /subscribe: accepted by the hub \(request 2\); verified/)
      assert.equal(subscriptionOf(WORKFLOW)?.state, 'active')
    })

    it('reports a denied unsubscription and leaves the subscription as it was', async () => {
      // The denial is for the callback's next request, the unsubscription: the relay's
      // subscription before it goes through.
      mosip.hub.denyNext(credentialTopic, 'Topic is closed for maintenance', callbackUrl)
      const result = run(['resubscribe', '--topic', 'credential', '--overlap', '0'])
      const outcome = await result
      assert.equal(outcome.status, 1)
      assert.match(
        outcome.stdout,
        /\n {2}unsubscribe: accepted by the hub, then denied: Topic is closed for maintenance/
      )
      assert.match(outcome.stdout, /mosip-bridge websub subscribe --topic credential/)
      assert.doesNotMatch(outcome.stdout, /\n {2}subscribe:/, 'the callback is not asked for again')
      assert.match(outcome.stdout, /\n {2}unsubscribe \(relay\): accepted by the hub; verified/)
      assert.equal(subscriptionOf(credentialTopic)?.state, 'active')
    })

    it('withdraws an unsubscription whose verification does not reach the bridge in time', async () => {
      const unreachable = `http://127.0.0.1:${await closedPort()}/websub/callback`
      const result = await run(['unsubscribe', '--topic', 'credential', '--wait', '1'], {
        MOSIP_WEBSUB_CALLBACK_URL: unreachable
      })
      assert.equal(result.status, 1)
      assert.match(result.stdout, /no verification reached the bridge within 1\.\d s; withdrawn/)
      assert.match(result.stdout, /reachable from the hub at MOSIP_WEBSUB_CALLBACK_URL/)
      const last = (await intents()).at(-1)
      assert.equal(last?.confirmed_at, null)
      assert.ok(Number(last?.expires_at) <= Date.now(), 'withdrawn')
      assert.equal(subscriptionOf(credentialTopic)?.state, 'active')
    })

    it('reports a request the hub refused and withdraws its intent', async () => {
      const result = await run(['unsubscribe', '--topic', 'credential', '--json'], {
        MOSIP_WEBSUB_AUTH_CLIENT_SECRET: 'not-the-secret'
      })
      assert.equal(result.status, 1)
      const step = (JSON.parse(result.stdout) as WebsubReport).topics[0]?.steps[0]
      assert.equal(step?.request.accepted, false)
      const last = (await intents()).at(-1)
      assert.ok(Number(last?.expires_at) <= Date.now(), 'withdrawn')
      assert.match((await audited('websub.unsubscribe')).at(-1)?.outcome ?? '', /refused/)
    })

    it('refuses an unknown or switched-off topic', async () => {
      const unknown = await run(['unsubscribe', '--topic', 'credentials'])
      assert.equal(unknown.status, 2)
      assert.match(unknown.stderr, /--topic must be one of credential, workflow, all/)
      const off = await run(['resubscribe', '--topic', 'workflow'], {
        MOSIP_WORKFLOW_COMPLETED_TOPIC: 'none'
      })
      assert.equal(off.status, 2)
      assert.match(off.stderr, /MOSIP_WORKFLOW_COMPLETED_TOPIC is none/)
      const noWait = await run(['resubscribe', '--wait', '0'])
      assert.equal(noWait.status, 1)
      assert.match(noWait.stderr, /expected a positive integer/)
    })
  })
}
