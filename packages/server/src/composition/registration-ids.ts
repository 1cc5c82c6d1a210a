import type { BridgeConfig } from '../config/index.js'
import { registrationIds, type RegistrationIds } from '../pipeline/registration-ids.js'

/** The registration id source the configuration asks for (MOSIP_REGISTRATION_ID_FORMAT). */
export function registrationIdsOf(config: BridgeConfig): RegistrationIds {
  return registrationIds({
    format: config.registrationIdFormat,
    transactionIdPrefix: config.transactionIdPrefix,
    centerId: config.mosip.centerId,
    machineId: config.mosip.machineId
  })
}
