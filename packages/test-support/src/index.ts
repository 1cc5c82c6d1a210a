/** Test support shared by every package's tests. Never imported by a package's src. */
export { waitFor } from './wait.js'
export { LogSink } from './log-sink.js'
export {
  closedPort,
  freePort,
  sendJson,
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type Responder
} from './recording-server.js'
export { installRsaKeyCache, testRsaKeyPair } from './rsa-key-cache.js'
export {
  createPostgresDatabase,
  postgresSuiteOptions,
  type PostgresTestDatabase
} from './postgres.js'
