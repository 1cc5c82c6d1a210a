import { z } from 'zod'

/** `birthdate` as eSignet's MOSIP plugin emits it: `yyyy/MM/dd`. */
export const ESIGNET_BIRTHDATE_PATTERN = /^\d{4}\/\d{2}\/\d{2}$/

export const esignetAddressSchema = z.looseObject({
  formatted: z.string().optional(),
  street_address: z.string().optional(),
  locality: z.string().optional(),
  region: z.string().optional(),
  postal_code: z.string().optional(),
  city: z.string().optional(),
  country: z.string().optional()
})
export type EsignetAddress = z.infer<typeof esignetAddressSchema>

/**
 * Claims inside the userinfo JWS (`Content-Type: application/jwt`; a JWE wrapping that JWS when
 * the client is registered with `userinfo_response_type=JWE`). Only `sub` is always present;
 * the rest are the claims the relying party asked for and the user has.
 */
export const esignetUserinfoClaimsSchema = z.looseObject({
  sub: z.string().min(1),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  iat: z.number().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  middle_name: z.string().optional(),
  family_name: z.string().optional(),
  gender: z.string().optional(),
  birthdate: z.string().regex(ESIGNET_BIRTHDATE_PATTERN).optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  phone_number: z.string().optional(),
  phone_number_verified: z.boolean().optional(),
  address: esignetAddressSchema.optional(),
  picture: z.string().optional(),
  individual_id: z.string().optional(),
  locale: z.string().optional(),
  updated_at: z.number().optional()
})
export type EsignetUserinfoClaims = z.infer<typeof esignetUserinfoClaimsSchema>
