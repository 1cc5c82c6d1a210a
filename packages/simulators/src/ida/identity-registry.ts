export type IdaIdentityStatus = 'ACTIVATED' | 'DEACTIVATED'

/** An identity as MOSIP's ID repository holds it, for the simulated IDA to match against. */
export interface IdaIdentityInput {
  uin: string
  /** VIDs that resolve to this UIN. */
  vids?: string[]
  /**
   * Full names per language code (`{ eng: 'Charles Doe 2nd' }`); several names for one language
   * are all accepted.
   */
  name: Record<string, string | string[]>
  /** `YYYY/MM/DD` (`YYYY-MM-DD` is accepted and converted). */
  dob: string
  /** Per language (`{ eng: 'male' }`), or one value that answers in every language. */
  gender?: string | Record<string, string>
  phoneNumber?: string
  emailId?: string
  /** Default `ACTIVATED`. */
  status?: IdaIdentityStatus
}

export interface IdaIdentity {
  uin: string
  vids: string[]
  names: Map<string, string[]>
  dob: string
  gender: string | Map<string, string> | undefined
  phoneNumber: string | undefined
  emailId: string | undefined
  status: IdaIdentityStatus
}

interface ResolvedIdentity {
  identity: IdaIdentity
  via: 'UIN' | 'VID'
}

function toStored(input: IdaIdentityInput): IdaIdentity {
  const names = new Map<string, string[]>()
  for (const [language, value] of Object.entries(input.name))
    names.set(language, Array.isArray(value) ? [...value] : [value])
  return {
    uin: input.uin,
    vids: [...(input.vids ?? [])],
    names,
    dob: input.dob.replace(/-/g, '/'),
    gender:
      input.gender === undefined || typeof input.gender === 'string'
        ? input.gender
        : new Map(Object.entries(input.gender)),
    phoneNumber: input.phoneNumber,
    emailId: input.emailId,
    status: input.status ?? 'ACTIVATED'
  }
}

/** UIN and VID lookup over the simulated ID repository. */
export class IdentityRegistry {
  private readonly byUin = new Map<string, IdaIdentity>()
  private readonly vidToUin = new Map<string, string>()

  /** Adds an identity, replacing any with the same UIN. */
  add(input: IdaIdentityInput): void {
    this.remove(input.uin)
    const stored = toStored(input)
    this.byUin.set(stored.uin, stored)
    for (const vid of stored.vids) this.vidToUin.set(vid, stored.uin)
  }

  remove(uin: string): boolean {
    const existing = this.byUin.get(uin)
    if (!existing) return false
    for (const vid of existing.vids) this.vidToUin.delete(vid)
    return this.byUin.delete(uin)
  }

  /** Resolves an id as the given type only: a VID sent as `UIN` is not found, as in IDA. */
  resolve(individualId: string, type: 'UIN' | 'VID'): ResolvedIdentity | undefined {
    const uin = type === 'UIN' ? individualId : this.vidToUin.get(individualId)
    const identity = uin === undefined ? undefined : this.byUin.get(uin)
    return identity ? { identity, via: type } : undefined
  }

  /** Sets the status of the identity a UIN or VID belongs to; false when unknown. */
  setStatus(uinOrVid: string, status: IdaIdentityStatus): boolean {
    const identity = this.byUin.get(uinOrVid) ?? this.byUin.get(this.vidToUin.get(uinOrVid) ?? '')
    if (!identity) return false
    identity.status = status
    return true
  }

  get size(): number {
    return this.byUin.size
  }
}
