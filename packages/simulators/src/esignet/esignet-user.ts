import type { EsignetAddress } from '@mosip-bridge/contracts'

/** A person who can log in to the simulated eSignet (with their UIN or VID). */
export interface EsignetUser {
  /** UIN or VID typed at login; also the `individual_id` claim. */
  individualId: string
  /** Defaults to `given_name [middle_name] family_name`. */
  name?: string
  given_name?: string
  middle_name?: string
  family_name?: string
  gender?: string
  /** `YYYY-MM-DD` or `YYYY/MM/DD`; always emitted as `yyyy/MM/dd`. */
  birthdate?: string
  email?: string
  phone_number?: string
  address?: EsignetAddress
  picture?: string
  locale?: string
  /** Further claims, emitted as given when requested. */
  extraClaims?: Record<string, unknown>
}

/** eSignet's default claims (`claims_supported` of the discovery document). */
export const SUPPORTED_CLAIMS = [
  'name',
  'given_name',
  'middle_name',
  'family_name',
  'address',
  'gender',
  'birthdate',
  'picture',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'individual_id',
  'locale',
  'updated_at'
]

/** Claims each scope stands for (`mosip.esignet.openid.scope.claims`). */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  profile: [
    'name',
    'given_name',
    'middle_name',
    'family_name',
    'gender',
    'birthdate',
    'picture',
    'locale',
    'updated_at'
  ],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address']
}

/** Every claim the ID system holds for this user, in wire format. */
export function claimsOf(user: EsignetUser, updatedAt: number): Record<string, unknown> {
  const composed = [user.given_name, user.middle_name, user.family_name]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join(' ')
  const claims: Record<string, unknown> = {
    ...(user.extraClaims ?? {}),
    name: user.name ?? (composed.length > 0 ? composed : undefined),
    given_name: user.given_name,
    middle_name: user.middle_name,
    family_name: user.family_name,
    gender: user.gender,
    birthdate: user.birthdate?.replace(/-/g, '/'),
    email: user.email,
    email_verified: user.email === undefined ? undefined : true,
    phone_number: user.phone_number,
    phone_number_verified: user.phone_number === undefined ? undefined : true,
    address: user.address,
    picture: user.picture,
    locale: user.locale,
    individual_id: user.individualId,
    updated_at: updatedAt
  }
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined))
}
