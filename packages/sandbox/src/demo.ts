/**
 * `npm run demo`: the bridge on embedded defaults (SQLite under ./data, the development
 * encryption key), configured from the environment and .env like production.
 */
import {
  createLogger,
  formatProblems,
  loadConfigFromProcess,
  startBridge
} from '@mosip-bridge/server'

// The reference's port 2024 is often taken on shared machines; the demo uses its own unless told.
const DEMO_PORT = '2124'
process.env.PORT ??= DEMO_PORT
process.env.MOSIP_WEBSUB_CALLBACK_URL ??= `http://localhost:${process.env.PORT}/websub/callback`

const loaded = loadConfigFromProcess()
if (!loaded.ok) {
  process.stderr.write(`${formatProblems(loaded.problems)}\n`)
  process.exit(2)
}
const logger = createLogger({ level: loaded.config.logLevel })
const bridge = await startBridge(loaded.config, logger).catch((error: Error) => {
  process.stderr.write(`mosip-bridge demo could not start: ${error.message}\n`)
  process.exit(1)
})
process.stdout.write(
  `\nmosip-bridge demo running at ${bridge.url}\n` +
    `  health:  ${bridge.url}/health\n` +
    `  status:  npx mosip-bridge status\n` +
    `Ctrl+C stops it.\n\n`
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void bridge.stop().then(() => process.exit(0)))
}
