/**
 * The identities of the simulated MOSIP: what the ID repository holds. The processing pipeline
 * adds one for every birth it processes (UIN generation) and changes it for deaths and updates,
 * the ID repository's status update deactivates it, and IDA authenticates against the same
 * records (MOSIP keeps IDA's copy in step through credential and DEACTIVATE_ID events; here
 * there is only one copy). Identities can also be seeded, for people MOSIP knew before.
 */
import { MOSIP_IDENTITY_STATUS } from '@mosip-bridge/contracts'
import { generateUin, generateVid } from './identifiers.js'

/** An identity in the simulated ID repository. */
export interface MosipIdentity {
  uin: string
  /** The perpetual VID generated with the UIN (the one credentials carry), if it has one. */
  vid: string | undefined
  /** Every VID that resolves to this UIN (`vid` first). */
  vids: string[]
  /** Registrations that created or changed it, oldest first. */
  registrationIds: string[]
  deceased: boolean
  /** The ID repository's status: `ACTIVATED` until an update changes it. */
  status: string
  /** Every status change by the ID repository's identity update, oldest first. */
  statusChanges: Array<{ status: string; registrationId?: string; at: string }>
  /**
   * Identity values as a packet carries them (strings; multi-language values as
   * `[{language, value}]` JSON text): the birth packet's fields, merged with later updates.
   */
  fields: Record<string, string>
}

/** An identity to add as it is (a person MOSIP registered before the simulation started). */
export interface IdentitySeed {
  uin: string
  vids?: string[]
  fields?: Record<string, string>
  /** Default `ACTIVATED`. */
  status?: string
  deceased?: boolean
  registrationIds?: string[]
}

export class IdentityStore {
  private readonly byUin = new Map<string, MosipIdentity>()
  private readonly uinByVid = new Map<string, string>()

  /** Adds an identity, replacing any with the same UIN. */
  add(seed: IdentitySeed): MosipIdentity {
    this.remove(seed.uin)
    const vids = [...(seed.vids ?? [])]
    const identity: MosipIdentity = {
      uin: seed.uin,
      vid: vids[0],
      vids,
      registrationIds: [...(seed.registrationIds ?? [])],
      deceased: seed.deceased ?? false,
      status: seed.status ?? MOSIP_IDENTITY_STATUS.activated,
      statusChanges: [],
      fields: { ...seed.fields }
    }
    this.byUin.set(identity.uin, identity)
    for (const vid of vids) this.uinByVid.set(vid, identity.uin)
    return identity
  }

  /** UIN generation: a new identity with a fresh UIN and perpetual VID. */
  issue(fields: Record<string, string>, registrationId: string): MosipIdentity {
    let uin = generateUin()
    while (this.byUin.has(uin)) uin = generateUin()
    let vid = generateVid()
    while (this.uinByVid.has(vid)) vid = generateVid()
    return this.add({ uin, vids: [vid], fields, registrationIds: [registrationId] })
  }

  remove(uin: string): boolean {
    const existing = this.byUin.get(uin)
    if (!existing) return false
    for (const vid of existing.vids) this.uinByVid.delete(vid)
    return this.byUin.delete(uin)
  }

  /** The identity with this UIN or VID. */
  get(uinOrVid: string): MosipIdentity | undefined {
    return this.byUin.get(uinOrVid) ?? this.byUin.get(this.uinByVid.get(uinOrVid) ?? '')
  }

  /** Looks an id up as the given type only: a VID given as a UIN is not found, as in IDA. */
  resolve(individualId: string, type: 'UIN' | 'VID'): MosipIdentity | undefined {
    const uin = type === 'UIN' ? individualId : this.uinByVid.get(individualId)
    return uin === undefined ? undefined : this.byUin.get(uin)
  }

  /**
   * Sets the status of the identity a UIN or VID belongs to, recording the change; false when
   * no identity has it.
   */
  setStatus(uinOrVid: string, status: string, registrationId?: string): boolean {
    const identity = this.get(uinOrVid)
    if (!identity) return false
    if (identity.status !== status) {
      identity.status = status
      identity.statusChanges.push({
        status,
        at: new Date().toISOString(),
        ...(registrationId ? { registrationId } : {})
      })
    }
    return true
  }

  list(): MosipIdentity[] {
    return [...this.byUin.values()]
  }

  get size(): number {
    return this.byUin.size
  }
}
