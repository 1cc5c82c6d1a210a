import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startSimulators,
  type SimulatorSuite,
  type SimulatorSuiteOptions
} from '@mosip-bridge/simulators'
import { createStore, type Store } from '@mosip-bridge/server'
import { createPostgresDatabase, waitFor } from '@mosip-bridge/test-support'
import { freePort, startBridgeProcess, type BridgeProcess } from '../../src/bridge-process.js'
import { startCountryConfigStub, type CountryConfigStub } from '../../src/country-config-stub.js'
import {
  startExampleCountryConfig,
  type ExampleCountryConfig,
  type ExampleCountryConfigOptions
} from '../../src/country-config/index.js'
import { runBridgeCli, type BridgeCliResult } from './bridge-cli.js'

export type CountryConfigMode = 'stub' | 'example' | 'none'

type CountryConfigOf<M extends CountryConfigMode> = M extends 'stub'
  ? CountryConfigStub
  : M extends 'example'
    ? ExampleCountryConfig
    : undefined

/** Values for the environment; `undefined` leaves a variable out (its default in the bridge). */
export type EnvOverrides = Record<string, string | undefined>

export interface DeploymentOptions<M extends CountryConfigMode> {
  /** Part of the temporary folder's name, to tell runs apart when one is left behind. */
  name: string
  /** The bridge's database: a file in the folder, or a fresh PostgreSQL database. */
  dialect: 'sqlite' | 'postgres'
  /**
   * What the simulated OpenCRVS core sends its action triggers to: `stub` the minimal country
   * configuration of `src/country-config-stub.ts`; `example` the example country configuration
   * on `@mosip-bridge/client` (checking the trigger tokens of the simulated OpenCRVS); `none` no
   * country configuration, so triggers fail and actions stay requested.
   */
  countryConfig: M
  /**
   * With `example`: its handler options. `client` defaults to a 5 s timeout and 2 retries 50 ms
   * apart; the rest to the handlers' own defaults.
   */
  countryConfigHandlers?: ExampleCountryConfigOptions['handlers']
  /**
   * Options for `startSimulators` (the folder, the bridge's URL and the country configuration's
   * are set here). Defaults: `stepDelayMs` 20 and `hubRetryDelaysMs` [200, 400, 800]; a key set
   * to `undefined` takes the simulators' own default.
   */
  simulators?: Partial<Omit<SimulatorSuiteOptions, 'dir' | 'bridgeUrl' | 'countryConfigUrl'>>
  /**
   * Variables for the bridge over `DEFAULT_BRIDGE_ENV`, the simulators' environment and the
   * database's; `undefined` leaves one out.
   */
  bridgeEnv?: EnvOverrides
}

export interface Deployment<M extends CountryConfigMode> {
  dir: string
  port: number
  bridgeUrl: string
  suite: SimulatorSuite
  countryConfig: CountryConfigOf<M>
  /**
   * The bridge: stable across `startBridge` and `restartBridge`, each call goes to the process
   * running now (its `output()` is that process's only; see `allOutput()`).
   */
  bridge: BridgeProcess
  /** The environment the bridge starts with (without the variables of one start). */
  env: Record<string, string>
  /** `DATABASE_URL` or `SQLITE_DATABASE_PATH`. */
  databaseEnv: Record<string, string>
  /** The tests' own connection to the bridge's database (2 connections on PostgreSQL). */
  store: Store
  /**
   * Starts a new bridge process on the same port, once the last one has ended; `env` applies to
   * this start only.
   */
  startBridge(env?: EnvOverrides): Promise<void>
  /** Stops the bridge (SIGTERM, or SIGKILL with `how: 'kill'`) and starts it again. */
  restartBridge(options?: { how?: 'stop' | 'kill'; env?: EnvOverrides }): Promise<void>
  /**
   * Runs one `mosip-bridge` command (e.g. `['websub', 'resubscribe']`) in its own process with
   * the bridge's environment and `env` over it, and waits for it to end. Restarts with changed
   * variables do not change this environment: pass them again here.
   */
  runCli(args: string[], env?: EnvOverrides): Promise<BridgeCliResult>
  /** What every bridge process of this deployment wrote, oldest first. */
  allOutput(): string
  /** Stops and removes everything, the bridge first and the folder last. */
  stop(): Promise<void>
}

/** Settings every end-to-end bridge runs with, unless a test says otherwise. */
export const DEFAULT_BRIDGE_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('hex'),
  JOB_BACKOFF_BASE_MS: '100',
  JOB_BACKOFF_MAX_MS: '800',
  JOB_POLL_INTERVAL_MS: '50',
  OUTBOUND_TIMEOUT_MS: '3000'
}

function definedOnly(env: EnvOverrides): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  )
}

/**
 * A deployment for one end-to-end suite on real sockets: a temporary folder, the simulators, a
 * country configuration, a database and the bridge in its own process on a free port. Resolves
 * once the bridge has subscribed at the simulated hub. What is started before a failure is
 * stopped again before the error is thrown.
 *
 * @example
 * const deployment = await startDeployment({
 *   name: 'registration',
 *   dialect: 'postgres',
 *   countryConfig: 'example',
 *   simulators: { hubCommitMode: 'message', websubSecret: 'a secret' },
 *   bridgeEnv: { LOG_LEVEL: 'debug', MOSIP_DEACTIVATE_UIN_ON_DEATH: 'true' }
 * })
 * // … deployment.suite, deployment.store, deployment.bridge …
 * await deployment.restartBridge({ env: { MOSIP_LANGUAGES: 'eng' } })
 * const cli = await deployment.runCli(['websub', 'resubscribe', '--json'], { USER: 'operator' })
 * await deployment.stop()
 */
export async function startDeployment<M extends CountryConfigMode>(
  options: DeploymentOptions<M>
): Promise<Deployment<M>> {
  const cleanups: Array<() => unknown> = []
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  }
  try {
    const dir = mkdtempSync(join(tmpdir(), `bridge-${options.name}-${options.dialect}-`))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const port = await freePort()
    const bridgeUrl = `http://127.0.0.1:${port}`

    let databaseEnv: Record<string, string>
    let openStore: () => Store
    if (options.dialect === 'postgres') {
      const database = await createPostgresDatabase()
      cleanups.push(() => database.drop())
      databaseEnv = { DATABASE_URL: database.url }
      openStore = () => createStore({ kind: 'postgres', url: database.url }, 2)
    } else {
      const sqlitePath = join(dir, 'bridge.db')
      databaseEnv = { SQLITE_DATABASE_PATH: sqlitePath }
      openStore = () => createStore({ kind: 'sqlite', sqlitePath })
    }

    let stub: CountryConfigStub | undefined
    if (options.countryConfig === 'stub') {
      const started = await startCountryConfigStub({ bridgeUrl })
      cleanups.push(() => started.close())
      stub = started
    }
    const suite = await startSimulators({
      stepDelayMs: 20,
      hubRetryDelaysMs: [200, 400, 800],
      ...options.simulators,
      dir,
      bridgeUrl,
      ...(stub ? { countryConfigUrl: stub.url } : {})
    })
    cleanups.push(() => suite.close())
    let example: ExampleCountryConfig | undefined
    if (options.countryConfig === 'example') {
      const started = await startExampleCountryConfig({
        bridgeUrl,
        opencrvsPublicKeyUrl: suite.opencrvs.publicKeyUrl,
        handlers: {
          client: { timeoutMs: 5000, retries: 2, retryDelayMs: 50 },
          ...options.countryConfigHandlers
        }
      })
      cleanups.push(() => started.close())
      suite.opencrvs.setCountryConfigUrl(started.url)
      example = started
    }

    const env = definedOnly({
      ...suite.env,
      ...databaseEnv,
      ...DEFAULT_BRIDGE_ENV,
      ...options.bridgeEnv
    })
    const earlierOutputs: string[] = []
    let current: BridgeProcess | undefined
    const running = () => {
      if (!current) throw new Error('the bridge was never started')
      return current
    }
    const bridge: BridgeProcess = {
      url: bridgeUrl,
      get child() {
        return running().child
      },
      output: () => running().output(),
      stop: () => running().stop(),
      kill: () => running().kill()
    }
    const startBridge = async (extraEnv: EnvOverrides = {}) => {
      if (current) {
        if (current.child.exitCode === null && current.child.signalCode === null) {
          throw new Error('the bridge is still running: stop it before starting another')
        }
        earlierOutputs.push(current.output())
      }
      current = await startBridgeProcess({ env: definedOnly({ ...env, ...extraEnv }), port })
    }
    await startBridge()
    cleanups.push(() => bridge.stop())
    const store = openStore()
    cleanups.push(() => store.close())
    await waitFor('the bridge to subscribe at the hub', () =>
      suite.mosip.hub.subscriptions().some((s) => s.state === 'active')
    )

    return {
      dir,
      port,
      bridgeUrl,
      suite,
      countryConfig: (stub ?? example) as CountryConfigOf<M>,
      bridge,
      env,
      databaseEnv,
      store,
      startBridge,
      restartBridge: async ({ how = 'stop', env: extraEnv } = {}) => {
        if (how === 'kill') await bridge.kill()
        else await bridge.stop()
        await startBridge(extraEnv)
      },
      runCli: (args, extraEnv = {}) =>
        runBridgeCli(args, { env: definedOnly({ ...env, ...extraEnv }) }),
      allOutput: () => [...earlierOutputs, running().output()].join('\n'),
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
