export {
  DEFAULT_SQLITE_PATH,
  LOG_LEVELS,
  NODE_ENVS,
  decodeEncryptionKey,
  environmentSchema,
  isDeprecatedVariable,
  isSecretVariable,
  variableNames
} from './schema.js'
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
  ServerConfig,
  VariableName
} from './schema.js'
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
