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
import type { SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import type { BridgeProcess } from '../src/bridge-process.js'
import { postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { birthDeclaration, isoDaysAgo } from './helpers/declarations.js'

const OLD_SECRET = 'old-e2e-websub-secret-31'
const NEW_SECRET = 'new-e2e-websub-secret-0047'
/** What the operator changes for the restart, and the command then runs with. */
const ROTATED = { MOSIP_WEBSUB_SECRET: NEW_SECRET, MOSIP_WEBSUB_PREVIOUS_SECRETS: OLD_SECRET }

const postgresOptions = await postgresSuiteOptions()

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`changing the WebSub secret on ${dialect}`, options, () => {
    let deployment: Deployment<'example'>
    let callbackUrl: string
    let suite: SimulatorSuite
    let bridge: BridgeProcess
    let store: Store

    before(async () => {
      deployment = await startDeployment({
        name: 'websub-secret',
        dialect,
        countryConfig: 'example',
        simulators: { hubCommitMode: 'message', websubSecret: OLD_SECRET },
        bridgeEnv: { LOG_LEVEL: 'debug' }
      })
      ;({ suite, bridge, store } = deployment)
      callbackUrl = `${deployment.bridgeUrl}/websub/callback`
      assert.equal(deployment.env.MOSIP_WEBSUB_SECRET, OLD_SECRET)
      await waitFor(
        'the bridge to subscribe to credentials and workflow events',
        () => ourSubscriptions().filter((s) => s.state === 'active').length === 2
      )
    })

    after(() => deployment?.stop())

    function ourSubscriptions() {
      return suite.mosip.hub.subscriptions().filter((s) => s.callback === callbackUrl)
    }

    async function registerBirth(firstname: string) {
      const event = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: birthDeclaration({
          child: { firstname, surname: 'Tembo' },
          dob: isoDaysAgo(9),
          gender: 'female',
          mother: 'Grace'
        })
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
      await deployment.restartBridge({ env: ROTATED })
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
      const cli = await deployment.runCli(
        ['websub', 'resubscribe', '--json', '--wait', '30', '--overlap', '1'],
        {
          ...ROTATED,
          USER: 'operator-e2e'
        }
      )
      assert.equal(cli.status, 0, `${cli.stdout}\n${cli.stderr}`)
      const report = JSON.parse(cli.stdout) as {
        topics: Array<{
          name: string
          done: boolean
          steps: Array<{ mode: string; callback: string }>
        }>
        next: string[]
      }
      // Through the relay: subscribed before the callback is unsubscribed, dropped after it is
      // subscribed again, so the hub always had a subscription delivering.
      const through = ['subscribe relay', 'unsubscribe main', 'subscribe main', 'unsubscribe relay']
      assert.deepEqual(
        report.topics.map((t) => [t.name, t.done, t.steps.map((s) => `${s.mode} ${s.callback}`)]),
        [
          ['credential', true, through],
          ['workflow', true, through]
        ]
      )
      assert.deepEqual(
        hub.subscriptions().filter((s) => s.callback === `${callbackUrl}/relay`),
        [],
        'the relay is dropped'
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

      // Every bridge process's output, the one stopped for the restart included, and the command's.
      const outputs = [deployment.allOutput(), cli.stdout, cli.stderr]
      for (const secret of [OLD_SECRET, NEW_SECRET]) {
        assert.ok(!outputs.some((text) => text.includes(secret)), 'no secret reaches the output')
      }
    })
  })
}
