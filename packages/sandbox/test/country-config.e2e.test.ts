/**
 * The whole chain with the example country configuration: simulated OpenCRVS core → country
 * configuration (`@mosip-bridge/client` handlers) → bridge (its own process) → simulated MOSIP →
 * WebSub → bridge → simulated OpenCRVS. Births and deaths, eligible and not, all end registered;
 * corrections and an unreachable bridge leave nothing stuck.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import type { OpencrvsDeclaration } from '@mosip-bridge/contracts'
import { freePort } from '../src/bridge-process.js'
import {
  startExampleCountryConfig,
  type ExampleCountryConfig
} from '../src/country-config/index.js'
import { waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'

type Kind = 'birth' | 'death'

interface Case {
  kind: Kind
  eligible: boolean
  label: string
  declaration: OpencrvsDeclaration
  /** What the registrar changes while registering. */
  atRegistration?: OpencrvsDeclaration
}

const SURNAMES = ['Banda', 'Phiri', 'Mwale', 'Zulu', 'Tembo', 'Lungu', 'Daka', 'Sakala']

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)
}

function birth(
  index: number,
  parents: OpencrvsDeclaration,
  dob: string | undefined
): OpencrvsDeclaration {
  const surname = SURNAMES[index % SURNAMES.length]!
  return {
    'child.name': { firstname: `Child${index}`, surname },
    ...(dob === undefined ? {} : { 'child.dob': dob }),
    'child.gender': index % 2 === 0 ? 'female' : 'male',
    'mother.name': { firstname: `Mother${index}`, surname },
    'mother.dob': '1994-03-02',
    'mother.nid': `10000000${String(index).padStart(2, '0')}`,
    'mother.address': {
      country: 'FAR',
      addressType: 'DOMESTIC',
      administrativeArea: '6a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
      streetLevelDetails: { town: 'Ilanga', street: 'Main St', number: String(index + 1) }
    },
    'father.name': { firstname: `Father${index}`, surname },
    'informant.relation': 'MOTHER',
    'informant.email': `family${index}@example.org`,
    'informant.phoneNo': `09${String(index).padStart(8, '0')}`,
    ...parents
  }
}

function death(index: number, informant: OpencrvsDeclaration): OpencrvsDeclaration {
  const surname = SURNAMES[index % SURNAMES.length]!
  return {
    'deceased.name': { firstname: `Deceased${index}`, surname },
    'deceased.dob': '1948-07-19',
    'deceased.gender': 'male',
    'deceased.idType': 'NATIONAL_ID',
    'deceased.nid': `20000000${String(index).padStart(2, '0')}`,
    'eventDetails.date': isoDaysAgo(3),
    'informant.email': `informant${index}@example.org`,
    ...informant
  }
}

/** 20 births (12 to MOSIP) and 5 deaths (3 to MOSIP). */
function cases(): Case[] {
  const recent = isoDaysAgo(20)
  const list: Case[] = []
  for (let i = 0; i < 20; i++) {
    if (i < 4) {
      list.push({
        kind: 'birth',
        eligible: true,
        label: 'verified mother',
        declaration: birth(i, { 'mother.verified': 'verified' }, recent)
      })
    } else if (i < 7) {
      list.push({
        kind: 'birth',
        eligible: true,
        label: 'authenticated mother',
        declaration: birth(i, { 'mother.verified': 'authenticated' }, recent)
      })
    } else if (i < 10) {
      list.push({
        kind: 'birth',
        eligible: true,
        label: 'authenticated father only',
        declaration: birth(
          i,
          { 'mother.verified': 'failed', 'father.verified': 'authenticated' },
          isoDaysAgo(365 * 9)
        )
      })
    } else if (i < 12) {
      list.push({
        kind: 'birth',
        eligible: true,
        label: 'mother verified while registering',
        declaration: birth(i, { 'mother.verified': 'pending' }, recent),
        atRegistration: { 'mother.verified': 'verified' }
      })
    } else if (i < 15) {
      list.push({
        kind: 'birth',
        eligible: false,
        label: 'parents not verified',
        declaration: birth(i, { 'mother.verified': 'failed', 'father.verified': 'pending' }, recent)
      })
    } else if (i < 18) {
      list.push({
        kind: 'birth',
        eligible: false,
        label: 'child over 10',
        declaration: birth(i, { 'mother.verified': 'verified' }, '2012-05-17')
      })
    } else {
      list.push({
        kind: 'birth',
        eligible: false,
        label: 'no date of birth',
        declaration: birth(i, { 'mother.verified': 'verified' }, undefined)
      })
    }
  }
  list.push(
    {
      kind: 'death',
      eligible: true,
      label: 'authenticated spouse informs',
      declaration: death(20, {
        'informant.relation': 'SPOUSE',
        'spouse.name': { firstname: 'Ruth', surname: 'Banda' },
        'spouse.verified': 'authenticated'
      })
    },
    {
      kind: 'death',
      eligible: true,
      label: 'verified spouse informs',
      declaration: death(21, {
        'informant.relation': 'SPOUSE',
        'spouse.name': { firstname: 'Mary', surname: 'Phiri' },
        'spouse.verified': 'verified'
      })
    },
    {
      kind: 'death',
      eligible: true,
      label: 'verified son informs',
      declaration: death(22, {
        'informant.relation': 'SON',
        'informant.name': { firstname: 'Daniel', surname: 'Mwale' },
        'informant.verified': 'verified'
      })
    },
    {
      kind: 'death',
      eligible: false,
      label: 'spouse informs, only the informant section verified',
      declaration: death(23, {
        'informant.relation': 'SPOUSE',
        'spouse.verified': 'failed',
        'informant.verified': 'verified'
      })
    },
    {
      kind: 'death',
      eligible: false,
      label: 'informant pending',
      declaration: death(24, { 'informant.relation': 'DAUGHTER', 'informant.verified': 'pending' })
    }
  )
  return list
}

describe('country configuration end to end: 20 births and 5 deaths', () => {
  let deployment: Deployment<'example'>
  let suite: SimulatorSuite
  let countryConfig: ExampleCountryConfig
  let store: Store
  const registered: Array<Case & { eventId: string; actionId: string }> = []

  before(async () => {
    deployment = await startDeployment({
      name: 'country-config',
      dialect: 'sqlite',
      countryConfig: 'example',
      simulators: { stepDelayMs: 10, hubRetryDelaysMs: [200, 400] },
      bridgeEnv: { LOG_LEVEL: 'warn' }
    })
    ;({ suite, countryConfig, store } = deployment)
  })

  after(() => deployment?.stop())

  async function bridgeStateOf(eventId: string): Promise<string | undefined> {
    const row = await store.db
      .selectFrom('registrations')
      .select(['state'])
      .where('opencrvs_event_id', '=', eventId)
      .orderBy('created_at', 'desc')
      .executeTakeFirst()
    return row?.state
  }

  function registrationNumberOf(eventId: string, actionId: string): string | undefined {
    return suite.opencrvs
      .getEvent(eventId)
      ?.actions.find((a) => a.originalActionId === actionId && a.status === 'Accepted')
      ?.registrationNumber
  }

  function packetsOf(eventId: string) {
    return suite.mosip.core.packets.list().filter((p) => p.metaInfo.metaData?.includes(eventId))
  }

  function issuedUin(registrationId: string): unknown {
    const issued = suite.mosip.core.issuer.issued.find((c) => c.registrationId === registrationId)
    return (issued?.credential.credentialSubject as Record<string, unknown> | undefined)?.UIN
  }

  it('registers every record, with a national id for the eligible births, none left requested', async () => {
    const all = cases()
    // The deceased were registered in MOSIP long ago: a death naming a UIN its ID repository
    // does not hold is rejected, as in MOSIP.
    for (const c of all.filter((c) => c.kind === 'death')) {
      const name = c.declaration['deceased.name'] as { firstname: string; surname: string }
      suite.mosip.ida.addIdentity({
        uin: String(c.declaration['deceased.nid']),
        name: { eng: `${name.firstname} ${name.surname}` },
        dob: String(c.declaration['deceased.dob']),
        gender: 'male'
      })
    }
    const events = all.map((c) => ({
      ...c,
      eventId: suite.opencrvs.createEvent({ type: c.kind, declaration: c.declaration }).id
    }))
    // The registrars click Register on all 25 at once.
    const triggers = await Promise.all(
      events.map((e) =>
        suite.opencrvs.register(
          e.eventId,
          e.atRegistration ? { declaration: e.atRegistration } : {}
        )
      )
    )
    for (const [index, e] of events.entries()) {
      const trigger = triggers[index]!
      registered.push({ ...e, actionId: trigger.actionId })
      const expected = e.kind === 'birth' && e.eligible ? 'pending' : 'accepted'
      assert.equal(
        trigger.outcome,
        expected,
        `${e.kind} "${e.label}": core's outcome (HTTP ${trigger.httpStatus})`
      )
    }

    // Eligible births wait for MOSIP; the bridge confirms them with the national id.
    await Promise.all(
      registered
        .filter((r) => r.kind === 'birth' && r.eligible)
        .map((r) =>
          suite.opencrvs.waitForConfirmation(r.eventId, r.actionId, 'Accepted', {
            timeoutMs: 30_000
          })
        )
    )
    // Every record the bridge took ends confirmed there (deaths: no pending action left).
    await waitFor(
      'the bridge to finish every registration',
      async () => {
        const states = await Promise.all(
          registered.filter((r) => r.eligible).map((r) => bridgeStateOf(r.eventId))
        )
        return states.every((state) => state === 'confirmed')
      },
      30_000
    )

    const numbers = new Set<string>()
    for (const r of registered) {
      const what = `${r.kind} "${r.label}" (${r.eventId})`
      assert.deepEqual(suite.opencrvs.pendingActions(r.eventId), [], `${what}: nothing pending`)
      assert.ok(
        !suite.opencrvs.flags(r.eventId).some((f) => f.endsWith(':requested')),
        `${what}: not locked`
      )
      assert.equal(suite.opencrvs.actionStatus(r.eventId, r.actionId), 'Accepted', what)
      const number = registrationNumberOf(r.eventId, r.actionId)
      assert.match(number ?? '', /^[0-9A-Z]{12}$/, `${what}: a registration number`)
      numbers.add(number!)

      const declaration = suite.opencrvs.declarationOf(r.eventId)
      const packets = packetsOf(r.eventId)
      if (!r.eligible) {
        assert.equal(packets.length, 0, `${what}: nothing sent to MOSIP`)
        assert.equal('child.nid' in declaration, false, `${what}: no national id`)
        continue
      }
      assert.equal(packets.length, 1, `${what}: one packet in MOSIP`)
      const packet = packets[0]!
      assert.deepEqual(packet.validationIssues, [], `${what}: the packet is valid`)
      assert.equal(await bridgeStateOf(r.eventId), 'confirmed')
      if (r.kind === 'birth') {
        assert.equal(packet.process, 'CRVS_NEW')
        assert.equal(packet.fields.birthCertificateNumber, number)
        assert.equal(
          packet.fields.dateOfBirth,
          String(r.declaration['child.dob']).replaceAll('-', '/')
        )
        assert.equal(typeof declaration['child.nid'], 'string', `${what}: national id written`)
        assert.equal(declaration['child.nid'], issuedUin(packet.id), `${what}: MOSIP's UIN`)
      } else {
        assert.equal(packet.process, 'CRVS_DEATH')
        assert.equal(packet.fields.UIN, r.declaration['deceased.nid'])
        assert.equal('child.nid' in declaration, false)
      }
    }
    assert.equal(numbers.size, registered.length, 'registration numbers are unique')

    const decisions = countryConfig.outcomes.map((o) => o.decision)
    assert.equal(decisions.filter((d) => d === 'forwarded').length, 15)
    assert.equal(decisions.filter((d) => d === 'not-forwarded').length, 10)
    assert.deepEqual(
      suite.opencrvs
        .triggers()
        .map((t) => t.status)
        .filter((s) => s !== 200 && s !== 202),
      [],
      'core only ever got 200 or 202'
    )
  })

  it('sends an approved correction of a child with a national id to MOSIP as a biographic update', async () => {
    const child = registered.find((r) => r.kind === 'birth' && r.eligible)!
    const nid = suite.opencrvs.declarationOf(child.eventId)['child.nid']
    const request = await suite.opencrvs.requestAction(child.eventId, 'REQUEST_CORRECTION', {
      declaration: { 'child.name': { firstname: 'Renamed', surname: 'Banda' } }
    })
    assert.equal(request.outcome, 'accepted')
    const approve = await suite.opencrvs.requestAction(child.eventId, 'APPROVE_CORRECTION', {
      requestId: request.actionId
    })
    assert.equal(approve.outcome, 'accepted', `HTTP ${approve.httpStatus}`)
    const update = await waitFor('the update packet in MOSIP', () =>
      suite.mosip.core.packets
        .list()
        .find((p) => p.process === 'CRVS_UPDATE' && p.fields.VID === nid)
    )
    assert.equal(update.fields.fullName, '[{"language":"eng","value":"Renamed Banda"}]')
    assert.deepEqual(suite.opencrvs.pendingActions(child.eventId), [])
  })

  it('gives a national id, on approval, to a birth registered without one and corrected to be eligible', async () => {
    const child = registered.find((r) => r.kind === 'birth' && r.label === 'parents not verified')!
    const number = registrationNumberOf(child.eventId, child.actionId)
    const request = await suite.opencrvs.requestAction(child.eventId, 'REQUEST_CORRECTION', {
      declaration: { 'mother.verified': 'authenticated' }
    })
    assert.equal(request.outcome, 'accepted')
    const approve = await suite.opencrvs.requestAction(child.eventId, 'APPROVE_CORRECTION', {
      requestId: request.actionId
    })
    assert.equal(approve.outcome, 'pending', 'the approval waits for MOSIP')
    await suite.opencrvs.waitForConfirmation(child.eventId, approve.actionId, 'Accepted', {
      timeoutMs: 30_000
    })
    const declaration = suite.opencrvs.declarationOf(child.eventId)
    assert.equal(typeof declaration['child.nid'], 'string')
    const packet = packetsOf(child.eventId).find((p) => p.process === 'CRVS_NEW')
    assert.equal(packet?.fields.birthCertificateNumber, number, 'the existing registration number')
    assert.deepEqual(suite.opencrvs.pendingActions(child.eventId), [])
  })

  it('rejects synchronously, not stuck, while the bridge is unreachable; registering again works', async () => {
    const unreachable = await startExampleCountryConfig({
      bridgeUrl: `http://127.0.0.1:${await freePort()}`,
      handlers: { client: { retries: 2, retryDelayMs: 10, timeoutMs: 1000 } }
    })
    try {
      suite.opencrvs.setCountryConfigUrl(unreachable.url)
      const event = suite.opencrvs.createEvent({
        type: 'birth',
        declaration: birth(30, { 'mother.verified': 'verified' }, isoDaysAgo(5))
      })
      const refused = await suite.opencrvs.register(event.id)
      assert.equal(refused.outcome, 'rejected')
      assert.equal(refused.httpStatus, 400)
      assert.deepEqual(suite.opencrvs.pendingActions(event.id), [])
      assert.equal(suite.opencrvs.isLocked(event.id), false)
      assert.match(unreachable.outcomes[0]?.reason ?? '', /after 3 attempts.*could not be reached/)

      suite.opencrvs.setCountryConfigUrl(countryConfig.url)
      const again = await suite.opencrvs.register(event.id)
      assert.equal(again.outcome, 'pending')
      await suite.opencrvs.waitForConfirmation(event.id, again.actionId, 'Accepted', {
        timeoutMs: 30_000
      })
      assert.equal(typeof suite.opencrvs.declarationOf(event.id)['child.nid'], 'string')
    } finally {
      suite.opencrvs.setCountryConfigUrl(countryConfig.url)
      await unreachable.close()
    }
  })

  it('refuses a trigger whose token OpenCRVS did not sign', async () => {
    const response = await fetch(`${countryConfig.url}/trigger/events/birth/actions/REGISTER`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln'
      },
      body: '{}'
    })
    assert.equal(response.status, 401)
  })
})
