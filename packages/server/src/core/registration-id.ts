/**
 * MOSIP's registration id (RID), as its kernel RID generator makes them: registration centre id
 * (5 digits) + machine id (5) + a sequence (5, 00001 to 99999, then 00001 again) + the UTC time
 * `yyyyMMddHHmmss` (14) = 29 digits. The registration processor derives the keymanager reference
 * it encrypts a packet with from characters 1–5 and 6–10 (`<centre>_<machine>`): ids made this
 * way share one key per machine, where random digits there would make MOSIP create a key for
 * every packet.
 */

/** `mosip`: the layout above; `reference`: mosip-api's `TRANSACTION_ID_PREFIX` + 10 random digits. */
export type RegistrationIdFormat = 'mosip' | 'reference'

export const REGISTRATION_ID_FORMATS: readonly RegistrationIdFormat[] = ['mosip', 'reference']

const FIVE_DIGITS = /^\d{5}$/

export const MOSIP_REGISTRATION_ID_PATTERN = /^\d{29}$/

/** `yyyyMMddHHmmss` of `at` in UTC. */
export function utcTimestamp14(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace(/[-T:]/g, '')
}

/** A registration id in MOSIP's layout; throws on ids or a sequence that do not fit it. */
export function mosipRegistrationId(
  centerId: string,
  machineId: string,
  sequence: number,
  at: number
): string {
  if (!FIVE_DIGITS.test(centerId) || !FIVE_DIGITS.test(machineId)) {
    throw new Error('MOSIP registration ids need a 5-digit centre id and a 5-digit machine id')
  }
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 99_999) {
    throw new Error(`registration sequence out of range: ${sequence}`)
  }
  return `${centerId}${machineId}${String(sequence).padStart(5, '0')}${utcTimestamp14(at)}`
}

/** The keymanager reference MOSIP's registration processor derives from a registration id. */
export function keymanagerReferenceOf(registrationId: string): string {
  return `${registrationId.slice(0, 5)}_${registrationId.slice(5, 10)}`
}
