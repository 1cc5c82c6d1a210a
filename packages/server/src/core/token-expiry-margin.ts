/**
 * How long before its expiry the stored OpenCRVS action token is considered too close to it to
 * keep waiting for a partner system. A registration still waiting for MOSIP at that point moves
 * to `needs_attention` (never to a rejection): the token must still be usable to write the
 * outcome to OpenCRVS once the outage ends, and an operator must have time to act.
 */
export const TOKEN_EXPIRY_MARGIN_MS = 24 * 60 * 60 * 1000

/** Reason code of a registration handed to an operator because its token nears expiry. */
export const TOKEN_EXPIRES_DURING_OUTAGE = 'OPENCRVS_TOKEN_EXPIRES_DURING_OUTAGE'

/** True when a token expiring at `expiresAt` (epoch ms; null: unknown) is within the margin. */
export function tokenNearsExpiry(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt - TOKEN_EXPIRY_MARGIN_MS <= now
}
