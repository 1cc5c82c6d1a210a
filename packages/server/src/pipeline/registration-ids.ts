import { mosipRegistrationId, type RegistrationIdFormat } from '../core/registration-id.js'
import { newTransactionId } from '../core/transaction-id.js'
import type { Executor } from '../store/database.js'
import { registrationSequenceSource } from '../store/registration-sequence.js'

/** Where new registration ids (our transaction id, also the MOSIP registration id) come from. */
export interface RegistrationIds {
  /** A new id; drawn on `executor` so a database sequence value is part of its transaction. */
  next(executor: Executor): Promise<string>
}

export interface RegistrationIdSettings {
  format: RegistrationIdFormat
  /** `reference` format: the leading digits (TRANSACTION_ID_PREFIX). */
  transactionIdPrefix: string
  /** `mosip` format: MOSIP_CENTER_ID and MOSIP_MACHINE_ID, 5 digits each. */
  centerId: string
  machineId: string
  clock?: () => number
}

export function registrationIds(settings: RegistrationIdSettings): RegistrationIds {
  if (settings.format === 'reference') {
    return { next: async () => newTransactionId(settings.transactionIdPrefix) }
  }
  const clock = settings.clock ?? Date.now
  const sequence = registrationSequenceSource()
  return {
    next: async (executor) =>
      mosipRegistrationId(
        settings.centerId,
        settings.machineId,
        await sequence.next(executor),
        clock()
      )
  }
}
