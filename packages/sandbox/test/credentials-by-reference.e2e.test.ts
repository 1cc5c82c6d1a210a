/**
 * MOSIP deployments whose CRVS partner policy shares credentials by data share, and
 * registration ids in MOSIP's own format, on real sockets: simulated OpenCRVS → example country
 * configuration → bridge (its own process) → simulated MOSIP, whose credential service puts each
 * credential in its datashare and publishes only `event.dataShareUri`. The bridge reads the
 * share (once) and completes the registration as with an inline credential; a share named on
 * another origin is refused and the delivery kept for an operator. The registration ids are
 * MOSIP's 29 digits, so the registration processor derives one keymanager reference for the
 * bridge's machine. SQLite and PostgreSQL.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import type { BridgeProcess } from '../src/bridge-process.js'
import { postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { birthDeclaration, isoDaysAgo } from './helpers/declarations.js'
import { registrationOfEvent } from './helpers/store-reads.js'

const WEBSUB_SECRET = 'e2e-datashare-websub-secret'
const MOSIP_ID = /^(10001)(10004)(\d{5})(\d{14})$/

const postgresOptions = await postgresSuiteOptions()

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`credentials by reference and MOSIP registration ids on ${dialect}`, options, () => {
    let deployment: Deployment<'example'>
    let suite: SimulatorSuite
    let bridge: BridgeProcess
    let store: Store
    const registered: string[] = []

    before(async () => {
      deployment = await startDeployment({
        name: 'datashare',
        dialect,
        countryConfig: 'example',
        simulators: {
          hubCommitMode: 'message',
          websubSecret: WEBSUB_SECRET,
          credentialShareBy: 'datashare'
        },
        bridgeEnv: { LOG_LEVEL: 'debug' }
      })
      ;({ suite, bridge, store } = deployment)
      const env = deployment.env
      // Neither setting is given: MOSIP-format ids and MOSIP's own origin are the defaults.
      assert.equal(env.MOSIP_REGISTRATION_ID_FORMAT, undefined)
      assert.equal(env.MOSIP_DATASHARE_ALLOWED_ORIGINS, undefined)
    })

    after(() => deployment?.stop())

    async function registerBirth(firstname: string) {
      const event = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: birthDeclaration({
          child: { firstname, surname: 'Phiri' },
          dob: isoDaysAgo(12),
          gender: 'male',
          mother: 'Ruth'
        })
      })
      const trigger = await suite.opencrvs.register(event.id)
      assert.equal(trigger.outcome, 'pending', 'the trigger left the action requested')
      return { eventId: event.id, actionId: trigger.actionId }
    }

    const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

    it('completes a registration whose credential MOSIP delivers by reference', async () => {
      const { eventId, actionId } = await registerBirth('Mutale')
      const action = await suite.opencrvs.waitForConfirmation(eventId, actionId, 'Accepted', {
        timeoutMs: 30_000
      })
      assert.equal(action.status, 'Accepted')
      await waitFor(
        'the bridge to record the confirmation',
        async () => (await registrationOf(eventId))?.state === 'confirmed'
      )
      const registration = await registrationOf(eventId)
      registered.push(registration!.id)

      const issued = suite.mosip.core.issuer.issued.find(
        (credential) => credential.registrationId === registration!.id
      )
      assert.ok(issued?.dataShareUri, 'MOSIP shared the credential by reference')
      assert.equal(issued.event.event.dataShareUri, issued.dataShareUri)
      assert.equal('credential' in issued.event.event.data, false, 'no credential inline')
      const key = issued.dataShareUri.split('/').at(-1)!
      const share = suite.mosip.core.issuer.dataShares.get(key)
      assert.deepEqual(
        share?.reads.map((read) => read.served),
        [true],
        'the bridge read the share once'
      )
      assert.equal(
        suite.opencrvs.declarationOf(eventId)['child.nid'],
        issued.credential.credentialSubject.UIN,
        'the national id reached OpenCRVS'
      )
      assert.equal(bridge.output().includes(key), false, 'the share key never reaches the logs')
    })

    it('refuses a data share on another origin and keeps the delivery for an operator', async () => {
      // Same simulated datashare, named by another origin (localhost for 127.0.0.1): a URL that
      // would work, refused only for where it points.
      const foreign = suite.mosip.url.replace('127.0.0.1', 'localhost')
      suite.mosip.core.issuer.shareNextFrom(foreign)
      const { eventId } = await registerBirth('Chileshe')
      const registration = await waitFor('the registration', () => registrationOf(eventId))
      registered.push(registration.id)
      const issued = await waitFor('MOSIP to issue the credential', () =>
        suite.mosip.core.issuer.issued.find((c) => c.registrationId === registration.id)
      )
      assert.ok(issued.dataShareUri?.startsWith(`${foreign}/v1/datashare/get/`))
      const delivery = await waitFor('the delivery to be kept', async () => {
        const entry = await store.db
          .selectFrom('websub_inbox')
          .select(['state', 'note', 'body_sealed'])
          .where('event_id', '=', issued.event.event.id)
          .executeTakeFirst()
        return entry && entry.state !== 'received' ? entry : undefined
      })
      assert.equal(delivery.state, 'invalid')
      assert.equal(delivery.note, 'DATASHARE_ORIGIN_NOT_ALLOWED')
      assert.notEqual(delivery.body_sealed, null, 'the delivery is kept, sealed')
      const key = issued.dataShareUri!.split('/').at(-1)!
      assert.deepEqual(suite.mosip.core.issuer.dataShares.get(key)?.reads, [], 'never fetched')
      assert.equal((await registrationOf(eventId))?.state, 'submitted', 'still waiting')
      assert.match(bridge.output(), /DATASHARE_ORIGIN_NOT_ALLOWED/)
    })

    it("gives registrations MOSIP's ids, so the keymanager reference stays the one of the machine", async () => {
      const { eventId, actionId } = await registerBirth('Bupe')
      await suite.opencrvs.waitForConfirmation(eventId, actionId, 'Accepted', { timeoutMs: 30_000 })
      registered.push((await registrationOf(eventId))!.id)

      const sequences = new Set<string>()
      for (const id of registered) {
        const parts = MOSIP_ID.exec(id)
        assert.ok(parts, `${id} is centre + machine + sequence + timestamp`)
        sequences.add(parts[3]!)
        // yyyyMMddHHmmss in UTC, within the test's time.
        const stamp = parts[4]!
        const at = Date.UTC(
          Number(stamp.slice(0, 4)),
          Number(stamp.slice(4, 6)) - 1,
          Number(stamp.slice(6, 8)),
          Number(stamp.slice(8, 10)),
          Number(stamp.slice(10, 12)),
          Number(stamp.slice(12, 14))
        )
        assert.ok(Math.abs(Date.now() - at) < 10 * 60_000, `${stamp} is the UTC time`)
      }
      assert.equal(sequences.size, registered.length, 'each id has its own sequence value')

      const references = suite.mosip.core.registrations.keymanagerReferences()
      assert.deepEqual(
        references.map((entry) => entry.reference),
        ['10001_10004'],
        'one keymanager key for the machine'
      )
      assert.deepEqual([...references[0]!.registrationIds].sort(), [...registered].sort())
    })
  })
}
