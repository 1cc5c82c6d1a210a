/**
 * The simulated ID repository's identity update on the wire: MOSIP's request shape, its error
 * codes inside HTTP 200, the token it requires, and the status kept on the identity.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { waitFor } from '@mosip-bridge/test-support'
import { SimServer } from '../src/shared/sim-server.js'
import { registerMosipCore, type MosipCore } from '../src/mosip/core/register-mosip-core.js'
import { sampleCreatePacketRequest } from '../src/mosip/core/samples.js'
import { authCookie } from './helpers/auth-cookie.js'

const CLIENT = { clientId: 'mosip-crvs1-client', secretKey: 'abcdeABCDE123456', appId: 'ida' }
const IDREPO_PATH = '/idrepository/v1/identity/'

describe('the simulated ID repository', () => {
  const sim = new SimServer({ name: 'mosip' })
  const core: MosipCore = registerMosipCore(sim, {
    clients: [CLIENT],
    pipeline: { stepDelayMs: 5 }
  })
  let url = ''
  let cookie = ''

  before(async () => {
    url = await sim.listen()
    cookie = await authCookie(url, CLIENT)
  })
  after(() => sim.close())

  async function patch(body: unknown, withCookie = true) {
    const response = await fetch(`${url}${IDREPO_PATH}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...(withCookie ? { cookie } : {}) },
      body: JSON.stringify(body)
    })
    return {
      status: response.status,
      body: (await response.json()) as {
        response: { status?: string } | null
        errors: Array<{ errorCode: string; message: string }>
      }
    }
  }

  const update = (
    uin: string,
    status = 'DEACTIVATED',
    overrides: Record<string, unknown> = {}
  ) => ({
    id: 'mosip.id.update',
    version: 'v1.0',
    requesttime: new Date().toISOString(),
    request: { registrationId: '10001100040000120250101000000', status, identity: { UIN: uin } },
    ...overrides
  })

  /** A birth processed by the pipeline: the UIN of its identity. */
  async function issuedUin(): Promise<string> {
    const id = `10001${String(randomInt(0, 1e10)).padStart(10, '0')}`
    const headers = { 'content-type': 'application/json', cookie }
    const created = await fetch(`${url}/commons/v1/packetmanager/createPacket`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(sampleCreatePacketRequest({ id, process: 'CRVS_NEW' }))
    })
    assert.equal(created.status, 200)
    await fetch(`${url}/registrationprocessor/v1/workflowmanager/workflowinstance`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        id: 'mosip.registration.processor.workflow.instance',
        version: 'v1',
        requesttime: new Date().toISOString(),
        request: {
          registrationId: id,
          process: 'CRVS_NEW',
          source: 'OPENCRVS',
          additionalInfoReqId: '',
          notificationInfo: { name: '', phone: '', email: '' }
        }
      })
    })
    return waitFor(
      'the identity',
      () =>
        core.pipeline.listIdentities().find((identity) => identity.registrationIds.includes(id))
          ?.uin
    )
  }

  it('deactivates an identity once; the same status again changes nothing', async () => {
    const uin = await issuedUin()
    assert.equal(core.pipeline.identity(uin)?.status, 'ACTIVATED')
    const first = await patch(update(uin))
    assert.equal(first.status, 200)
    assert.deepEqual(first.body.errors, [])
    assert.equal(first.body.response?.status, 'DEACTIVATED')
    const again = await patch(update(uin))
    assert.deepEqual(again.body.errors, [])
    const identity = core.pipeline.identity(uin)!
    assert.equal(identity.status, 'DEACTIVATED')
    assert.equal(identity.statusChanges.length, 1)
    assert.deepEqual(
      core.idRepository.updates.filter((u) => u.uin === uin).map((u) => u.changed),
      [true, false]
    )
  })

  it("answers MOSIP's error codes inside HTTP 200", async () => {
    const codeOf = async (body: unknown) => {
      const answer = await patch(body)
      assert.equal(answer.status, 200)
      assert.equal(answer.body.response, null)
      return answer.body.errors.map((e) => `${e.errorCode} ${e.message}`)
    }
    assert.deepEqual(await codeOf(update('9990001117')), ['IDR-IDC-007 No Record(s) found'])
    assert.deepEqual(await codeOf(update('9990001117', 'GONE')), [
      'IDR-IDC-002 Invalid Input Parameter - status'
    ])
    assert.deepEqual(await codeOf(update('9990001117', 'DEACTIVATED', { id: 'mosip.id.create' })), [
      'IDR-IDC-002 Invalid Input Parameter - id'
    ])
    assert.deepEqual(await codeOf(update('', 'DEACTIVATED')), [
      'IDR-IDC-001 Missing Input Parameter - UIN'
    ])
    assert.deepEqual(await codeOf(update('9990001117', 'DEACTIVATED', { requesttime: 'now' })), [
      'IDR-IDC-002 Invalid Input Parameter - requesttime'
    ])
  })

  it('requires a token', async () => {
    const answer = await patch(update('9990001117'), false)
    assert.equal(answer.status, 401)
  })
})
