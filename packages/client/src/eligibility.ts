import type { OpencrvsDeclaration } from '@mosip-bridge/contracts'
import {
  deathInformantSection,
  readDeceasedNationalId,
  readDate,
  readVerificationStatus,
  type CalendarDate,
  type VerificationStatus
} from './declaration-fields.js'

/**
 * Which records go to MOSIP, as pure functions of the declaration (the accepted declarations with
 * the pending action's changes merged in). Defaults are the rules of the reference country
 * configuration; the reasons are those of opencrvs-countryconfig-mosip.
 */

export interface EligibilityResult {
  eligible: boolean
  /** Why, in words a registrar or an operator can act on. */
  reason: string
}

export interface BirthEligibilityOptions {
  /** The child must be younger than this many years on the day of registration. Default 10. */
  maxChildAgeYears?: number
  /** Sections of which at least one must be verified. Default `['mother', 'father']`. */
  parentSections?: readonly string[]
  /** Statuses that count as verified. Default `['verified', 'authenticated']`. */
  acceptedStatuses?: readonly VerificationStatus[]
  /** The clock (default: now). */
  now?: () => Date
}

export interface DeathEligibilityOptions {
  /** Statuses that count as verified. Default `['verified', 'authenticated']`. */
  acceptedStatuses?: readonly VerificationStatus[]
  /**
   * Whether the deceased's national id must be in the declaration (default true). MOSIP rejects
   * a death packet naming no UIN it holds, and the bridge would then reject the registration in
   * OpenCRVS: a death without one is registered in OpenCRVS alone.
   */
  requireDeceasedNationalId?: boolean
}

export const DEFAULT_MAX_CHILD_AGE_YEARS = 10
export const DEFAULT_ACCEPTED_STATUSES: readonly VerificationStatus[] = [
  'verified',
  'authenticated'
]

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * Whether `now` falls on or after the day the child turns `years` (UTC calendar days; a child
 * born on 29 February turns a year older on 28 February of common years, as date-fns counts).
 */
function hasReachedAge(dob: CalendarDate, years: number, now: Date): boolean {
  const year = dob.year + years
  const day = Math.min(dob.day, daysInMonth(year, dob.month))
  const birthday = Date.UTC(year, dob.month - 1, day)
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  return today >= birthday
}

/**
 * A birth goes to MOSIP when the child's date of birth is present, the child is younger than
 * `maxChildAgeYears` (default 10) and the mother or the father is verified or authenticated.
 */
export function birthEligibility(
  declaration: OpencrvsDeclaration,
  options: BirthEligibilityOptions = {}
): EligibilityResult {
  const maxAge = options.maxChildAgeYears ?? DEFAULT_MAX_CHILD_AGE_YEARS
  const accepted = options.acceptedStatuses ?? DEFAULT_ACCEPTED_STATUSES
  const sections = options.parentSections ?? ['mother', 'father']
  const dob = readDate(declaration, 'child.dob')
  if (!dob) {
    return declaration['child.dob'] === undefined ||
      declaration['child.dob'] === null ||
      declaration['child.dob'] === ''
      ? { eligible: false, reason: 'Child date of birth not provided' }
      : { eligible: false, reason: 'Child date of birth is not a valid date (YYYY-MM-DD)' }
  }
  const now = options.now?.() ?? new Date()
  if (hasReachedAge(dob, maxAge, now)) {
    return {
      eligible: false,
      reason: `Child is older than ${maxAge} years, cannot forward to MOSIP`
    }
  }
  const verified = sections.find((section) => {
    const status = readVerificationStatus(declaration, section)
    return status !== undefined && accepted.includes(status)
  })
  if (!verified) {
    return {
      eligible: false,
      reason: 'At least one parent identity must be verified or authenticated'
    }
  }
  return {
    eligible: true,
    reason: `Child under ${maxAge} years with the ${verified}'s identity ${readVerificationStatus(declaration, verified)}`
  }
}

/**
 * A death goes to MOSIP when the informant is verified or authenticated (when the spouse
 * informs, `informant.relation` SPOUSE, the spouse's status counts instead) and the deceased's
 * national id is declared (`deceased.nid`, with `deceased.idType` NATIONAL_ID or unset).
 */
export function deathEligibility(
  declaration: OpencrvsDeclaration,
  options: DeathEligibilityOptions = {}
): EligibilityResult {
  const accepted = options.acceptedStatuses ?? DEFAULT_ACCEPTED_STATUSES
  const section = deathInformantSection(declaration)
  const status = readVerificationStatus(declaration, section)
  if (status === undefined || !accepted.includes(status)) {
    return {
      eligible: false,
      reason:
        section === 'spouse'
          ? 'Spouse identity not verified or authenticated'
          : 'Informant identity not verified or authenticated'
    }
  }
  if (options.requireDeceasedNationalId !== false && !readDeceasedNationalId(declaration)) {
    return { eligible: false, reason: 'The deceased has no national ID for MOSIP to update' }
  }
  return { eligible: true, reason: `The ${section}'s identity is ${status}` }
}

/** The reference's boolean form (`@opencrvs` integrationland `src/events/mosip.ts`). */
export function shouldForwardBirthRegistrationToMosip(
  declaration: OpencrvsDeclaration,
  options?: BirthEligibilityOptions
): boolean {
  return birthEligibility(declaration, options).eligible
}

/** The reference's boolean form (`@opencrvs` integrationland `src/events/mosip.ts`). */
export function shouldForwardDeathRegistrationToMosip(
  declaration: OpencrvsDeclaration,
  options?: DeathEligibilityOptions
): boolean {
  return deathEligibility(declaration, options).eligible
}
