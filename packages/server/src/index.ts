export { createStore, type Store, type DatabaseOptions, type Dialect } from './store/database.js'
export { migrateToLatest, type MigrationReport } from './store/migrate.js'
export { SecretBox } from './store/secret-box.js'
export { RegistrationsRepository } from './store/registrations.repository.js'
export { WebsubInboxRepository } from './store/websub-inbox.repository.js'
export { OperatorQueries } from './store/operator-queries.js'
export { JobQueue, type ClaimedJob, type EnqueueOptions } from './queue/job-queue.js'
export { JobRunner, type TaskHandler, type JobContext } from './queue/job-runner.js'
export { RetryLater, PermanentFailure } from './core/job-failure.js'
export { startBridge, type RunningBridge } from './main.js'
export {
  loadConfig,
  loadConfigFromProcess,
  formatProblems,
  describeConfig,
  type BridgeConfig
} from './config/index.js'
export { createLogger, type Logger } from './observability/index.js'
