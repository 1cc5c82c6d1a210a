import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  birthEligibility,
  deathEligibility,
  declarationWithPendingAction,
  shouldForwardBirthRegistrationToMosip,
  shouldForwardDeathRegistrationToMosip
} from '../src/index.js'
import {
  NOW,
  birthOfChildOverAge,
  birthWithUnverifiedParents,
  birthWithVerifiedMother,
  deathWithSpouseInformant,
  deathWithVerifiedSon,
  registerTrigger
} from './fixtures/event-documents.js'

const now = () => NOW

describe('birth eligibility', () => {
  it('forwards a birth with a verified mother', () => {
    const result = birthEligibility(birthWithVerifiedMother(), { now })
    assert.equal(result.eligible, true)
    assert.match(result.reason, /mother's identity verified/)
  })

  it('forwards a birth with an authenticated father only', () => {
    const result = birthEligibility(
      { ...birthWithUnverifiedParents(), 'father.verified': 'authenticated' },
      { now }
    )
    assert.equal(result.eligible, true)
    assert.match(result.reason, /father/)
  })

  it('keeps back a birth whose parents are not verified (failed, pending, absent)', () => {
    for (const declaration of [
      birthWithUnverifiedParents(),
      { ...birthWithVerifiedMother(), 'mother.verified': undefined, 'father.verified': undefined },
      { ...birthWithVerifiedMother(), 'mother.verified': 'VERIFIED!' }
    ]) {
      assert.deepEqual(birthEligibility(declaration, { now }), {
        eligible: false,
        reason: 'At least one parent identity must be verified or authenticated'
      })
    }
  })

  it("ignores the informant's verification for a birth", () => {
    const declaration = {
      ...birthWithUnverifiedParents(),
      'informant.relation': 'GRANDMOTHER',
      'informant.verified': 'verified'
    }
    assert.equal(birthEligibility(declaration, { now }).eligible, false)
  })

  it('keeps back a child over the age limit', () => {
    assert.deepEqual(birthEligibility(birthOfChildOverAge(), { now }), {
      eligible: false,
      reason: 'Child is older than 10 years, cannot forward to MOSIP'
    })
  })

  it('counts the age limit in calendar days: the day before the 10th birthday is still in', () => {
    const at = (dob: string) => ({ ...birthWithVerifiedMother(), 'child.dob': dob })
    assert.equal(birthEligibility(at('2016-11-30'), { now }).eligible, true)
    assert.equal(birthEligibility(at('2016-11-29'), { now }).eligible, false)
    // Born on 29 February: ten years later is 28 February of a common year.
    const feb = () => new Date('2030-02-27T23:00:00Z')
    assert.equal(birthEligibility(at('2020-02-29'), { now: feb }).eligible, true)
    const feb28 = () => new Date('2030-02-28T00:00:00Z')
    assert.equal(birthEligibility(at('2020-02-29'), { now: feb28 }).eligible, false)
  })

  it('takes the age limit as an option', () => {
    const declaration = { ...birthWithVerifiedMother(), 'child.dob': '2020-01-01' }
    assert.equal(birthEligibility(declaration, { now }).eligible, true)
    assert.deepEqual(birthEligibility(declaration, { now, maxChildAgeYears: 5 }), {
      eligible: false,
      reason: 'Child is older than 5 years, cannot forward to MOSIP'
    })
  })

  it('keeps back a birth without a date of birth, or with one that is not a date', () => {
    const { 'child.dob': _dob, ...withoutDob } = birthWithVerifiedMother()
    assert.deepEqual(birthEligibility(withoutDob, { now }), {
      eligible: false,
      reason: 'Child date of birth not provided'
    })
    assert.equal(
      birthEligibility({ ...withoutDob, 'child.dob': '' }, { now }).reason,
      'Child date of birth not provided'
    )
    for (const bad of ['2026-02-30', '30/10/2026', 20261030]) {
      assert.deepEqual(birthEligibility({ ...withoutDob, 'child.dob': bad }, { now }), {
        eligible: false,
        reason: 'Child date of birth is not a valid date (YYYY-MM-DD)'
      })
    }
  })

  it('takes the statuses and sections that count as options', () => {
    const onlyAuthenticated = { now, acceptedStatuses: ['authenticated'] as const }
    assert.equal(birthEligibility(birthWithVerifiedMother(), onlyAuthenticated).eligible, false)
    const guardian = {
      ...birthWithUnverifiedParents(),
      'informant.relation': 'LEGAL_GUARDIAN',
      'informant.verified': 'authenticated'
    }
    assert.equal(
      birthEligibility(guardian, { now, parentSections: ['mother', 'father', 'informant'] })
        .eligible,
      true
    )
  })

  it('sees edits the registrar made while registering (the pending declaration)', () => {
    const event = registerTrigger({
      declaration: birthWithUnverifiedParents(),
      registerDeclaration: { 'mother.verified': 'authenticated' }
    })
    const merged = declarationWithPendingAction(event)!.declaration
    assert.equal(birthEligibility(merged, { now }).eligible, true)
  })

  it('has the reference boolean form', () => {
    assert.equal(shouldForwardBirthRegistrationToMosip(birthWithVerifiedMother(), { now }), true)
    assert.equal(shouldForwardBirthRegistrationToMosip(birthOfChildOverAge(), { now }), false)
  })
})

describe('death eligibility', () => {
  it("uses the spouse's status when the spouse informs", () => {
    assert.deepEqual(deathEligibility(deathWithSpouseInformant()), {
      eligible: true,
      reason: "The spouse's identity is authenticated"
    })
  })

  it('keeps back a spouse-informed death when only the informant section is verified', () => {
    const declaration = {
      ...deathWithSpouseInformant(),
      'spouse.verified': 'failed',
      'informant.verified': 'verified'
    }
    assert.deepEqual(deathEligibility(declaration), {
      eligible: false,
      reason: 'Spouse identity not verified or authenticated'
    })
  })

  it('uses the informant section otherwise', () => {
    assert.equal(deathEligibility(deathWithVerifiedSon()).eligible, true)
    const unverified = { ...deathWithVerifiedSon(), 'informant.verified': 'pending' }
    assert.deepEqual(deathEligibility(unverified), {
      eligible: false,
      reason: 'Informant identity not verified or authenticated'
    })
    // A verified spouse does not help when a son informs.
    const { 'informant.verified': _v, ...sonUnverified } = deathWithVerifiedSon()
    assert.equal(
      deathEligibility({ ...sonUnverified, 'spouse.verified': 'verified' }).eligible,
      false
    )
  })

  it("keeps back a death without the deceased's national id, which MOSIP would reject", () => {
    const { 'deceased.nid': _nid, ...withoutNid } = deathWithVerifiedSon()
    assert.deepEqual(deathEligibility(withoutNid), {
      eligible: false,
      reason: 'The deceased has no national ID for MOSIP to update'
    })
    const passport = { ...deathWithVerifiedSon(), 'deceased.idType': 'PASSPORT' }
    assert.equal(deathEligibility(passport).eligible, false, 'an id that is not a national id')
    assert.equal(
      deathEligibility(withoutNid, { requireDeceasedNationalId: false }).eligible,
      true,
      'unless the country turns the rule off'
    )
  })

  it('keeps back a death with no informant details at all', () => {
    assert.equal(deathEligibility({}).eligible, false)
  })

  it('has the reference boolean form', () => {
    assert.equal(shouldForwardDeathRegistrationToMosip(deathWithSpouseInformant()), true)
    assert.equal(shouldForwardDeathRegistrationToMosip({}), false)
  })
})
