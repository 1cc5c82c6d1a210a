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
export type { IdaIdentityInput, IdaIdentityStatus } from './identity-registry.js'
