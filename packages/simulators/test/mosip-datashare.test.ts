import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SimServer } from '../src/shared/sim-server.js'
import { registerMosipCore, type MosipCore } from '../src/mosip/core/register-mosip-core.js'
import { keymanagerReferenceOf } from '../src/mosip/core/registration-processor.js'

const CLIENT = { clientId: 'mosip-crvs1-client', secretKey: 'abcdeABCDE123456', appId: 'ida' }

const request = (registrationId: string) => ({
  registrationId,
  requestId: crypto.randomUUID(),
  process: 'CRVS_NEW',
  fields: { fullName: 'x' },
  metaInfo: {},
  uin: '5836471920',
  vid: '6491527384012569'
})

describe('the simulated credential service sharing by data share', () => {
  let sim: SimServer
  let core: MosipCore
  let url: string

  before(async () => {
    sim = new SimServer({ name: 'mosip-datashare' })
    core = registerMosipCore(sim, { clients: [CLIENT], credential: { partnerId: 'crvs_partner' } })
    url = await sim.listen()
  })
  after(() => sim.close())

  it('publishes credentials inline until its policy says data share', async () => {
    const inline = core.issuer.issue(request('10001100040000120260309080507'))
    assert.equal(inline.event.event.dataShareUri, null)
    assert.equal(typeof inline.event.event.data.credential, 'string')

    const policy = await fetch(`${url}/_sim/mosip/credential-policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shareBy: 'datashare', dataShareReads: 2 })
    })
    assert.deepEqual(await policy.json(), { shareBy: 'datashare', dataShareReads: 2 })
    const bad = await fetch(`${url}/_sim/mosip/credential-policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shareBy: 'carrier-pigeon' })
    })
    assert.equal(bad.status, 400)
  })

  it('serves the encrypted credential at the event dataShareUri, as many times as allowed', async () => {
    const issued = core.issuer.issue(request('10001100040000220260309080508'))
    const uri = issued.event.event.dataShareUri ?? ''
    assert.ok(uri.startsWith(`${url}/v1/datashare/get/mpolicy-default-crvs/crvs_partner/`))
    assert.equal('credential' in issued.event.event.data, false)
    assert.equal(issued.event.event.data.registrationId, '10001100040000220260309080508')

    const first = await fetch(uri)
    assert.equal(first.status, 200)
    const text = await first.text()
    assert.ok(Buffer.from(text, 'base64url').subarray(0, 6).toString('ascii') === 'VER_R2')
    assert.equal((await fetch(uri)).status, 200)
    const third = await fetch(uri)
    assert.equal(third.status, 200, 'MOSIP reports errors inside HTTP 200')
    assert.deepEqual(((await third.json()) as { errors: unknown }).errors, [
      { errorCode: 'DAT-SER-006', message: 'Data share usuage expired' }
    ])
    const unknown = await fetch(`${url}/v1/datashare/get/mpolicy-default-crvs/crvs_partner/nope`)
    assert.equal(
      ((await unknown.json()) as { errors: Array<{ errorCode: string }> }).errors[0]?.errorCode,
      'DAT-SER-006'
    )
  })

  it('names another origin for the next share when told to', async () => {
    core.issuer.shareNextFrom('https://elsewhere.example/')
    const foreign = core.issuer.issue(request('10001100040000320260309080509'))
    assert.ok(
      foreign.event.event.dataShareUri?.startsWith('https://elsewhere.example/v1/datashare/get/')
    )
    assert.deepEqual(foreign.faults, ['foreign-datashare'])
    const next = core.issuer.issue(request('10001100040000420260309080510'))
    assert.ok(next.event.event.dataShareUri?.startsWith(url))
  })
})

describe("the registration processor's keymanager reference", () => {
  it('is characters 1-5 and 6-10 of the registration id', () => {
    assert.equal(keymanagerReferenceOf('10001100040000120260309080507'), '10001_10004')
    assert.equal(keymanagerReferenceOf('100014728301957'), '10001_47283')
  })
})
