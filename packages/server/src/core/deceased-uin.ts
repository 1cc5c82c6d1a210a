/**
 * The deceased's UIN in a death packet's fields: `UIN` (what the client's death payload builder
 * sets) or `nationalIdNumber` (the field OpenCRVS's own death payloads use; reference notes,
 * mosip.md §3 `CRVS_DEATH`). A VID (`VID`/`vid`) is not a UIN and is not resolved here.
 */
export function deceasedUinOf(fields: Record<string, unknown> | undefined): string | undefined {
  if (!fields) return undefined
  for (const key of ['UIN', 'nationalIdNumber']) {
    const value = fields[key]
    if (typeof value === 'string' && value.trim() !== '') return value.trim()
  }
  return undefined
}
