export type { BridgeConfig, ClientCredentials } from './config-types.js'
export {
  formatProblems,
  loadConfig,
  loadConfigFromProcess,
  readEnvironment
} from './load-config.js'
export type { ConfigProblem, Environment } from './load-config.js'
export { describeConfig } from './describe-config.js'
export { envExample } from './env-example.js'
export { INVALID, duration } from './value-parsers.js'
