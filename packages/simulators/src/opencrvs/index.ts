export {
  createOpencrvsSimulator,
  OpencrvsSimulator,
  OPENCRVS_AUTH_SERVICE,
  OPENCRVS_GATEWAY_SERVICE,
  type OpencrvsSimulatorOptions,
  type OpencrvsUser,
  type OpencrvsActionState,
  type ProcedureFailure,
  type WaitOptions
} from './simulator.js'
export type { OpencrvsSystemClient } from './auth-service.js'
export type {
  ActionRequestOptions,
  OpencrvsTriggerCall,
  OpencrvsTriggerOutcome,
  OpencrvsTriggerResult
} from './action-confirmation.js'
export type { TokenDraft } from './token-service.js'
export { TrpcError } from './trpc-error.js'
export {
  aggregateActionDeclarations,
  actionStatusFlags,
  deepMerge,
  getPendingAction
} from './event-state.js'
export { parseScope, formatScope, hasScope } from './scopes.js'
