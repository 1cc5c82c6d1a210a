/**
 * Reconciliation with MOSIP on real sockets: the bridge in its own process polls MOSIP's status
 * search (the workflow-completed push is switched off with MOSIP_WORKFLOW_COMPLETED_TOPIC=none),
 * against the simulated MOSIP, its WebSub hub (committing whole polls, as MOSIP's does) and the
 * simulated OpenCRVS. Every outcome is reached within 30 s with a first check after 3 s and
 * checks every 2 s. Runs on SQLite and on PostgreSQL; two instances share the PostgreSQL database.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SAMPLE_IDENTITIES, type SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import { freePort, startBridgeProcess, type BridgeProcess } from '../src/bridge-process.js'
import { postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { registrationOfEvent, historyReasons } from './helpers/store-reads.js'

const WEBSUB_SECRET = 'e2e-reconcile-secret-8c2a'
/** Every outcome of the issue is reached within this long. */
const OUTCOME_MS = 30_000
const STATUS_SEARCH = 'registrationstatus/'

const postgresOptions = await postgresSuiteOptions()

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`reconciliation with MOSIP on ${dialect}`, options, () => {
    let deployment: Deployment<'stub'>
    let suite: SimulatorSuite
    let bridge: BridgeProcess
    let env: Record<string, string>
    let store: Store

    before(async () => {
      deployment = await startDeployment({
        name: 'reconcile',
        dialect,
        countryConfig: 'stub',
        simulators: { hubRetryDelaysMs: [100, 200, 400], websubSecret: WEBSUB_SECRET },
        bridgeEnv: {
          JOB_MAX_ATTEMPTS: '2',
          JOB_BACKOFF_MAX_MS: '500',
          JOB_LEASE_SECONDS: '5',
          MOSIP_WEBSUB_RESUBSCRIBE_SECONDS: '2',
          MOSIP_WORKFLOW_COMPLETED_TOPIC: 'none',
          MOSIP_RECONCILE_AFTER_SECONDS: '3',
          MOSIP_RECONCILE_INTERVAL_SECONDS: '2'
        }
      })
      ;({ suite, bridge, env, store } = deployment)
    })

    after(() => deployment?.stop())

    async function registerEvent(type: 'birth' | 'death') {
      const declaration =
        type === 'birth'
          ? {
              'child.name': { firstname: 'Mutale', surname: 'Zulu' },
              'child.dob': '2026-03-02',
              'informant.email': 'grace@example.org'
            }
          : {
              // A person MOSIP holds: a death naming no UIN it knows is rejected, as in MOSIP.
              'deceased.name': { firstname: 'Joseph', surname: 'Banda' },
              'deceased.idType': 'NATIONAL_ID',
              'deceased.nid': SAMPLE_IDENTITIES[1].uin,
              'eventDetails.date': '2026-09-12',
              'informant.email': 'ruth@example.org'
            }
      const event = suite.opencrvs.createEvent({ type, declaration })
      const trigger = await suite.opencrvs.register(event.id)
      assert.equal(trigger.outcome, 'pending', `the action stays requested (${trigger.httpStatus})`)
      return { eventId: event.id, actionId: trigger.actionId, at: Date.now() }
    }

    const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

    const reasonsOf = (id: string) => historyReasons(store, id)

    /** Waits for the registration to reach `state` in our store, then returns it. */
    async function reaches(eventId: string, state: string, timeoutMs = OUTCOME_MS) {
      return waitFor(
        `the registration to be ${state}`,
        async () => {
          const registration = await registrationOf(eventId)
          return registration?.state === state ? registration : undefined
        },
        timeoutMs
      )
    }

    /** Accepted in OpenCRVS and recorded as confirmed, within `OUTCOME_MS` of `since`. */
    async function confirmedWithin(
      registered: { eventId: string; actionId: string },
      since: number
    ) {
      await suite.opencrvs.waitForConfirmation(
        registered.eventId,
        registered.actionId,
        'Accepted',
        {
          timeoutMs: OUTCOME_MS
        }
      )
      const registration = await reaches(registered.eventId, 'confirmed')
      assertWithin(since)
      return registration
    }

    function assertWithin(since: number): void {
      const took = Date.now() - since
      assert.ok(took < OUTCOME_MS, `reached in ${took} ms`)
    }

    function acceptCalls(eventId: string): number {
      return suite.opencrvs.server
        .requests('opencrvs-gateway')
        .filter((r) => r.url.includes('event.actions.register.accept') && r.body?.includes(eventId))
        .length
    }

    /** How often each MOSIP id was asked about on the status searches. */
    function statusQuestions(): Map<string, number> {
      const asked = new Map<string, number>()
      for (const request of suite.mosip.sim.requests('registration-processor')) {
        if (!request.url.includes(STATUS_SEARCH) || !request.body) continue
        const body = JSON.parse(request.body) as { request?: Array<{ registrationId?: string }> }
        for (const item of body.request ?? []) {
          if (item.registrationId)
            asked.set(item.registrationId, (asked.get(item.registrationId) ?? 0) + 1)
        }
      }
      return asked
    }

    it('a packet MOSIP rejects in processing is rejected in OpenCRVS', async () => {
      suite.mosip.core.pipeline.setProcessOutcome('CRVS_NEW', 'rejected', 1)
      const registered = await registerEvent('birth')
      await suite.opencrvs.waitForConfirmation(
        registered.eventId,
        registered.actionId,
        'Rejected',
        {
          timeoutMs: OUTCOME_MS
        }
      )
      const registration = await reaches(registered.eventId, 'rejected')
      assertWithin(registered.at)
      assert.equal(suite.mosip.core.registrations.get(registration.id)?.statusCode, 'REJECTED')
      // OpenCRVS's rejection of an asynchronous action takes no reason: MOSIP's stays with us.
      assert.equal(registration.mosip_status, 'REJECTED')
      const reasons = await reasonsOf(registration.id)
      assert.ok(reasons.includes('MOSIP_REJECTED'), reasons.join(','))
      assert.equal(acceptCalls(registered.eventId), 0)
    })

    it('a death MOSIP processes without a credential is confirmed once MOSIP reports it processed', async () => {
      suite.mosip.core.pipeline.setCredentialFor('CRVS_DEATH', false)
      try {
        const registered = await registerEvent('death')
        const registration = await confirmedWithin(registered, registered.at)
        assert.deepEqual(
          suite.mosip.core.issuer.issued.filter((c) => c.registrationId === registration.id),
          [],
          'no credential was issued'
        )
        assert.ok((await reasonsOf(registration.id)).includes('MOSIP_UIN_GENERATED'))
        assert.equal(acceptCalls(registered.eventId), 1)
      } finally {
        suite.mosip.core.pipeline.setCredentialFor('CRVS_DEATH', true)
      }
    })

    it('a registration MOSIP lost is submitted again under the same id and completes', async () => {
      suite.mosip.core.pipeline.setProcessOutcome('CRVS_NEW', 'processing', 1)
      const registered = await registerEvent('birth')
      const submitted = await reaches(registered.eventId, 'submitted')
      await waitFor(
        'MOSIP processing it',
        () => suite.mosip.core.registrations.get(submitted.id)?.statusCode === 'PROCESSING'
      )
      assert.ok(suite.mosip.core.registrations.forget(submitted.id))
      const registration = await confirmedWithin(registered, registered.at)
      assert.equal(registration.mosip_id, null, 'the same MOSIP id')
      assert.equal(registration.resubmissions, 1)
      assert.ok((await reasonsOf(registration.id)).includes('MOSIP_RESUBMIT_UNKNOWN_ID'))
      assert.ok(suite.mosip.core.packets.has(registration.id), 'the packet was created again')
      assert.equal(acceptCalls(registered.eventId), 1)
    })

    it('a packet MOSIP asks for again (RESEND) is submitted under a new id and completes', async () => {
      suite.mosip.core.pipeline.setProcessOutcome('CRVS_NEW', 'resend', 1)
      const registered = await registerEvent('birth')
      const registration = await confirmedWithin(registered, registered.at)
      assert.ok(registration.mosip_id && registration.mosip_id !== registration.id)
      assert.equal(suite.mosip.core.registrations.get(registration.id)?.statusCode, 'FAILED')
      assert.ok(
        suite.mosip.core.issuer.issued.some((c) => c.registrationId === registration.mosip_id),
        'the credential names the new id'
      )
      assert.equal(acceptCalls(registered.eventId), 1)
    })

    it('credentials lost in a poll are found by reconciliation; a later delivery still completes one', async () => {
      const hub = suite.mosip.hub
      const topic = suite.mosip.core.issuer.topic
      hub.pausePolling()
      let registered: Array<Awaited<ReturnType<typeof registerEvent>>> = []
      let ids: string[] = []
      try {
        for (let n = 0; n < 3; n++) registered.push(await registerEvent('birth'))
        ids = await Promise.all(
          registered.map(async (r) => (await reaches(r.eventId, 'submitted')).id)
        )
        await waitFor('the three credentials published', () =>
          ids.every((id) => suite.mosip.core.issuer.issued.some((c) => c.registrationId === id))
        )
        // The first delivery of the poll goes through; the next fails through every retry.
        hub.failNext({ topic }, 1)
      } finally {
        hub.resumePolling()
      }
      const since = Math.min(...registered.map((r) => r.at))
      // Which of them got through is the hub's order of publication.
      const order = suite.mosip.core.issuer.issued
        .filter((c) => ids.includes(c.registrationId))
        .map((c) => c.registrationId)
      const [delivered, ...lost] = order
      const byId = new Map(ids.map((id, n) => [id, registered[n]!]))
      await confirmedWithin(byId.get(delivered!)!, since)
      for (const id of lost) {
        const registration = await reaches(byId.get(id)!.eventId, 'needs_attention')
        assert.equal((await reasonsOf(id)).at(-1), 'MOSIP_ISSUED_NO_CREDENTIAL')
        assert.equal(registration.mosip_status, 'UIN_GENERATED')
      }
      assertWithin(since)
      const lostDeliveries = hub
        .deliveries({ topic })
        .filter((d) => d.outcome === 'delivered')
        .filter((d) =>
          lost.some((id) =>
            suite.mosip.core.issuer.issued.some(
              (c) => c.registrationId === id && c.event.event.id === d.eventId
            )
          )
        )
      assert.deepEqual(lostDeliveries, [], 'the lost credentials were never delivered')

      // MOSIP publishes one of them again (credential-service asked to reissue): it completes.
      const again = lost[0]!
      const issued = suite.mosip.core.issuer.issued.find((c) => c.registrationId === again)!
      const republishedAt = Date.now()
      hub.publish(topic, issued.event)
      await confirmedWithin(byId.get(again)!, republishedAt)
      const uin = (issued.credential.credentialSubject as Record<string, unknown>).UIN
      assert.equal(suite.opencrvs.declarationOf(byId.get(again)!.eventId)['child.nid'], uin)
      assert.equal((await registrationOf(byId.get(lost[1]!)!.eventId))?.state, 'needs_attention')
      registered = []
    })

    it('a MOSIP outage longer than every job attempt rejects nothing, and all completes after', async () => {
      suite.mosip.core.pipeline.setCredentialFor('CRVS_DEATH', false)
      try {
        // A death in MOSIP, to be confirmed by reconciliation, and a birth accepted during the outage.
        const death = await registerEvent('death')
        const deathId = (await reaches(death.eventId, 'submitted')).id
        await suite.mosip.sim.goDown()
        const downAt = Date.now()
        let birth: Awaited<ReturnType<typeof registerEvent>> | undefined
        try {
          birth = await registerEvent('birth')
          await waitFor(
            'the submission to fail more often than JOB_MAX_ATTEMPTS',
            async () => ((await registrationOf(birth!.eventId))?.attempts ?? 0) >= 3,
            OUTCOME_MS
          )
          await waitFor(
            'the death to be postponed by failed status searches',
            async () => {
              const waiting = await registrationOf(death.eventId)
              return Number(waiting?.mosip_checked_at ?? 0) > downAt + 4_500
            },
            OUTCOME_MS
          )
          for (const eventId of [death.eventId, birth.eventId]) {
            const waiting = await registrationOf(eventId)
            assert.ok(
              waiting?.state === 'submitted' || waiting?.state === 'received',
              `still waiting: ${waiting?.state}`
            )
          }
          assert.equal((await registrationOf(death.eventId))?.mosip_status, null)
        } finally {
          await suite.mosip.sim.comeUp()
        }
        const upAt = Date.now()
        await confirmedWithin(birth, upAt)
        await confirmedWithin(death, upAt)
        assert.ok((await reasonsOf(deathId)).includes('MOSIP_UIN_GENERATED'))
        for (const eventId of [death.eventId, birth.eventId]) {
          const reasons = await reasonsOf((await registrationOf(eventId))!.id)
          assert.ok(
            !reasons.some((r) => r === 'MOSIP_REJECTED' || r?.startsWith('TOKEN_')),
            reasons.join(',')
          )
          assert.equal(
            suite.opencrvs.getEvent(eventId)?.actions.some((a) => a.status === 'Rejected'),
            false
          )
        }
      } finally {
        suite.mosip.core.pipeline.setCredentialFor('CRVS_DEATH', true)
      }
    })

    it('logs reconciliation without national ids or secrets', () => {
      const logs = bridge.output()
      assert.ok(logs.includes('reconciliation pass'), 'the passes were logged')
      assert.ok(!logs.includes(WEBSUB_SECRET), 'the WebSub secret')
      assert.ok(!logs.includes(env.MOSIP_PACKET_AUTH_CLIENT_SECRET!), 'the MOSIP client secret')
      for (const identity of suite.mosip.core.pipeline.listIdentities()) {
        assert.ok(!logs.includes(identity.uin), 'a national id')
      }
    })

    if (dialect === 'postgres') {
      it('two instances on one database never act twice on a registration', async (t) => {
        const second = await startBridgeProcess({ env, port: await freePort() })
        suite.mosip.core.pipeline.setCredentialFor('CRVS_DEATH', false)
        try {
          suite.mosip.sim.clearRequests()
          const registered = []
          // Spread over a few of the instances' ticks, so that both take part.
          for (let n = 0; n < 6; n++) {
            registered.push(await registerEvent('death'))
            await new Promise((resolve) => setTimeout(resolve, 300))
          }
          // Confirmed by reconciliation alone: no credential is issued for a death here.
          for (const r of registered) await confirmedWithin(r, registered[0]!.at)
          for (const r of registered) assert.equal(acceptCalls(r.eventId), 1, 'one confirmation')
          const ids = await Promise.all(
            registered.map(async (r) => (await registrationOf(r.eventId))!.id)
          )
          const asked = statusQuestions()
          assert.deepEqual(
            ids.map((id) => asked.get(id)),
            ids.map(() => 1),
            'each asked about once: MOSIP had processed it before its first check'
          )
          const passes = [bridge, second].map(
            (instance) => instance.output().split('"reconciliation pass"').length - 1
          )
          t.diagnostic(`passes that checked registrations, per instance: ${passes.join(', ')}`)
        } finally {
          suite.mosip.core.pipeline.setCredentialFor('CRVS_DEATH', true)
          await second.stop()
        }
      })
    }
  })
}
