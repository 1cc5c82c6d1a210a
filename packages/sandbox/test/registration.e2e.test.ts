/**
 * The registration round trip on real sockets: simulated OpenCRVS → country configuration →
 * bridge (its own process) → simulated MOSIP → WebSub → bridge → simulated OpenCRVS, with faults.
 * Runs on SQLite and on PostgreSQL.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SAMPLE_IDENTITIES, type SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import type { BridgeProcess } from '../src/bridge-process.js'
import type { CountryConfigStub } from '../src/country-config-stub.js'
import { postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { registrationOfEvent } from './helpers/store-reads.js'

const WEBSUB_SECRET = 'e2e-websub-secret-5f1d'
const DATA_KEY = Buffer.alloc(32, 42).toString('hex')

// Decided before any suite starts: the simulators' key generation blocks the event loop.
const postgresOptions = await postgresSuiteOptions()

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`registration round trip on ${dialect}`, options, () => {
    let deployment: Deployment<'stub'>
    let suite: SimulatorSuite
    let stub: CountryConfigStub
    let bridge: BridgeProcess
    let env: Record<string, string>
    let store: Store

    before(async () => {
      deployment = await startDeployment({
        name: 'registration',
        dialect,
        countryConfig: 'stub',
        simulators: {
          // These tests kill the bridge while credentials are in flight to test its own recovery;
          // the hub's poll-batch loss is covered by the simulator's tests.
          hubCommitMode: 'message',
          websubSecret: WEBSUB_SECRET
        },
        bridgeEnv: {
          LOG_LEVEL: 'debug',
          DATA_ENCRYPTION_KEY: DATA_KEY,
          JOB_LEASE_SECONDS: '5',
          MOSIP_WEBSUB_RESUBSCRIBE_SECONDS: '2'
        }
      })
      ;({ suite, countryConfig: stub, bridge, env, store } = deployment)
    })

    after(() => deployment?.stop())

    async function registerEvent(type: 'birth' | 'death') {
      const declaration =
        type === 'birth'
          ? {
              'child.name': { firstname: 'Chanda', surname: 'Bwalya' },
              'child.dob': '2026-01-15',
              'informant.name': { firstname: 'Mary', surname: 'Bwalya' },
              'informant.email': 'mary@example.org'
            }
          : {
              // A person MOSIP holds: a death naming no UIN it knows is rejected, as in MOSIP.
              'deceased.name': { firstname: 'Joseph', surname: 'Banda' },
              'deceased.idType': 'NATIONAL_ID',
              'deceased.nid': SAMPLE_IDENTITIES[1].uin,
              'eventDetails.date': '2026-10-01',
              'informant.email': 'ruth@example.org'
            }
      const event = suite.opencrvs.createEvent({ type, declaration })
      const trigger = await suite.opencrvs.register(event.id)
      assert.equal(
        trigger.outcome,
        'pending',
        `the trigger left the action requested (${trigger.httpStatus})`
      )
      return { eventId: event.id, actionId: trigger.actionId }
    }

    const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

    /** Accepted in OpenCRVS, and recorded as confirmed by the bridge. */
    async function confirmed(eventId: string, actionId: string, timeoutMs = 30_000) {
      const action = await suite.opencrvs.waitForConfirmation(eventId, actionId, 'Accepted', {
        timeoutMs
      })
      await waitFor('the bridge to record the confirmation', async () => {
        return (await registrationOf(eventId))?.state === 'confirmed'
      })
      return action
    }

    function issuedUin(registrationId: string): string {
      const issued = suite.mosip.core.issuer.issued.find((c) => c.registrationId === registrationId)
      const uin = (issued?.credential.credentialSubject as Record<string, unknown> | undefined)?.UIN
      assert.equal(typeof uin, 'string', 'MOSIP issued a UIN')
      return uin as string
    }

    function acceptCalls(eventId: string): number {
      return suite.opencrvs.server
        .requests('opencrvs-gateway')
        .filter((r) => r.url.includes('event.actions.register.accept') && r.body?.includes(eventId))
        .length
    }

    it('registers a birth and writes the national id MOSIP issued into OpenCRVS', async () => {
      const { eventId, actionId } = await registerEvent('birth')
      await confirmed(eventId, actionId)
      const registration = await registrationOf(eventId)
      assert.equal(registration?.state, 'confirmed')
      assert.equal(suite.opencrvs.declarationOf(eventId)['child.nid'], issuedUin(registration!.id))
      const packet = suite.mosip.core.packets.get(registration!.id)
      assert.equal(packet?.process, 'CRVS_NEW')
      assert.equal(packet?.fields.birthCertificateNumber, stub.registrationNumbers.get(eventId))
      assert.equal(
        suite.opencrvs.getEvent(eventId)?.actions.find((a) => a.originalActionId === actionId)
          ?.registrationNumber,
        stub.registrationNumbers.get(eventId)
      )
    })

    it('registers a death without writing any national id key', async () => {
      const { eventId, actionId } = await registerEvent('death')
      await confirmed(eventId, actionId)
      assert.equal((await registrationOf(eventId))?.state, 'confirmed')
      assert.equal(
        'child.nid' in suite.opencrvs.declarationOf(eventId),
        false,
        'no child.nid, not even null'
      )
      const packet = suite.mosip.core.packets.get((await registrationOf(eventId))!.id)
      assert.equal(packet?.process, 'CRVS_DEATH')
    })

    it('refuses a forged delivery; the periodic re-subscription brings the credential back', async () => {
      // The credential's delivery, not the workflow-completed event the bridge also receives.
      const credentials = { topic: suite.mosip.core.issuer.topic }
      suite.mosip.hub.forgeSignatureNext(credentials)
      const { eventId, actionId } = await registerEvent('birth')
      const registration = await waitFor('the registration', () => registrationOf(eventId))
      await waitFor('the forged delivery to be refused', () =>
        suite.mosip.hub.deliveries(credentials).some((d) => d.status === 401)
      )
      const refused = suite.mosip.hub.deliveries(credentials).find((d) => d.status === 401)!
      // Not past the submission: the forged delivery (this registration's, or a late one of an
      // earlier test's that came first) confirmed nothing.
      assert.ok(
        ['received', 'packet_created', 'submitted'].includes(
          (await registrationOf(eventId))?.state ?? ''
        ),
        'the forged delivery confirmed nothing'
      )
      assert.equal(acceptCalls(eventId), 0)
      await confirmed(eventId, actionId)
      const redelivered = suite.mosip.hub
        .deliveries()
        .find((d) => d.eventId === refused.eventId && d.outcome === 'delivered')
      assert.ok(redelivered, 'the same event was delivered again, correctly signed')
      assert.equal(suite.opencrvs.declarationOf(eventId)['child.nid'], issuedUin(registration.id))
    })

    it('completes a registration accepted while MOSIP refused connections', async () => {
      await suite.mosip.sim.goDown()
      try {
        const { eventId } = await registerEvent('birth')
        await waitFor('a failed submission attempt', async () => {
          const registration = await registrationOf(eventId)
          return registration && registration.attempts >= 1 ? registration : undefined
        })
        assert.equal((await registrationOf(eventId))?.state, 'received')
        await suite.mosip.sim.comeUp()
        const registration = await registrationOf(eventId)
        await waitFor(
          'confirmation',
          async () => (await registrationOf(eventId))?.state === 'confirmed'
        )
        assert.ok(
          suite.opencrvs.declarationOf(eventId)['child.nid'] === issuedUin(registration!.id)
        )
      } finally {
        await suite.mosip.sim.comeUp()
      }
    })

    it('retries createPacket answering errors[] and response: null, then succeeds', async () => {
      suite.mosip.core.packets.setWriter('CRVS1', [])
      suite.mosip.core.packets.nullResponseNext(1)
      const { eventId, actionId } = await registerEvent('birth')
      await waitFor(
        'two refused createPacket attempts',
        async () => ((await registrationOf(eventId))?.attempts ?? 0) >= 2
      )
      const stalled = await registrationOf(eventId)
      assert.equal(stalled?.state, 'received')
      assert.match(stalled?.last_error ?? '', /KER-PUT-006|MOSIP_EMPTY_RESPONSE/)
      suite.mosip.core.packets.setWriter('CRVS1', ['CRVS_NEW', 'CRVS_DEATH', 'CRVS_UPDATE'])
      await confirmed(eventId, actionId)
      assert.equal((await registrationOf(eventId))?.state, 'confirmed')
    })

    it('keeps confirming while OpenCRVS answers 503, then completes', async () => {
      suite.opencrvs.setFaults('opencrvs-gateway', { errorRate: 1, errorStatus: 503 })
      try {
        const { eventId, actionId } = await registerEvent('birth')
        await waitFor('confirmation attempts against the failing gateway', async () => {
          const registration = await registrationOf(eventId)
          return registration?.state === 'credential_received' && registration.attempts >= 2
        })
        suite.opencrvs.setFaults('opencrvs-gateway', { errorRate: 0 })
        await confirmed(eventId, actionId)
        assert.equal((await registrationOf(eventId))?.state, 'confirmed')
      } finally {
        suite.opencrvs.setFaults('opencrvs-gateway', { errorRate: 0 })
      }
    })

    it('confirms once when the same delivery arrives twice', async () => {
      suite.mosip.hub.duplicateNext({ topic: suite.mosip.core.issuer.topic })
      const { eventId, actionId } = await registerEvent('birth')
      await confirmed(eventId, actionId)
      const registration = await registrationOf(eventId)
      const mosipEventId = suite.mosip.core.issuer.issued.find(
        (c) => c.registrationId === registration!.id
      )?.event.event.id
      assert.ok(mosipEventId, 'MOSIP issued a credential')
      // The bridge acknowledges a delivery only once it is stored (a copy it already has is
      // not queued again), so both acknowledged means the second copy has been handled.
      await waitFor('both copies delivered', () => {
        return (
          suite.mosip.hub
            .deliveries()
            .filter((d) => d.eventId === mosipEventId && d.outcome === 'delivered').length >= 2
        )
      })
      // And nothing is left to run for this registration or this delivery.
      await waitFor('no unfinished job for the registration', async () => {
        const unfinished = await store.db
          .selectFrom('jobs')
          .select('id')
          .where('state', 'in', ['queued', 'running'])
          .where((eb) =>
            eb.or([
              eb('job_key', 'like', `%${registration!.id}%`),
              eb('job_key', 'like', `%${mosipEventId}%`)
            ])
          )
          .execute()
        return unfinished.length === 0
      })
      const inbox = await store.db
        .selectFrom('websub_inbox')
        .select('state')
        .where('event_id', '=', mosipEventId)
        .execute()
      assert.deepEqual(
        inbox.map((row) => row.state),
        ['processed'],
        'one stored delivery, processed'
      )
      assert.equal(acceptCalls(eventId), 1)
    })

    it('completes registrations after the bridge is killed (SIGKILL) after intake and after an acknowledged delivery', async () => {
      suite.mosip.core.pipeline.pause()
      const first = await registerEvent('birth')
      await deployment.restartBridge({ how: 'kill' })
      suite.mosip.core.pipeline.resume()
      await confirmed(first.eventId, first.actionId)

      const second = await registerEvent('birth')
      const registration = await waitFor('the registration', () => registrationOf(second.eventId))
      await waitFor(
        'the credential delivery to be acknowledged',
        () => {
          const issued = suite.mosip.core.issuer.issued.find(
            (c) => c.registrationId === registration.id
          )
          return suite.mosip.hub
            .deliveries()
            .some((d) => d.eventId === issued?.event.event.id && d.outcome === 'delivered')
        },
        30_000,
        5
      )
      await deployment.restartBridge({ how: 'kill' })
      await confirmed(second.eventId, second.actionId)
      assert.equal(
        suite.opencrvs.declarationOf(second.eventId)['child.nid'],
        issuedUin(registration.id)
      )
    })

    it('gets the credential back after the hub stopped delivering to a bridge that was down', async () => {
      await bridge.kill()
      const event = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: {
          'child.name': { firstname: 'Ada', surname: 'Phiri' },
          'child.dob': '2026-02-01'
        }
      })
      // The country configuration cannot reach the bridge: core rejects synchronously.
      const refused = await suite.opencrvs.register(event.id)
      assert.equal(refused.outcome, 'rejected')
      // Now a registration made while the bridge runs, whose credential comes while it is down.
      await deployment.startBridge()
      suite.mosip.core.pipeline.pause()
      const { eventId, actionId } = await registerEvent('birth')
      await waitFor(
        'the packet to be in MOSIP',
        async () => (await registrationOf(eventId))?.state === 'submitted'
      )
      await bridge.kill()
      suite.mosip.core.pipeline.resume()
      await waitFor('the hub to stop delivering to the dead bridge', () =>
        suite.mosip.hub.subscriptions().some((s) => s.state === 'stopped')
      )
      await deployment.startBridge()
      await confirmed(eventId, actionId)
    })

    it('never logs tokens, cookies, secrets or credentials, and never sends undefined under a dotted key', async () => {
      const logs = deployment.allOutput()
      assert.ok(logs.length > 1000, 'the bridge logged its work')
      assert.ok(!logs.includes(WEBSUB_SECRET), 'the WebSub secret')
      assert.ok(!logs.includes(env.MOSIP_PACKET_AUTH_CLIENT_SECRET!), 'the MOSIP client secret')
      assert.ok(!logs.includes(DATA_KEY), 'the data encryption key')
      assert.ok(!/eyJ[\w-]{10,}\.[\w-]{10,}/.test(logs), 'a JWT (OpenCRVS or MOSIP token)')
      for (const trigger of suite.opencrvs.triggers()) {
        const token = trigger.headers.authorization?.replace(/^Bearer /, '')
        if (token) assert.ok(!logs.includes(token.slice(-40)), 'an action token')
      }
      for (const issued of suite.mosip.core.issuer.issued) {
        const credential = issued.event.event.data.credential ?? ''
        assert.ok(!logs.includes(credential.slice(0, 60)), 'an encrypted credential')
        const uin = (issued.credential.credentialSubject as Record<string, unknown>).UIN
        if (typeof uin === 'string') assert.ok(!logs.includes(uin), 'a national id')
      }
      for (const request of suite.opencrvs.server.requests('opencrvs-gateway')) {
        if (!request.body) continue
        assert.ok(
          !request.body.includes('"undefined"'),
          `superjson undefined annotation in ${request.url}`
        )
      }
    })
  })
}
