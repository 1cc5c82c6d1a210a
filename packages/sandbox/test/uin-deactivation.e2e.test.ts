/**
 * UIN deactivation on death, on real sockets: simulated OpenCRVS → example country
 * configuration → bridge (its own process, MOSIP_DEACTIVATE_UIN_ON_DEATH=true) → simulated
 * MOSIP. A birth gives a person a UIN; their death, declared with that UIN, is processed by
 * MOSIP and confirmed, and the bridge then sets the identity to DEACTIVATED in the simulated ID
 * repository, once. SQLite and PostgreSQL.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import type { OpencrvsDeclaration } from '@mosip-bridge/contracts'
import type { BridgeProcess } from '../src/bridge-process.js'
import { postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { birthDeclaration, isoDaysAgo } from './helpers/declarations.js'
import { registrationOfEvent, historyReasons } from './helpers/store-reads.js'

const WEBSUB_SECRET = 'e2e-deactivation-websub-secret'

const postgresOptions = await postgresSuiteOptions()

function deathDeclaration(nid: string): OpencrvsDeclaration {
  return {
    'deceased.name': { firstname: 'Mwila', surname: 'Banda' },
    'deceased.dob': isoDaysAgo(12),
    'deceased.gender': 'male',
    'deceased.idType': 'NATIONAL_ID',
    'deceased.nid': nid,
    'eventDetails.date': isoDaysAgo(1),
    'informant.email': 'ruth@example.org',
    'informant.relation': 'SPOUSE',
    'spouse.name': { firstname: 'Ruth', surname: 'Banda' },
    'spouse.verified': 'verified'
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`UIN deactivation on death on ${dialect}`, options, () => {
    let deployment: Deployment<'example'>
    let suite: SimulatorSuite
    let bridge: BridgeProcess
    let store: Store

    before(async () => {
      deployment = await startDeployment({
        name: 'deactivation',
        dialect,
        countryConfig: 'example',
        simulators: { hubCommitMode: 'message', websubSecret: WEBSUB_SECRET },
        bridgeEnv: { LOG_LEVEL: 'debug', MOSIP_DEACTIVATE_UIN_ON_DEATH: 'true' }
      })
      ;({ suite, bridge, store } = deployment)
      const env = deployment.env
      // The ID repository's URL is derived from MOSIP_CREATE_PACKET_URL: MOSIP's own host.
      assert.equal(env.MOSIP_IDREPO_URL, undefined)
    })

    after(() => deployment?.stop())

    const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

    const reasonsOf = (registrationId: string) => historyReasons(store, registrationId)

    it('deactivates the deceased UIN once at the ID repository', async () => {
      // A birth: MOSIP issues the person a UIN, which OpenCRVS receives.
      const birth = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: birthDeclaration({
          child: { firstname: 'Mwila', surname: 'Banda' },
          dob: isoDaysAgo(12),
          gender: 'male',
          mother: 'Ruth'
        })
      })
      const registered = await suite.opencrvs.register(birth.id)
      await suite.opencrvs.waitForConfirmation(birth.id, registered.actionId, 'Accepted', {
        timeoutMs: 30_000
      })
      const uin = String(suite.opencrvs.declarationOf(birth.id)['child.nid'])
      const identity = suite.mosip.core.pipeline.identity(uin)
      assert.equal(identity?.uin, uin, 'the national id is a UIN of the simulated MOSIP')
      assert.equal(identity.status, 'ACTIVATED')

      // Their death, declared with that UIN.
      const death = suite.opencrvs.createEvent({
        type: 'death',
        declaration: deathDeclaration(uin)
      })
      await suite.opencrvs.register(death.id)
      const registration = await waitFor('the death to be confirmed', async () => {
        const row = await registrationOf(death.id)
        return row?.state === 'confirmed' ? row : undefined
      })
      await waitFor('the deactivation to be recorded', async () =>
        (await reasonsOf(registration.id)).includes('UIN_DEACTIVATED')
      )

      assert.equal(identity.status, 'DEACTIVATED')
      assert.deepEqual(
        identity.statusChanges.map((change) => [change.status, change.registrationId]),
        [['DEACTIVATED', registration.id]],
        'deactivated once, for the death registration'
      )
      const updates = suite.mosip.core.idRepository.updates.filter((u) => u.uin === uin)
      assert.equal(updates.length, 1, 'one call to the ID repository')
      assert.equal(identity.deceased, true, "MOSIP's own death processing flagged the person")
      assert.equal(
        (await registrationOf(death.id))?.national_id_sealed,
        null,
        'nothing of the UIN is kept'
      )
      assert.equal(bridge.output().includes(uin), false, 'the UIN never reaches the logs')
    })
  })
}
