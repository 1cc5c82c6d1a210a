export {
  IDA_AUTH_ROUTE,
  IDA_SERVICE,
  IdaSimulator,
  registerIda,
  type BridgeIdaMaterial,
  type IdaAttempt,
  type IdaOptions
} from './ida-simulator.js'
export { idaErrors } from './ida-errors.js'
export {
  DEFAULT_IDA_ATTRIBUTE_MAPPING,
  type IdaAttributeMapping,
  type IdaIdentityInput,
  type IdaIdentityStatus
} from './ida-identity.js'
