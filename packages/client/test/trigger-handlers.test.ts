import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import {
  bearerHeader,
  createTriggerHandlers,
  type TriggerHandlerOptions,
  type TriggerOutcome
} from '../src/index.js'
import { deadUrl, json, startFakeBridge, type FakeBridge } from './fixtures/fake-bridge.js'
import {
  NOW,
  REGISTER_ACTION_ID,
  approveCorrectionTrigger,
  birthOfChildOverAge,
  birthWithUnverifiedParents,
  birthWithVerifiedMother,
  deathWithSpouseInformant,
  deathWithVerifiedSon,
  registerTrigger
} from './fixtures/event-documents.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.action-token.signature'

describe('trigger handlers', () => {
  let bridge: FakeBridge
  let outcomes: TriggerOutcome[]
  let numbers: number

  before(async () => {
    bridge = await startFakeBridge()
  })
  after(async () => {
    await bridge.close()
  })
  beforeEach(() => {
    bridge.received.length = 0
    bridge.script(json(202, { transactionId: 'tx-1' }))
    outcomes = []
    numbers = 0
  })

  function handlers(overrides: Partial<TriggerHandlerOptions> = {}) {
    return createTriggerHandlers({
      mosipInteropUrl: bridge.url,
      generateRegistrationNumber: () => `RN${String(++numbers).padStart(10, '0')}`,
      birthRules: { now: () => NOW },
      payload: { now: () => NOW },
      client: { retryDelayMs: 1, maxRetryDelayMs: 5, timeoutMs: 2000 },
      onOutcome: (outcome) => outcomes.push(outcome),
      ...overrides
    })
  }

  function sentPayload(index = 0) {
    return JSON.parse(bridge.received[index]!.body) as {
      requestFields: Record<string, string>
    }
  }

  describe('birth REGISTER', () => {
    it('sends an eligible birth to the bridge and answers 202', async () => {
      const event = registerTrigger({ declaration: birthWithVerifiedMother() })
      const response = await handlers().birthRegister(event, TOKEN)
      assert.deepEqual(response, { status: 202, body: {} })
      assert.equal(bridge.received.length, 1)
      assert.equal(bridge.received[0]?.url, '/events/registration')
      assert.equal(bridge.received[0]?.headers.authorization, `Bearer ${TOKEN}`)
      assert.equal(sentPayload().requestFields.birthCertificateNumber, 'RN0000000001')
      assert.deepEqual(outcomes, [
        {
          eventId: event.id,
          trackingId: 'B7X2KQ',
          actionId: REGISTER_ACTION_ID,
          actionType: 'REGISTER',
          registrationNumber: 'RN0000000001',
          transactionId: 'tx-1',
          handler: 'birthRegister',
          decision: 'forwarded',
          status: 202,
          reason: "Child under 10 years with the mother's identity verified"
        }
      ])
    })

    it('registers at once, with a registration number, a birth that does not go to MOSIP', async () => {
      for (const declaration of [birthWithUnverifiedParents(), birthOfChildOverAge()]) {
        const response = await handlers().birthRegister(registerTrigger({ declaration }), TOKEN)
        assert.equal(response.status, 200)
        assert.match(String(response.body.registrationNumber), /^RN\d{10}$/)
      }
      assert.equal(bridge.received.length, 0)
      assert.deepEqual(
        outcomes.map((o) => [o.decision, o.reason]),
        [
          ['not-forwarded', 'At least one parent identity must be verified or authenticated'],
          ['not-forwarded', 'Child is older than 10 years, cannot forward to MOSIP']
        ]
      )
    })

    it('answers 400 with the bridge message when the bridge refuses the record', async () => {
      bridge.script(
        json(401, { statusCode: 401, error: 'Unauthorized', message: 'the token has expired' })
      )
      const response = await handlers().birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        TOKEN
      )
      assert.equal(response.status, 400)
      assert.match(String(response.body.reason), /did not take the record.*401.*token has expired/)
      assert.equal(outcomes[0]?.decision, 'bridge-failed')
      assert.equal(bridge.received.length, 1, 'a 4xx is not retried')
    })

    it('answers 400, never 202 or 5xx, when the bridge stays unreachable after bounded retries', async () => {
      const started = Date.now()
      const response = await handlers({ mosipInteropUrl: await deadUrl() }).birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        TOKEN
      )
      assert.equal(response.status, 400)
      assert.match(
        String(response.body.reason),
        /^The MOSIP bridge did not take the record after 3 attempts: .*could not be reached/
      )
      assert.ok(Date.now() - started < 5000)
      assert.equal(outcomes[0]?.decision, 'bridge-failed')
    })

    it('answers 400 after retrying a bridge that keeps failing with 5xx', async () => {
      bridge.script(json(503, { message: 'the database is unavailable' }))
      const response = await handlers().birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        TOKEN
      )
      assert.equal(response.status, 400)
      assert.match(String(response.body.reason), /after 3 attempts.*503/)
      assert.equal(bridge.received.length, 3)
    })

    it('answers 202 once a retried 5xx succeeds', async () => {
      bridge.script(json(500, { message: 'internal error' }), json(202, { transactionId: 'tx-9' }))
      const response = await handlers().birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        TOKEN
      )
      assert.equal(response.status, 202)
      assert.equal(outcomes[0]?.transactionId, 'tx-9')
    })

    it('answers 400 for a body that is not an EventDocument, and reads a JSON string body', async () => {
      const h = handlers()
      for (const body of [undefined, 'not json', { id: 'x' }, []]) {
        const response = await h.birthRegister(body, TOKEN)
        assert.equal(response.status, 400)
        assert.match(String(response.body.reason), /trigger body is not/)
      }
      const text = JSON.stringify(registerTrigger({ declaration: birthWithVerifiedMother() }))
      assert.equal((await h.birthRegister(text, TOKEN)).status, 202)
      assert.equal(
        (await h.birthRegister(new TextEncoder().encode(text), `Bearer ${TOKEN}`)).status,
        202
      )
      assert.equal(bridge.received[1]?.headers.authorization, `Bearer ${TOKEN}`)
    })

    it('answers 400 when nothing is pending', async () => {
      const event = registerTrigger({ declaration: birthWithVerifiedMother() })
      event.actions.pop()
      const response = await handlers().birthRegister(event, TOKEN)
      assert.deepEqual(response, {
        status: 400,
        body: { reason: 'The EventDocument has no pending (Requested) action to confirm' }
      })
    })

    it('answers 400 without a token when the record must go to MOSIP, 200 when it need not', async () => {
      const h = handlers()
      const eligible = await h.birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        undefined
      )
      assert.equal(eligible.status, 400)
      assert.match(String(eligible.body.reason), /no action token/)
      const notEligible = await h.birthRegister(
        registerTrigger({ declaration: birthWithUnverifiedParents() }),
        ''
      )
      assert.equal(notEligible.status, 200)
      assert.equal(bridge.received.length, 0)
    })

    it('turns a failing country rule or number generator into 400, not 5xx', async () => {
      const throwing = handlers({
        generateRegistrationNumber: () => {
          throw new Error('sequence table is locked')
        }
      })
      const response = await throwing.birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        TOKEN
      )
      assert.equal(response.status, 400)
      assert.match(String(response.body.reason), /Unexpected error.*sequence table is locked/)
      const empty = handlers({ generateRegistrationNumber: async () => '' })
      assert.equal(
        (
          await empty.birthRegister(
            registerTrigger({ declaration: birthWithVerifiedMother() }),
            TOKEN
          )
        ).status,
        400
      )
      const badRule = handlers({
        isBirthEligible: () => {
          throw new TypeError('boom')
        }
      })
      assert.equal(
        (
          await badRule.birthRegister(
            registerTrigger({ declaration: birthWithVerifiedMother() }),
            TOKEN
          )
        ).status,
        400
      )
    })

    it("uses the country's rule and asynchronous number generator", async () => {
      const h = handlers({
        generateRegistrationNumber: async (event) => `2026${event.trackingId}`,
        isBirthEligible: (declaration) => ({
          eligible: declaration['child.gender'] === 'female',
          reason: 'only girls today'
        })
      })
      const response = await h.birthRegister(
        registerTrigger({ declaration: birthWithUnverifiedParents() }),
        TOKEN
      )
      assert.equal(response.status, 202)
      assert.equal(sentPayload().requestFields.birthCertificateNumber, '2026B7X2KQ')
    })

    it('registers everything at once when forwarding is turned off', async () => {
      const response = await handlers({ forwardToMosip: false }).birthRegister(
        registerTrigger({ declaration: birthWithVerifiedMother() }),
        TOKEN
      )
      assert.equal(response.status, 200)
      assert.equal(bridge.received.length, 0)
    })
  })

  describe('death REGISTER', () => {
    it('sends an eligible death and answers 200 with the same registration number by default', async () => {
      const response = await handlers().deathRegister(
        registerTrigger({ type: 'death', declaration: deathWithSpouseInformant() }),
        TOKEN
      )
      assert.deepEqual(response, { status: 200, body: { registrationNumber: 'RN0000000001' } })
      assert.equal(sentPayload().requestFields.deathCertificateNumber, 'RN0000000001')
      assert.equal(sentPayload().requestFields.UIN, '7319402856')
      assert.equal(outcomes[0]?.decision, 'forwarded')
    })

    it('answers 202 when configured to wait for MOSIP', async () => {
      const response = await handlers({ deathConfirmation: 'wait-for-mosip' }).deathRegister(
        registerTrigger({ type: 'death', declaration: deathWithVerifiedSon() }),
        TOKEN
      )
      assert.deepEqual(response, { status: 202, body: {} })
    })

    it('registers at once a death whose informant is not verified', async () => {
      const response = await handlers().deathRegister(
        registerTrigger({
          type: 'death',
          declaration: { ...deathWithSpouseInformant(), 'spouse.verified': 'failed' }
        }),
        TOKEN
      )
      assert.deepEqual(response, { status: 200, body: { registrationNumber: 'RN0000000001' } })
      assert.equal(bridge.received.length, 0)
      assert.equal(outcomes[0]?.reason, 'Spouse identity not verified or authenticated')
    })

    it('answers 400, not 200, when an eligible death cannot reach the bridge', async () => {
      bridge.script(json(500, { message: 'internal error' }))
      const response = await handlers().deathRegister(
        registerTrigger({ type: 'death', declaration: deathWithVerifiedSon() }),
        TOKEN
      )
      assert.equal(response.status, 400)
    })
  })

  describe('birth correction', () => {
    it('answers 200 to the correction request itself', async () => {
      const event = approveCorrectionTrigger()
      event.actions.pop()
      const request = event.actions[event.actions.length - 1]!
      request.status = 'Requested'
      const response = await handlers().birthCorrection(event, TOKEN)
      assert.deepEqual(response, { status: 200, body: {} })
      assert.equal(bridge.received.length, 0)
    })

    it('sends a biographic update for a child with a national id and answers 200', async () => {
      const response = await handlers().birthCorrection(approveCorrectionTrigger(), TOKEN)
      assert.deepEqual(response, { status: 200, body: {} })
      assert.equal(bridge.received[0]?.url, '/events/update-biographics')
      assert.equal(sentPayload().requestFields.VID, '4826159370')
      assert.equal(
        sentPayload().requestFields.fullName,
        '[{"language":"eng","value":"Adaeze K Banda"}]'
      )
    })

    it('asks MOSIP for a national id when the child has none, and answers 202', async () => {
      const response = await handlers().birthCorrection(
        approveCorrectionTrigger({ childNid: undefined }),
        TOKEN
      )
      assert.deepEqual(response, { status: 202, body: {} })
      assert.equal(bridge.received[0]?.url, '/events/registration')
      assert.equal(sentPayload().requestFields.birthCertificateNumber, 'PD9TL0RL12RO')
      assert.equal(numbers, 0, 'the existing registration number is reused')
    })

    it('answers 200 without MOSIP when the record is not eligible', async () => {
      const response = await handlers().birthCorrection(
        approveCorrectionTrigger({ declaration: { 'mother.verified': 'failed' } }),
        TOKEN
      )
      assert.deepEqual(response, { status: 200, body: {} })
      assert.equal(bridge.received.length, 0)
    })

    it('answers 400 when the update cannot reach the bridge', async () => {
      const response = await handlers({ mosipInteropUrl: await deadUrl() }).birthCorrection(
        approveCorrectionTrigger(),
        TOKEN
      )
      assert.equal(response.status, 400)
      assert.equal(outcomes[0]?.decision, 'bridge-failed')
    })
  })

  it('normalises the token into a Bearer header', () => {
    assert.equal(bearerHeader('abc'), 'Bearer abc')
    assert.equal(bearerHeader('Bearer abc'), 'Bearer abc')
    assert.equal(bearerHeader('bearer  abc '), 'Bearer abc')
    assert.equal(bearerHeader('Bearer '), undefined)
    assert.equal(bearerHeader(undefined), undefined)
  })
})
