/**
 * The UIN MOSIP issues for a birth, checked through the bridge's /verify (MOSIP IDA), on real
 * sockets: simulated OpenCRVS → example country configuration → bridge (its own process,
 * MOSIP_DEACTIVATE_UIN_ON_DEATH=true) → simulated MOSIP. The child's UIN verifies with the
 * child's details as the birth packet carried them and not with another date of birth; once the
 * child's death is processed and the bridge has deactivated the UIN at the ID repository, IDA
 * answers as MOSIP 1.2 does for a deactivated UIN and /verify fails. SQLite and PostgreSQL.
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

const WEBSUB_SECRET = 'e2e-issued-identity-websub-secret'

const postgresOptions = await postgresSuiteOptions()

const CHILD = { firstname: 'Natasha', surname: 'Lungu' }
const CHILD_DOB = isoDaysAgo(20)

function deathDeclaration(nid: string): OpencrvsDeclaration {
  return {
    'deceased.name': CHILD,
    'deceased.dob': CHILD_DOB,
    'deceased.gender': 'female',
    'deceased.idType': 'NATIONAL_ID',
    'deceased.nid': nid,
    'eventDetails.date': isoDaysAgo(1),
    'informant.email': 'esther@example.org',
    'informant.relation': 'MOTHER',
    'informant.name': { firstname: 'Esther', surname: 'Lungu' },
    'informant.verified': 'verified'
  }
}

interface VerifyAnswer {
  status: 'verified' | 'failed'
  errors: Array<{ errorCode: string; reason: string }>
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`a birth's UIN through /verify on ${dialect}`, options, () => {
    let deployment: Deployment<'example'>
    let suite: SimulatorSuite
    let bridge: BridgeProcess
    let store: Store

    before(async () => {
      deployment = await startDeployment({
        name: 'issued-identity',
        dialect,
        countryConfig: 'example',
        simulators: { hubCommitMode: 'message', websubSecret: WEBSUB_SECRET },
        bridgeEnv: {
          LOG_LEVEL: 'debug',
          MOSIP_DEACTIVATE_UIN_ON_DEATH: 'true',
          VERIFY_MISMATCH_DETAILS: 'true'
        }
      })
      ;({ suite, bridge, store } = deployment)
    })

    after(() => deployment?.stop())

    async function verify(person: Record<string, unknown>): Promise<VerifyAnswer> {
      const response = await fetch(`${bridge.url}/verify`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${await suite.opencrvs.issueUserToken()}`
        },
        body: JSON.stringify(person)
      })
      assert.equal(response.status, 200, 'IDA answered about the person')
      return (await response.json()) as VerifyAnswer
    }

    const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

    const reasonsOf = (registrationId: string) => historyReasons(store, registrationId)

    it("verifies the child's UIN with the child's details until the death deactivates it", async () => {
      // A birth: MOSIP issues the child a UIN, which OpenCRVS receives.
      const birth = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: birthDeclaration({
          child: CHILD,
          dob: CHILD_DOB,
          gender: 'female',
          mother: 'Esther'
        })
      })
      const registered = await suite.opencrvs.register(birth.id)
      await suite.opencrvs.waitForConfirmation(birth.id, registered.actionId, 'Accepted', {
        timeoutMs: 30_000
      })
      const uin = String(suite.opencrvs.declarationOf(birth.id)['child.nid'])
      assert.equal(suite.mosip.core.identities.get(uin)?.uin, uin, 'a UIN of the simulated MOSIP')

      const child = { nid: uin, name: CHILD, dob: CHILD_DOB, gender: 'female' }
      assert.deepEqual(await verify(child), {
        status: 'verified',
        transactionId: null,
        idaTransactionId: suite.mosip.ida.attempts().at(-1)?.transactionID ?? null,
        errors: []
      })
      const otherDob = await verify({ ...child, dob: isoDaysAgo(21) })
      assert.equal(otherDob.status, 'failed')
      assert.deepEqual(
        otherDob.errors.map((error) => [error.errorCode, error.reason]),
        [['IDA-DEA-001', 'demographic-mismatch']],
        "IDA holds the child's own date of birth"
      )

      // The child's death, declared with that UIN: MOSIP processes it, the bridge confirms it and
      // then deactivates the UIN at the ID repository.
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
      assert.equal(suite.mosip.core.identities.get(uin)?.status, 'DEACTIVATED')

      const afterDeath = await verify(child)
      assert.equal(afterDeath.status, 'failed')
      assert.deepEqual(
        afterDeath.errors.map((error) => [error.errorCode, error.reason]),
        [['IDA-MLC-022', 'deactivated-id']]
      )
      assert.deepEqual(
        suite.mosip.ida
          .attempts()
          .slice(-1)
          .map((attempt) => attempt.errors),
        [[{ errorCode: 'IDA-MLC-022', errorMessage: 'UIN is deactivated/blocked' }]]
      )
      assert.equal(bridge.output().includes(uin), false, 'the UIN never reaches the logs')
    })
  })
}
