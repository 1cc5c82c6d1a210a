import type { AddressValue } from './declaration-fields.js'
import { languageValue } from './mosip-values.js'

/**
 * An OpenCRVS ADDRESS value as MOSIP address fields (`addressLine1..3`, `city`, `region`,
 * `province`, `zone`, `district`, `postalCode`).
 */

/** MOSIP's administrative levels for an OpenCRVS location id (names or MOSIP location codes). */
export interface AdministrativeAreaNames {
  region?: string
  province?: string
  zone?: string
  district?: string
  city?: string
  village?: string
}

/**
 * Turns the leaf location id of a DOMESTIC address into MOSIP's levels. Without one, the id itself
 * is sent as `region`, `province` and `zone`, as the reference handlers do; a country should plug
 * in its own (from its location list, or MOSIP masterdata codes).
 */
export type AdministrativeAreaResolver = (locationId: string) => AdministrativeAreaNames | undefined

export const referenceAdministrativeAreas: AdministrativeAreaResolver = (locationId) => ({
  region: locationId,
  province: locationId,
  zone: locationId
})

function joined(...parts: Array<string | undefined>): string | undefined {
  const text = parts.filter((part): part is string => part !== undefined && part !== '').join(' ')
  return text === '' ? undefined : text
}

/**
 * The MOSIP fields of an address; keys without a value are undefined (left out later).
 * DOMESTIC: `number street` → addressLine1, residentialArea → addressLine2, town → city,
 * zipCode → postalCode, administrative levels from `resolveArea`. INTERNATIONAL: addressLine1..3
 * as given, cityOrTown → city, state → region, district2 → district, postcodeOrZip → postalCode.
 */
export function mosipAddressFields(
  address: AddressValue | undefined,
  language: string | readonly string[],
  resolveArea: AdministrativeAreaResolver = referenceAdministrativeAreas
): Record<string, string | undefined> {
  if (!address) return {}
  const d = address.streetLevelDetails
  const lang = (value: string | undefined) => languageValue(value, language)
  if (address.addressType?.toUpperCase() === 'INTERNATIONAL') {
    return {
      addressLine1: lang(d.addressLine1),
      addressLine2: lang(d.addressLine2),
      addressLine3: lang(d.addressLine3),
      city: lang(d.cityOrTown),
      region: lang(d.state),
      district: lang(d.district2),
      postalCode: d.postcodeOrZip ?? d.zipCode
    }
  }
  const areas = address.administrativeArea ? resolveArea(address.administrativeArea) : undefined
  return {
    addressLine1: lang(joined(d.number, d.street) ?? d.addressLine1),
    addressLine2: lang(d.residentialArea ?? d.addressLine2),
    addressLine3: lang(d.addressLine3),
    city: lang(d.town ?? areas?.city),
    region: lang(areas?.region),
    province: lang(areas?.province),
    zone: lang(areas?.zone),
    district: lang(areas?.district),
    village: lang(areas?.village),
    postalCode: d.zipCode ?? d.postcodeOrZip
  }
}
