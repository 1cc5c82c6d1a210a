/**
 * MOSIP deployments with two mandatory languages and documents, on real sockets: simulated
 * OpenCRVS → example country configuration (`@mosip-bridge/client`, names in two scripts, the
 * proof of birth fetched for the packet) → bridge (its own process) → simulated MOSIP requiring
 * `eng` and `ara`. A bridge configured for both registers births with both languages in every
 * text field and the document in the packet; a bridge configured for English only sees MOSIP
 * reject the packet in processing, as the real ID validation does. SQLite and PostgreSQL.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import { fullNameOf, readName, readText } from '@mosip-bridge/client'
import type { BridgeProcess } from '../src/bridge-process.js'
import { postgresSuiteOptions, waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { birthDeclaration, isoDaysAgo } from './helpers/declarations.js'
import { registrationOfEvent } from './helpers/store-reads.js'

const WEBSUB_SECRET = 'e2e-languages-websub-secret'
const ARABIC_NAME = 'تشاندا بواليا'
/** The proof of birth the country configuration fetches from its document store. */
const PROOF_OF_BIRTH = Buffer.concat([
  Buffer.from('%PDF-1.4\n% notification of birth\n'),
  Buffer.alloc(64 * 1024, 0x41)
]).toString('base64')

const postgresOptions = await postgresSuiteOptions()

for (const dialect of ['sqlite', 'postgres'] as const) {
  const options = dialect === 'postgres' ? postgresOptions : {}
  describe(`two mandatory languages and documents on ${dialect}`, options, () => {
    let deployment: Deployment<'example'>
    let suite: SimulatorSuite
    let bridge: BridgeProcess
    let store: Store

    before(async () => {
      deployment = await startDeployment({
        name: 'languages',
        dialect,
        countryConfig: 'example',
        countryConfigHandlers: {
          payload: {
            languages: ['eng', 'ara'],
            // The form holds the child's name in Arabic script in a field of its own.
            fieldMapping: (context, defaults) => ({
              ...defaults,
              fullName: {
                eng: fullNameOf(readName(context.declaration, 'child.name')),
                ara: readText(context.declaration, 'child.nameArabic')
              }
            })
          },
          loadDocuments: async (_event, kind) =>
            kind === 'birth'
              ? [
                  {
                    type: 'NOTIFICATION_OF_BIRTH',
                    format: 'pdf',
                    content: PROOF_OF_BIRTH,
                    refNumber: 'NB-2026-17'
                  }
                ]
              : undefined
        },
        simulators: {
          hubCommitMode: 'message',
          websubSecret: WEBSUB_SECRET,
          mandatoryLanguages: ['eng', 'ara'],
          requiredDocuments: ['proofOfDateOfBirth']
        },
        bridgeEnv: { LOG_LEVEL: 'debug' }
      })
      ;({ suite, bridge, store } = deployment)
      const env = deployment.env
      assert.equal(env.MOSIP_LANGUAGES, 'eng,ara', 'the simulators print their languages')
    })

    after(() => deployment?.stop())

    async function registerBirth() {
      const event = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: {
          ...birthDeclaration({
            child: { firstname: 'Chanda', surname: 'Bwalya' },
            dob: isoDaysAgo(20),
            gender: 'female',
            mother: 'Mary'
          }),
          'child.nameArabic': ARABIC_NAME
        }
      })
      const trigger = await suite.opencrvs.register(event.id)
      assert.equal(trigger.outcome, 'pending', `the trigger left the action requested`)
      return { eventId: event.id, actionId: trigger.actionId }
    }

    const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

    /** The identity's multi-language values: field → languages, in order. */
    function languagesOf(identity: Record<string, unknown>): Record<string, string[]> {
      const found: Record<string, string[]> = {}
      for (const [name, value] of Object.entries(identity)) {
        if (!Array.isArray(value)) continue
        found[name] = value.map((entry) => (entry as { language: string }).language)
      }
      return found
    }

    it('registers a birth with both languages in every text field and the proof of birth', async () => {
      const { eventId, actionId } = await registerBirth()
      // Sealed at rest: the stored input holds neither the document nor the names in clear.
      const stored = await waitFor('the registration', () => registrationOf(eventId))
      const sealed = Buffer.from(stored.payload_sealed ?? '').toString('latin1')
      assert.ok(sealed.length > PROOF_OF_BIRTH.length, 'the document is kept until submitted')
      assert.equal(sealed.includes(PROOF_OF_BIRTH.slice(0, 40)), false)
      assert.equal(sealed.includes('Chanda'), false)

      await suite.opencrvs.waitForConfirmation(eventId, actionId, 'Accepted', { timeoutMs: 30_000 })
      await waitFor(
        'the bridge to record the confirmation',
        async () => (await registrationOf(eventId))?.state === 'confirmed'
      )
      const registration = await registrationOf(eventId)
      const packet = suite.mosip.core.packets.get(registration!.id)
      assert.ok(packet, 'the simulated packet manager holds the packet')
      assert.deepEqual(packet.validationIssues, [])

      const languages = languagesOf(packet.identity)
      for (const field of ['fullName', 'gender', 'guardianOrParentName', 'addressLine1', 'city'])
        assert.ok(field in languages, `${field} is in the packet`)
      for (const [field, codes] of Object.entries(languages))
        assert.deepEqual(codes, ['eng', 'ara'], field)
      assert.deepEqual(packet.identity.fullName, [
        { language: 'eng', value: 'Chanda Bwalya' },
        { language: 'ara', value: ARABIC_NAME }
      ])
      assert.deepEqual(packet.identity.gender, [
        { language: 'eng', value: 'Female' },
        { language: 'ara', value: 'Female' }
      ])

      const proof = packet.documents.proofOfDateOfBirth
      assert.equal(proof?.content, PROOF_OF_BIRTH)
      assert.equal(proof?.format, 'pdf')
      assert.equal(proof?.type, 'NOTIFICATION_OF_BIRTH')
      assert.equal(proof?.refNumber, 'NB-2026-17')
      assert.deepEqual(packet.identity.proofOfDateOfBirth, {
        value: 'proofOfDateOfBirth',
        type: 'NOTIFICATION_OF_BIRTH',
        format: 'pdf',
        refNumber: 'NB-2026-17'
      })
      assert.equal(
        bridge.output().includes(PROOF_OF_BIRTH.slice(0, 40)),
        false,
        'the document never reaches the logs'
      )
      assert.equal(bridge.output().includes(ARABIC_NAME), false, 'nor do the names')
    })

    it('a bridge configured for English only has its births rejected by MOSIP', async () => {
      await deployment.restartBridge({ env: { MOSIP_LANGUAGES: 'eng' } })
      const { eventId, actionId } = await registerBirth()
      const action = await suite.opencrvs.waitForConfirmation(eventId, actionId, 'Rejected', {
        timeoutMs: 30_000
      })
      assert.equal(action.status, 'Rejected')
      await waitFor(
        'the bridge to record the rejection',
        async () => (await registrationOf(eventId))?.state === 'rejected'
      )
      const registration = await registrationOf(eventId)
      const packet = suite.mosip.core.packets.get(registration!.id)
      for (const [field, codes] of Object.entries(languagesOf(packet!.identity)))
        assert.deepEqual(codes, ['eng'], field)
      assert.ok(
        packet!.validationIssues.includes('fullName: no value in mandatory language ara'),
        packet!.validationIssues.join('; ')
      )
      assert.equal(suite.mosip.core.registrations.get(registration!.id)?.statusCode, 'REJECTED')
      assert.equal(
        suite.mosip.core.issuer.issued.some((c) => c.registrationId === registration!.id),
        false,
        'MOSIP issues no credential for a rejected packet'
      )
    })
  })
}
