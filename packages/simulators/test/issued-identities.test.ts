/**
 * One identity store for the simulated MOSIP, on real sockets: the UIN a birth packet is given
 * authenticates at IDA with the child's demographics as the packet had them (every language,
 * date of birth, gender), an update changes what IDA matches, a death only flags the person, and
 * the ID repository's status update makes IDA answer as MOSIP 1.2 does for a deactivated UIN.
 * Identities seeded before the simulation live in the same store.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { waitFor } from '@mosip-bridge/test-support'
import {
  createMosipSimulator,
  DEFAULT_MOSIP_CLIENTS,
  type MosipSimulator
} from '../src/mosip/mosip-simulator.js'
import { sampleCreatePacketRequest } from '../src/mosip/core/samples.js'
import {
  authenticate,
  errorCodes,
  partnerKeysOf,
  type AuthInput,
  type PartnerKeys
} from './helpers/ida-client.js'
import { authCookie } from './helpers/auth-cookie.js'

const PASSWORD = 'mosip123'

function freshId(): string {
  return `10001${String(randomInt(0, 1e10)).padStart(10, '0')}`
}

/** A multi-language value in English and French, as `fields` carries it. */
function bilingual(eng: string, fra: string): string {
  return JSON.stringify([
    { language: 'eng', value: eng },
    { language: 'fra', value: fra }
  ])
}

const SEEDED = {
  uin: '7319402856',
  vids: ['5830146297513086'],
  name: { eng: 'Joseph Banda' },
  dob: '1985/11/30',
  gender: 'male'
}

describe('IDA authenticates the identities the simulated MOSIP issued', () => {
  let mosip: MosipSimulator
  let keys: PartnerKeys
  let authUrl = ''
  let cookie = ''

  before(async () => {
    mosip = await createMosipSimulator({
      stepDelayMs: 5,
      packetManager: { idValidation: { mandatoryLanguages: ['eng', 'fra'] } },
      ida: { supportedLanguages: ['eng', 'fra'], identities: [SEEDED] }
    })
    keys = partnerKeysOf(mosip.ida.bridgeMaterial(PASSWORD), PASSWORD)
    const { mispLicenseKey, partnerId, apiKey } = mosip.idaOptions
    authUrl = `${mosip.url}/idauthentication/v1/auth/${mispLicenseKey}/${partnerId}/${apiKey}`
    cookie = await authCookie(mosip.url, DEFAULT_MOSIP_CLIENTS.packet)
  })
  after(() => mosip?.close())

  /** createPacket and workflowinstance over HTTP; resolves when MOSIP has finished with it. */
  async function register(process: string, fields: Record<string, string>): Promise<string> {
    const id = freshId()
    const headers = { 'content-type': 'application/json', cookie }
    const created = await fetch(`${mosip.url}/commons/v1/packetmanager/createPacket`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(sampleCreatePacketRequest({ id, process, fields }))
    })
    assert.equal(created.status, 200)
    assert.deepEqual(mosip.core.packets.get(id)?.validationIssues, [], 'the packet is valid')
    const started = await fetch(
      `${mosip.url}/registrationprocessor/v1/workflowmanager/workflowinstance`,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({
          id: 'mosip.registration.processor.workflow.instance',
          version: 'v1',
          requesttime: new Date().toISOString(),
          request: { registrationId: id, process, source: 'OPENCRVS', additionalInfoReqId: '' }
        })
      }
    )
    assert.equal(started.status, 200)
    await waitFor('MOSIP to finish the registration', () =>
      mosip.core.registrations.get(id)?.completedAt !== undefined ? true : undefined
    )
    assert.equal(mosip.core.registrations.get(id)?.statusCode, 'PROCESSED')
    return id
  }

  async function deactivate(uin: string): Promise<void> {
    const response = await fetch(`${mosip.url}/idrepository/v1/identity/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        id: 'mosip.id.update',
        version: 'v1.0',
        requesttime: new Date().toISOString(),
        request: { status: 'DEACTIVATED', identity: { IDSchemaVersion: 0.1, UIN: uin } }
      })
    })
    assert.deepEqual(((await response.json()) as { errors: unknown[] }).errors, [])
  }

  const ida = (input: AuthInput) => authenticate(authUrl, keys, input)

  const child = {
    name: [
      { language: 'eng', value: 'Leo Bwalya' },
      { language: 'fra', value: 'Léo Bwalya' }
    ],
    dob: '2025/03/14',
    gender: [
      { language: 'eng', value: 'male' },
      { language: 'fra', value: 'masculin' }
    ]
  }

  it('verifies a birth-issued UIN and VID with the packet demographics, until the UIN is deactivated', async () => {
    const birth = await register('CRVS_NEW', {
      fullName: bilingual('Leo Bwalya', 'Léo Bwalya'),
      dateOfBirth: '2025/03/14',
      gender: bilingual('Male', 'Masculin'),
      addressLine1: bilingual('12 Palm Rd', '12 rue des Palmiers'),
      birthCertificateNumber: '2025B4XK2LQ'
    })
    const { uin, vid } = mosip.core.registrations.get(birth)!
    assert.ok(uin && vid)
    assert.equal(mosip.core.identities.get(uin)?.registrationIds[0], birth)

    const byUin = await ida({ individualId: uin, demographics: child })
    assert.equal(byUin.response?.authStatus, true, JSON.stringify(byUin.errors))
    const byVid = await ida({ individualId: vid, individualIdType: 'VID', demographics: child })
    assert.equal(byVid.response?.authStatus, true)
    assert.deepEqual(
      errorCodes(await ida({ individualId: uin, demographics: { ...child, dob: '2025/03/15' } })),
      ['IDA-DEA-001'],
      'the date of birth the packet gave is the one IDA holds'
    )
    assert.deepEqual(
      errorCodes(
        await ida({
          individualId: uin,
          demographics: { name: [{ language: 'fra', value: 'Leo Bwalya' }] }
        })
      ),
      ['IDA-DEA-001'],
      'names are matched per language'
    )

    // An update changes what IDA matches; a death only flags the person.
    await register('CRVS_UPDATE', {
      VID: vid,
      fullName: bilingual('Leo M. Bwalya', 'Léo M. Bwalya')
    })
    const renamed = {
      ...child,
      name: [{ language: 'eng', value: 'Leo M. Bwalya' }]
    }
    assert.equal(
      (await ida({ individualId: uin, demographics: renamed })).response?.authStatus,
      true
    )
    const oldNames = await ida({ individualId: uin, demographics: child })
    assert.deepEqual(
      oldNames.errors?.map((error) => error.errorMessage),
      ['Demographic data name in eng did not match', 'Demographic data name in fra did not match']
    )
    await register('CRVS_DEATH', { UIN: uin, deathDeclared: 'yes', dateOfDeath: '2026/01/02' })
    assert.equal(mosip.core.identities.get(uin)?.deceased, true)
    assert.equal(
      (await ida({ individualId: uin, demographics: renamed })).response?.authStatus,
      true,
      'MOSIP keeps the UIN of a deceased person active'
    )

    await deactivate(uin)
    const deactivated = await ida({ individualId: uin, demographics: renamed })
    assert.equal(deactivated.response?.authStatus, false)
    assert.deepEqual(deactivated.errors, [
      { errorCode: 'IDA-MLC-022', errorMessage: 'UIN is deactivated/blocked' }
    ])
    const viaVid = await ida({ individualId: vid, individualIdType: 'VID', demographics: renamed })
    assert.deepEqual(viaVid.errors, [
      { errorCode: 'IDA-MLC-023', errorMessage: 'VID is expired/deactivated' }
    ])
  })

  it('keeps seeded identities beside the issued ones, in the same ID repository', async () => {
    const joseph = {
      name: [{ language: 'eng', value: 'Joseph Banda' }],
      dob: '1985/11/30',
      gender: [{ language: 'fra', value: 'Male' }]
    }
    assert.equal(
      (await ida({ individualId: SEEDED.uin, demographics: joseph })).response?.authStatus,
      true
    )
    // The ID repository knows the seeded person: a death may name them, and their UIN can be
    // deactivated like any other.
    await register('CRVS_DEATH', {
      VID: SEEDED.vids[0]!,
      deathDeclared: 'yes',
      dateOfDeath: '2026/01/02'
    })
    assert.equal(mosip.core.identities.get(SEEDED.uin)?.deceased, true)
    await deactivate(SEEDED.uin)
    assert.deepEqual(errorCodes(await ida({ individualId: SEEDED.uin, demographics: joseph })), [
      'IDA-MLC-022'
    ])
    assert.deepEqual(
      (await (await fetch(`${mosip.url}/_sim/mosip/identities`)).json()) as unknown,
      { identities: JSON.parse(JSON.stringify(mosip.core.identities.list())) as unknown },
      'the control API lists the one store'
    )
    assert.equal(
      mosip.core.identities.list().some((identity) => identity.uin === SEEDED.uin),
      true
    )
  })
})
