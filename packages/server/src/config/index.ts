export { LOG_LEVELS, NODE_ENVS } from './config-types.js'
export { decodeEncryptionKey } from './value-parsers.js'
export {
  DEFAULT_SQLITE_PATH,
  isDeprecatedVariable,
  isSecretVariable,
  variableNames
} from './variables.js'
export type { VariableName } from './variables.js'
export { environmentSchema } from './assemble-config.js'
export type {
  BridgeConfig,
  ClientCredentials,
  DatabaseConfig,
  EncryptionConfig,
  EsignetConfig,
  IdaConfig,
  LogLevel,
  MosipConfig,
  MosipWebsubConfig,
  NodeEnv,
  OpencrvsConfig,
  QueueConfig,
  ServerConfig
} from './config-types.js'
export {
  formatProblems,
  loadConfig,
  loadConfigFromProcess,
  readEnvironment
} from './load-config.js'
export type {
  ConfigProblem,
  Environment,
  LoadConfigResult,
  ReadEnvironmentOptions
} from './load-config.js'
export { MASK, describeConfig, maskUrlPassword } from './describe-config.js'
