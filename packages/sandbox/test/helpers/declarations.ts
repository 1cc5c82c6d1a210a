import type { OpencrvsDeclaration } from '@mosip-bridge/contracts'

/** The UTC date `days` days before now, as a form's date field holds it (yyyy-mm-dd). */
export const isoDaysAgo = (days: number): string =>
  new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)

export interface BirthDeclarationOptions {
  child: { firstname: string; surname: string }
  /** yyyy-mm-dd, e.g. `isoDaysAgo(12)`. */
  dob: string
  gender: 'female' | 'male'
  /** The mother's first name; she has the child's surname. */
  mother: string
}

/**
 * A birth declaration with all the example country configuration puts in a MOSIP packet: the
 * mother, with a verified ID and a domestic address in Farajaland, informs and is reachable at
 * `<her first name>@example.org`. Spread more fields over it where a test needs them.
 */
export function birthDeclaration(options: BirthDeclarationOptions): OpencrvsDeclaration {
  const { child, mother } = options
  return {
    'child.name': child,
    'child.dob': options.dob,
    'child.gender': options.gender,
    'mother.name': { firstname: mother, surname: child.surname },
    'mother.verified': 'verified',
    'mother.address': {
      country: 'FAR',
      addressType: 'DOMESTIC',
      administrativeArea: '6a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
      streetLevelDetails: { town: 'Ilanga', street: 'Main St', number: '3' }
    },
    'informant.relation': 'MOTHER',
    'informant.email': `${mother.toLowerCase()}@example.org`
  }
}
