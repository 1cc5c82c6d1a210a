import { Console } from 'node:console'
import { progressBar } from './progress.js'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import {
  INVALID,
  describeConfig,
  duration,
  envExample,
  formatProblems,
  loadConfig,
  readEnvironment,
  type BridgeConfig,
  type Environment
} from '../config/index.js'
import { createLogger, type Logger } from '../observability/logger.js'
import { BRIDGE_VERSION } from '../version.js'
import { SchemaBehindError, openStorage, type Storage } from '../composition/storage.js'
import type { OperatorAction } from '../core/operator-action-plan.js'
import { REGISTRATION_STATES, mosipIdOf } from '../core/registration-state.js'
import type { ReconcileOutcome } from '../pipeline/reconciliation.service.js'
import { createStore } from '../store/database.js'
import { migrateToLatest } from '../store/migrate.js'
import type { JobState } from '../store/schema.js'
import {
  nextSteps,
  reportLines,
  stepName,
  type WebsubCommand,
  type WebsubReport,
  type WebsubTopicResult
} from './websub-output.js'
import {
  FOLLOW_UP_NOTE,
  formatDuration,
  jsonReport,
  outcomeTable,
  queuedFollowUps,
  summaryLine
} from './reconcile-output.js'

/** Exit codes: 0 fine, 1 runtime failure, 2 invalid configuration or usage. */
const EXIT_CONFIG = 2

/** What a command runs against: its arguments, environment and output streams. */
export interface CliIo {
  /** The arguments after the program name, e.g. `['jobs', 'list', '--state', 'dead']`. */
  argv: readonly string[]
  /** The real environment; it wins over the `.env` file. */
  env: Environment
  /** The directory the default `.env` file is read from. */
  cwd: string
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Where `admin hash-password` reads the password; the process's standard input by default. */
  stdin?: NodeJS.ReadableStream
}

/** Ends a command with an exit code; `runCli` turns it into its result. */
class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

function exit(code: number): never {
  throw new CliExit(code)
}

/**
 * Runs `work` against the bridge's storage, opened (and migrated) as `serve` opens it, with a
 * small pool; only errors are logged, to `stderr`.
 */
async function withStorage<T>(
  config: BridgeConfig,
  stderr: NodeJS.WritableStream,
  work: (storage: Storage, logger: Logger) => Promise<T>,
  access: { readOnly?: boolean } = {}
): Promise<T> {
  const logger = createLogger({ level: 'error', destination: stderr })
  let storage: Storage
  try {
    // Commands that only read never change the schema: a database behind this version says so.
    storage = await openStorage(config, logger, {
      poolSize: 2,
      migrate: access.readOnly !== true
    })
  } catch (error) {
    if (!(error instanceof SchemaBehindError)) throw error
    stderr.write(`${error.message}\n`)
    throw new CliExit(1)
  }
  try {
    return await work(storage, logger)
  } finally {
    await storage.store.close()
  }
}

/** Rows as aligned columns under a header line. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length))
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

/** A listing: one JSON document with `--json`, otherwise a table (or `empty` when nothing). */
function printListing<T>(
  console: Console,
  json: boolean | undefined,
  items: T[],
  empty: string,
  columns: Array<[header: string, cell: (item: T) => string]>
): void {
  if (json) {
    console.log(JSON.stringify(items, null, 2))
    return
  }
  if (items.length === 0) {
    console.log(empty)
    return
  }
  console.log(
    table(
      columns.map(([header]) => header),
      items.map((item) => columns.map(([, cell]) => cell(item)))
    )
  )
}

/** The same check of `--state` for every listing: one of the states that exist. */
function stateOrExit(console: Console, state: string | undefined, known: readonly string[]): void {
  if (state === undefined || known.includes(state)) return
  console.error(`--state must be one of ${known.join(', ')}`)
  exit(EXIT_CONFIG)
}

const DELIVERY_STATES = [
  'received',
  'processed',
  'duplicate',
  'unmatched',
  'undecryptable',
  'invalid'
] as const

/** `--older-than 30m`: a duration in ms. */
function durationArg(value: string): number {
  const ms = duration.parse(value)
  if (ms === INVALID || ms <= 0) throw new InvalidArgumentError(`expected ${duration.expected}`)
  return ms
}

/** An epoch-ms time as ISO 8601, or `fallback` when absent. */
function iso(at: number | null | undefined, fallback = '-'): string {
  return at === null || at === undefined ? fallback : new Date(Number(at)).toISOString()
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer')
  return n
}

function nonNegativeInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected 0 or more')
  return n
}

/** The subscriptions `websub …` commands act on, as `--topic` names them. */
const WEBSUB_TOPICS = ['credential', 'workflow', 'all'] as const

const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'dead']

/** The kept states of a delivery: waiting for an operator. */
const KEPT_DELIVERY_STATES = ['unmatched', 'undecryptable', 'invalid'] as const

/** At most this many items per bulk command (run it again for more). */
const BULK_LIMIT = 10_000

interface BulkOutcome {
  id: string
  done: boolean
  outcome: string
}

/**
 * Acts on each id in turn, with a progress bar on a terminal (none with --json); with
 * --dry-run, acts on none and reports each as what would be done.
 */
async function inBulk(
  stderr: NodeJS.WritableStream,
  options: { dryRun?: boolean; json?: boolean },
  what: string,
  ids: string[],
  act: (id: string) => Promise<{ done: boolean; outcome: string }>
): Promise<BulkOutcome[]> {
  if (options.dryRun) return ids.map((id) => ({ id, done: false, outcome: 'would be queued' }))
  const bar = progressBar(stderr, {
    ...(options.json ? { json: true } : {}),
    format: `${what} [{bar}] {value}/{total}`
  })
  const outcomes: BulkOutcome[] = []
  bar.start(ids.length)
  try {
    for (const id of ids) {
      outcomes.push({ id, ...(await act(id)) })
      bar.update(outcomes.length)
    }
  } finally {
    bar.stop()
  }
  return outcomes
}

/** The outcomes of a bulk command: JSON, or one line each and a count; exit 1 if any failed. */
function printBulk(
  console: Console,
  options: { dryRun?: boolean; json?: boolean },
  outcomes: BulkOutcome[],
  noun: string,
  doneText: string
): void {
  const failed = outcomes.filter((o) => !o.done && !options.dryRun).length
  if (options.json) {
    console.log(JSON.stringify({ dryRun: options.dryRun === true, outcomes }, null, 2))
  } else {
    if (options.dryRun) console.log('dry run: nothing is changed')
    for (const o of outcomes) console.log(`${noun} ${o.id}: ${o.outcome}`)
    console.log(
      options.dryRun
        ? `${outcomes.length} ${noun}(s) would be ${doneText}`
        : `${outcomes.length - failed} ${noun}(s) ${doneText}${failed > 0 ? `, ${failed} not` : ''}`
    )
  }
  if (failed > 0) exit(1)
}

/** The first line of a stream (without its line ending), once it is read or the stream ends. */
async function firstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  let text = ''
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    if (text.includes('\n')) break
  }
  const line = text.split(/\r?\n/)[0]
  return line === undefined || line === '' ? undefined : line
}

/**
 * The `mosip-bridge` program. Commands print through `console`, bound here to the given
 * streams, and end with `exit(code)`, which `runCli` turns into its result.
 */
function buildCli(io: CliIo): Command {
  const console = new Console({ stdout: io.stdout, stderr: io.stderr })
  const program = new Command('mosip-bridge')
    .description('OpenCRVS ↔ MOSIP bridge')
    .version(BRIDGE_VERSION, '-V, --version', 'print the version of the bridge')
    .option('--env-file <path>', 'read variables from this file instead of ./.env')
    .showHelpAfterError()
    // Set before any subcommand is added: subcommands copy these settings when created.
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text)
    })
    .exitOverride()

  const envFile = () => program.opts<{ envFile?: string }>().envFile
  /** Who runs this command, for the audit trail: the operating-system user. */
  const actor = io.env.USER ?? io.env.LOGNAME ?? 'unknown'
  const audited = (
    storage: Storage,
    action: string,
    target: string | null,
    outcome: string
  ): Promise<void> => storage.audit.record({ actor, channel: 'cli', action, target, outcome })

  function configOrExit(envFile?: string): BridgeConfig {
    const env = readEnvironment({
      cwd: io.cwd,
      processEnv: io.env,
      ...(envFile ? { envFile } : {})
    })
    const result = loadConfig(env)
    if (!result.ok) {
      io.stderr.write(`${formatProblems(result.problems)}\n`)
      exit(EXIT_CONFIG)
    }
    return result.config
  }

  program
    .command('serve', { isDefault: true })
    .description('run the bridge: HTTP service and job runner (migrates the database first)')
    .action(async () => {
      const config = configOrExit(envFile())
      const logger = createLogger({ level: config.logLevel, destination: io.stdout })
      // Loaded here: the HTTP server and the pipeline are only needed by `serve` (the other
      // commands start faster without them).
      const { startBridge } = await import('../main.js')
      let bridge: Awaited<ReturnType<typeof startBridge>>
      try {
        bridge = await startBridge(config, logger)
      } catch (error) {
        logger.fatal({ err: error }, 'mosip-bridge could not start')
        exit(1)
      }
      // Runs until SIGTERM or SIGINT, then stops in order and ends with the outcome.
      const code = await new Promise<number>((resolve) => {
        const shutdown = (signal: string) => {
          logger.info({ signal }, 'shutting down')
          bridge.stop().then(
            () => resolve(0),
            (error: unknown) => {
              logger.error({ err: error }, 'shutdown failed')
              resolve(1)
            }
          )
        }
        process.once('SIGTERM', shutdown)
        process.once('SIGINT', shutdown)
      })
      exit(code)
    })

  program
    .command('migrate')
    .description('bring the database schema up to date and exit')
    .action(async () => {
      const config = configOrExit(envFile())
      const store = createStore(config.database, 2)
      try {
        const report = await migrateToLatest(store)
        console.log(
          report.applied.length > 0
            ? `applied: ${report.applied.join(', ')}`
            : 'database is up to date'
        )
      } finally {
        await store.close()
      }
    })

  const keys = program.command('keys').description('the data encryption key')
  keys
    .command('reseal')
    .description(
      'seal every sealed value (tokens, packet input, national ids, kept deliveries) again under DATA_ENCRYPTION_KEY, reading old values with DATA_ENCRYPTION_PREVIOUS_KEYS; resumable'
    )
    .option('--batch-size <n>', 'values per transaction', positiveInt, 500)
    .option('--dry-run', 'count what would be re-sealed and check it can be read; change nothing')
    .option('--json', 'print the report as one JSON document')
    .action(async (options: { batchSize: number; dryRun?: boolean; json?: boolean }) => {
      const config = configOrExit(envFile())
      const dryRun = options.dryRun === true
      const { resealAll } = await import('../pipeline/key-reseal.service.js')
      const report = await withStorage(
        config,
        io.stderr,
        async (storage) => {
          const bar = progressBar(io.stderr, {
            ...(options.json ? { json: true } : {}),
            format: `${dryRun ? 'checking' : 're-sealing'} [{bar}] {value}/{total} values`
          })
          try {
            const done = await resealAll(storage.sealed, {
              batchSize: options.batchSize,
              dryRun,
              onStart: (total) => bar.start(total),
              onProgress: (value) => bar.update(value)
            })
            if (!dryRun) {
              const { total } = done
              await audited(
                storage,
                'keys.reseal',
                null,
                `key ${done.keyId}: resealed ${total.resealed}, unreadable ${total.unreadable}, changed meanwhile ${total.skipped}`
              )
            }
            return done
          } finally {
            bar.stop()
          }
        },
        { readOnly: dryRun }
      )
      if (options.json) {
        console.log(JSON.stringify(report, null, 2))
      } else {
        console.log(
          `${dryRun ? 'dry run: nothing is changed; ' : ''}current data key ${report.keyId}`
        )
        console.log(
          table(
            [
              'COLUMN',
              'OLD KEY',
              dryRun ? 'READABLE' : 'RESEALED',
              'UNREADABLE',
              'CHANGED MEANWHILE'
            ],
            report.columns.map((row) => [
              row.column,
              String(row.stale),
              String(row.resealed),
              String(row.unreadable),
              String(row.skipped)
            ])
          )
        )
        if (report.total.unreadable === 0 && !dryRun) {
          console.log(
            'every sealed value uses the current key: DATA_ENCRYPTION_PREVIOUS_KEYS can be emptied'
          )
        }
      }
      if (report.total.unreadable > 0) {
        console.error(
          `${report.total.unreadable} value(s) open with no configured key: add the key that sealed them to DATA_ENCRYPTION_PREVIOUS_KEYS and run again`
        )
        exit(1)
      }
    })

  const configCommand = program.command('config').description('configuration tools')
  configCommand
    .command('check')
    .description(
      'validate the configuration, print it with secrets masked, and open every key file with its password'
    )
    .option('--connect', "also reach each partner: MOSIP's logins, OpenCRVS's public key")
    .action(async (options: { connect?: boolean }) => {
      const config = configOrExit(envFile())
      const described = describeConfig(config)
      const width = Math.max(...Object.keys(described).map((k) => k.length))
      for (const [name, value] of Object.entries(described)) {
        console.log(`${name.padEnd(width)}  ${value}`)
      }
      if (!config.encryption.key) {
        console.log(
          `\nnote: DATA_ENCRYPTION_KEY is not set; the key is kept in ${config.encryption.keyFile} (created on first start)`
        )
      }
      // The key files, opened with their passwords as start-up opens them.
      const { checkKeyFiles } = await import('../composition/file-checks.js')
      const files = checkKeyFiles(config)
      console.log('\nkey files:')
      for (const file of files) {
        const mark = file.ok ? 'ok' : file.required ? 'FAILED' : 'unusable'
        console.log(`  ${mark.padEnd(8)} ${file.variables}: ${file.detail}`)
      }
      let unreachable = false
      if (options.connect) {
        const { checkPartners } = await import('../composition/partner-checks.js')
        const partners = await checkPartners(config)
        console.log('\npartners:')
        for (const partner of partners) {
          console.log(
            `  ${(partner.ok ? 'ok' : 'FAILED').padEnd(8)} ${partner.name}: ${partner.detail}`
          )
        }
        unreachable = partners.some((partner) => !partner.ok)
      }
      if (files.some((file) => file.required && !file.ok)) {
        console.log('\nconfiguration is valid, but a required key file cannot be used')
        exit(1)
      }
      if (unreachable) {
        console.log('\nconfiguration is valid, but a partner cannot be reached with it')
        exit(1)
      }
      console.log('\nconfiguration is valid')
    })
  configCommand
    .command('example')
    .description(
      'print .env.example: every variable with its meaning and default (reads no configuration)'
    )
    .action(() => {
      io.stdout.write(envExample())
    })

  const admin = program.command('admin').description('the operator console')
  admin
    .command('hash-password')
    .description(
      'read the operator password on standard input (its first line) and print the ADMIN_PASSWORD_HASH value to set (reads no configuration)'
    )
    .action(async () => {
      const input = io.stdin ?? process.stdin
      if ((input as { isTTY?: boolean }).isTTY) {
        io.stderr.write('operator password (it is shown as typed; pipe it in to hide it): ')
      }
      const password = await firstLine(input)
      if (password === undefined || password.length < 12) {
        console.error('the password must have at least 12 characters (read from standard input)')
        exit(EXIT_CONFIG)
      }
      const { hashPassword } = await import('../core/admin-password.js')
      console.log(await hashPassword(password))
    })

  program
    .command('status')
    .description('registrations and jobs by state')
    .action(async () => {
      const config = configOrExit(envFile())
      await withStorage(
        config,
        io.stderr,
        async ({ store, operator, queue }) => {
          const registrations = Object.entries(await operator.countByState())
          const { stallAlertMs } = config.mosip.reconcile
          const stalled = await operator.countStalled(Date.now() - stallAlertMs)
          const jobs = await queue.counts()
          console.log(`database: ${store.dialect}`)
          console.log('registrations:')
          if (registrations.length === 0) console.log('  (none)')
          for (const [state, n] of registrations) console.log(`  ${state.padEnd(20)} ${n}`)
          console.log(
            `  ${'stalled'.padEnd(20)} ${stalled}  (submitted, waiting on MOSIP for more than ${formatDuration(stallAlertMs)})`
          )
          console.log('jobs:')
          for (const state of JOB_STATES) console.log(`  ${state.padEnd(20)} ${jobs[state]}`)
        },
        { readOnly: true }
      )
    })

  const registrations = program
    .command('registrations')
    .description('follow registrations through MOSIP and OpenCRVS')
  registrations
    .command('list')
    .description('recent registrations (no personal data)')
    .option('--state <state>', `only this state: ${REGISTRATION_STATES.join(', ')}`)
    .option('--limit <n>', 'how many', positiveInt, 50)
    .option('--json', 'print them as one JSON document')
    .action(async (options: { state?: string; limit: number; json?: boolean }) => {
      stateOrExit(console, options.state, REGISTRATION_STATES)
      const config = configOrExit(envFile())
      await withStorage(
        config,
        io.stderr,
        async ({ operator }) => {
          const rows = await operator.recentRegistrations({
            ...(options.state ? { state: options.state } : {}),
            limit: options.limit
          })
          printListing(console, options.json, rows, 'no registrations', [
            ['ID', (row) => row.id],
            ['KIND', (row) => row.kind],
            ['STATE', (row) => row.state],
            ['ATTEMPTS', (row) => String(row.attempts)],
            ['OPENCRVS EVENT', (row) => row.opencrvs_event_id ?? '-'],
            ['UPDATED', (row) => new Date(row.updated_at).toISOString()],
            ['LAST ERROR', (row) => row.last_error ?? '']
          ])
        },
        { readOnly: true }
      )
    })
  registrations
    .command('show')
    .description('one registration and the history of its states')
    .argument('<id>', 'transaction id')
    .action(async (id: string) => {
      const config = configOrExit(envFile())
      await withStorage(
        config,
        io.stderr,
        async ({ operator, reconciliation, audit }) => {
          const row = await operator.registration(id)
          if (!row) {
            console.error(`registration ${id} does not exist`)
            exit(1)
          }
          const mosipIds = await reconciliation.mosipIdsOf(row.id)
          console.log(`${row.id}  ${row.kind}  ${row.state}`)
          console.log(
            `  OpenCRVS event ${row.opencrvs_event_id ?? '-'} action ${row.opencrvs_action_id ?? '-'}`
          )
          console.log(
            `  registration number ${row.registration_number ?? '-'}, tracking id ${row.tracking_id ?? '-'}`
          )
          console.log(
            `  kept: token ${row.kept.token ? 'yes' : 'no'}, packet input ${row.kept.payload ? 'yes' : 'no'}, national id ${row.kept.nationalId ? 'yes' : 'no'}`
          )
          console.log(
            `  MOSIP id ${mosipIdOf(row)}${mosipIds.length > 1 ? ` (ids used: ${mosipIds.join(', ')})` : ''}`
          )
          console.log(
            `  submitted to MOSIP ${iso(row.submitted_at)}, resubmissions ${row.resubmissions}`
          )
          console.log(
            `  MOSIP status ${row.mosip_status ?? '-'}, checked ${iso(row.mosip_checked_at, 'never')}, next check ${row.state === 'submitted' ? iso(row.reconcile_at) : '-'}`
          )
          if (row.last_error) console.log(`  last error: ${row.last_error}`)
          for (const entry of row.history) {
            console.log(
              `  ${new Date(entry.at).toISOString()}  ${entry.from_state ?? '-'} → ${entry.to_state}  ${entry.reason ?? ''}`
            )
          }
          const actions = await audit.of(row.id)
          if (actions.length > 0) console.log('  operator actions:')
          for (const action of actions) {
            console.log(
              `  ${new Date(action.at).toISOString()}  ${action.action} by ${action.actor} (${action.channel}): ${action.outcome}`
            )
          }
        },
        { readOnly: true }
      )
    })
  // The same actions as the console's registration page, through the same service.
  const registrationActions: Array<[OperatorAction, string]> = [
    [
      'retry',
      'the step a stopped registration stopped at, again: submit to MOSIP, confirm in OpenCRVS, check with MOSIP, or send its rejection'
    ],
    ['confirm', 'confirm again in OpenCRVS a registration whose MOSIP answer came'],
    ['reconcile', 'ask MOSIP about a submitted registration at once'],
    [
      'reject',
      'give up: fail the registration and reject its action in OpenCRVS (never one OpenCRVS accepted)'
    ],
    ['remove', 'stop tracking a registration: delete it, its history and its waiting jobs']
  ]
  for (const [action, description] of registrationActions) {
    registrations
      .command(action)
      .description(description)
      .argument('<id>', 'transaction id')
      .action(async (id: string) => {
        const config = configOrExit(envFile())
        const { runRegistrationAction } = await import('../pipeline/operator-actions.js')
        const result = await withStorage(config, io.stderr, async (storage) => {
          const done = await runRegistrationAction(storage, id, action)
          await audited(
            storage,
            `registration.${action}`,
            id,
            done.done ? done.message : `refused: ${done.reason}`
          )
          return done
        })
        if (!result.done) {
          console.error(result.reason)
          exit(1)
        }
        console.log(`registration ${id}: ${result.message}`)
      })
  }

  program
    .command('reconcile')
    .description(
      'ask MOSIP now about submitted registrations and act on its answers (failed, finished, submitted again, handed to an operator)'
    )
    .option(
      '--older-than <duration>',
      'every registration submitted at least this long ago, due or not (e.g. 90s, 30m, 2h, 1d; default MOSIP_RECONCILE_AFTER_SECONDS)',
      durationArg
    )
    .option('--dry-run', 'ask MOSIP and print what would be done; change nothing')
    .option('--json', 'print the outcomes and the summary as one JSON document')
    .action(async (options: { olderThan?: number; dryRun?: boolean; json?: boolean }) => {
      const config = configOrExit(envFile())
      const olderThanMs = options.olderThan ?? config.mosip.reconcile.afterMs
      const dryRun = options.dryRun === true
      const json = options.json === true
      const { report, outcomes } = await withStorage(
        config,
        io.stderr,
        async (storage, logger) => {
          // Only the status client is used: the other MOSIP parts (the credential keystore above
          // all) are not needed here, so what they would log is not either.
          const [{ createMosipIntegration }, { buildReconciler }] = await Promise.all([
            import('../integrations/mosip/index.js'),
            import('../composition/job-handlers.js')
          ])
          const mosip = createMosipIntegration(config, logger.child({}, { level: 'silent' }))
          const reconciler = buildReconciler(config, logger, storage, { mosip })
          const bar = progressBar(io.stderr, {
            json,
            format: 'asking MOSIP [{bar}] {value}/{total} registrations'
          })
          let started = false
          const outcomes: ReconcileOutcome[] = []
          try {
            const report = await reconciler.runPass({
              olderThanMs,
              dryRun,
              onOutcome: (outcome) => outcomes.push(outcome),
              // Only for a bar: knowing the total costs a count.
              ...(bar.shown
                ? {
                    onProgress: (done: number, total: number | undefined) => {
                      if (!started) bar.start(total ?? done, done)
                      else bar.update(done)
                      started = true
                    }
                  }
                : {})
            })
            if (!dryRun) {
              await audited(
                storage,
                'reconcile',
                null,
                `checked ${report.checked}, postponed ${report.postponed}${report.stoppedBy ? `, stopped: ${report.stoppedBy.code}` : ''}`
              )
            }
            return { report, outcomes }
          } finally {
            bar.stop()
          }
        },
        { readOnly: dryRun }
      )
      if (json) {
        console.log(jsonReport({ dryRun, olderThanMs, outcomes, report }))
      } else {
        const age = formatDuration(olderThanMs)
        console.log(
          `${dryRun ? 'dry run: nothing is changed; ' : ''}registrations submitted at least ${age} ago: ${outcomes.length} asked about`
        )
        if (outcomes.length > 0) for (const line of outcomeTable(outcomes)) console.log(line)
        console.log(summaryLine(report))
        if (!dryRun && queuedFollowUps(report)) console.log(FOLLOW_UP_NOTE)
      }
      if (report.stoppedBy) {
        console.error(
          `MOSIP could not be asked: ${report.stoppedBy.code}: ${report.stoppedBy.reason}; ${report.postponed} registration(s) ${dryRun ? 'unchecked' : 'wait for the next check'}`
        )
        exit(1)
      }
    })

  const deliveries = program
    .command('deliveries')
    .description('MOSIP WebSub deliveries, including those kept for an operator')
  deliveries
    .command('list')
    .description('recent deliveries (no content)')
    .option('--state <state>', `only this state: ${DELIVERY_STATES.join(', ')}`)
    .option('--limit <n>', 'how many', positiveInt, 50)
    .option('--json', 'print them as one JSON document')
    .action(async (options: { state?: string; limit: number; json?: boolean }) => {
      stateOrExit(console, options.state, DELIVERY_STATES)
      const config = configOrExit(envFile())
      await withStorage(
        config,
        io.stderr,
        async ({ operator }) => {
          const rows = await operator.recentDeliveries({
            ...(options.state ? { state: options.state } : {}),
            limit: options.limit
          })
          printListing(console, options.json, rows, 'no deliveries', [
            ['EVENT ID', (row) => row.event_id],
            ['STATE', (row) => row.state],
            ['RECEIVED', (row) => new Date(row.received_at).toISOString()],
            ['REGISTRATION', (row) => row.registration_id ?? '-'],
            ['NOTE', (row) => row.note ?? '']
          ])
        },
        { readOnly: true }
      )
    })
  deliveries
    .command('retry')
    .description('process a kept delivery (unmatched, undecryptable, invalid) again')
    .argument('<eventId>', 'MOSIP event id')
    .action(async (eventId: string) => {
      const config = configOrExit(envFile())
      const { retryDelivery } = await import('../pipeline/operator-actions.js')
      const result = await withStorage(config, io.stderr, async (storage) => {
        const retried = await retryDelivery(storage, eventId)
        await audited(
          storage,
          'delivery.retry',
          eventId,
          retried.retried ? 'queued' : retried.reason
        )
        return retried
      })
      if (!result.retried) {
        console.error(result.reason)
        exit(1)
      }
      console.log(`delivery ${eventId} queued for processing again`)
    })
  deliveries
    .command('retry-kept')
    .description('process every kept delivery of one state again (after fixing what kept them)')
    .requiredOption('--state <state>', `which: ${KEPT_DELIVERY_STATES.join(', ')}`)
    .option('--dry-run', 'list what would be retried; change nothing')
    .option('--json', 'print the outcome of each as one JSON document')
    .action(async (options: { state: string; dryRun?: boolean; json?: boolean }) => {
      stateOrExit(console, options.state, KEPT_DELIVERY_STATES)
      const config = configOrExit(envFile())
      const { retryDelivery } = await import('../pipeline/operator-actions.js')
      const outcomes = await withStorage(
        config,
        io.stderr,
        async (storage) => {
          const kept = await storage.operator.recentDeliveries({
            state: options.state,
            limit: BULK_LIMIT
          })
          return inBulk(
            io.stderr,
            options,
            'retrying deliveries',
            kept.map((row) => row.event_id),
            async (eventId) => {
              const retried = await retryDelivery(storage, eventId)
              const outcome = retried.retried ? 'queued' : retried.reason
              await audited(storage, 'delivery.retry', eventId, outcome)
              return { done: retried.retried, outcome }
            }
          )
        },
        { readOnly: options.dryRun === true }
      )
      printBulk(console, options, outcomes, 'delivery', 'queued for processing again')
    })

  /**
   * `websub unsubscribe|resubscribe|subscribe`: each request to the hub is recorded as an intent
   * first, which the running bridge's callback confirms when the hub verifies it.
   */
  async function runWebsubCommand(
    command: WebsubCommand,
    options: {
      topic: string
      wait: number
      overlap?: number
      relay?: boolean
      dryRun?: boolean
      json?: boolean
    }
  ): Promise<void> {
    if (!(WEBSUB_TOPICS as readonly string[]).includes(options.topic)) {
      console.error(`--topic must be one of ${WEBSUB_TOPICS.join(', ')}`)
      exit(EXIT_CONFIG)
    }
    const config = configOrExit(envFile())
    const { websub } = config.mosip
    if (options.topic === 'workflow' && websub.workflowCompletedTopic === undefined) {
      console.error(
        '--topic workflow: the bridge does not subscribe to workflow-completed events (MOSIP_WORKFLOW_COMPLETED_TOPIC is none)'
      )
      exit(EXIT_CONFIG)
    }
    const dryRun = options.dryRun === true
    const waitMs = options.wait * 1000
    const [{ websubSubscribers, websubLogin }, { WebsubSubscriptionChange }] = await Promise.all([
      import('../integrations/mosip/index.js'),
      import('../pipeline/websub-subscription-change.service.js')
    ])
    const report = await withStorage(
      config,
      io.stderr,
      async (storage, logger) => {
        // What the subscriptions log is what this command prints.
        const quiet = logger.child({}, { level: 'silent' })
        const { subscriber, workflowSubscriber } = websubSubscribers(config, quiet)
        const relays = websubSubscribers(config, quiet, 'relay')
        const targets = [
          {
            name: 'credential',
            topic: websub.topic,
            requests: subscriber,
            relay: relays.subscriber
          },
          ...(workflowSubscriber &&
          relays.workflowSubscriber &&
          websub.workflowCompletedTopic !== undefined
            ? [
                {
                  name: 'workflow',
                  topic: websub.workflowCompletedTopic,
                  requests: workflowSubscriber,
                  relay: relays.workflowSubscriber
                }
              ]
            : [])
        ].filter((target) => options.topic === 'all' || target.name === options.topic)
        const base = {
          command,
          dryRun,
          hubUrl: websub.hubUrl,
          callbackUrl: websub.callbackUrl
        }
        if (dryRun) {
          const token = await websubLogin(config).token()
          const report: WebsubReport = {
            ...base,
            login:
              token.kind === 'ok'
                ? { ok: true, detail: `logged in at ${config.mosip.authUrl}` }
                : { ok: false, detail: `${token.code}: ${token.reason}` },
            planned: targets.map((target) => ({
              name: target.name,
              topic: target.topic,
              requests:
                command === 'resubscribe'
                  ? ['subscribe (relay)', 'unsubscribe', 'subscribe', 'unsubscribe (relay)']
                  : [
                      command === 'subscribe'
                        ? 'subscribe'
                        : stepName({
                            mode: 'unsubscribe',
                            callback: options.relay ? 'relay' : 'main'
                          })
                    ]
            })),
            topics: [],
            next: []
          }
          return report
        }
        const change = new WebsubSubscriptionChange({
          intents: storage.websubIntents,
          requestedBy: `cli:${actor}`
        })
        const topics: WebsubTopicResult[] = []
        for (const target of targets) {
          const main = { name: target.name, topic: target.topic, requests: target.requests }
          const relay = { ...main, callback: 'relay' as const, requests: target.relay }
          const steps =
            command === 'resubscribe'
              ? await change.resubscribe(main, relay, waitMs, (options.overlap ?? 30) * 1000)
              : [
                  command === 'unsubscribe'
                    ? await change.unsubscribe(options.relay ? relay : main, waitMs)
                    : await change.subscribe(main, waitMs)
                ]
          const done =
            steps.every((step) => step.done) && steps.length === (command === 'resubscribe' ? 4 : 1)
          topics.push({ name: target.name, topic: target.topic, steps, done })
          await audited(
            storage,
            `websub.${command}`,
            target.topic,
            steps
              .map((step) =>
                step.request.accepted
                  ? `${stepName(step)} ${step.verification?.kind ?? 'accepted'}`
                  : `${stepName(step)} refused: ${step.request.code}`
              )
              .join('; ')
          )
        }
        return { ...base, topics, next: nextSteps(command, topics) }
      },
      { readOnly: dryRun }
    )
    if (options.json) {
      console.log(JSON.stringify(report, null, 2))
    } else {
      for (const line of reportLines(report)) console.log(line)
    }
    if (dryRun ? report.login?.ok !== true : report.topics.some((result) => !result.done)) exit(1)
  }

  const websubCommand = program
    .command('websub')
    .description("the bridge's subscriptions at MOSIP's WebSub hub")
  const topicOption = `which subscription: ${WEBSUB_TOPICS.join(', ')} (workflow: MOSIP_WORKFLOW_COMPLETED_TOPIC)`
  websubCommand
    .command('resubscribe')
    .description(
      'move the hub to the current MOSIP_WEBSUB_SECRET with no moment undelivered: subscribe the relay callback (<callback>/relay), unsubscribe and subscribe the callback again, keep both for --overlap, drop the relay; each step waits until the running bridge confirmed the verification (run it after restarting the bridge with the new secret and the old one in MOSIP_WEBSUB_PREVIOUS_SECRETS)'
    )
    .option('--topic <topic>', topicOption, 'all')
    .option(
      '--wait <seconds>',
      "how long to wait for each of the hub's verifications",
      positiveInt,
      60
    )
    .option(
      '--overlap <seconds>',
      'how long both subscriptions stay before the relay is dropped (the hub polls every few seconds)',
      nonNegativeInt,
      30
    )
    .option('--dry-run', 'log in with the WebSub client and print what would be sent; send nothing')
    .option('--json', 'print the outcome as one JSON document')
    .action(
      (options: {
        topic: string
        wait: number
        overlap: number
        dryRun?: boolean
        json?: boolean
      }) => runWebsubCommand('resubscribe', options)
    )
  websubCommand
    .command('unsubscribe')
    .description(
      'ask the hub to stop delivering to the bridge (the bridge subscribes again at its next start or re-subscription)'
    )
    .option('--topic <topic>', topicOption, 'all')
    .option(
      '--wait <seconds>',
      "how long to wait for the hub's verification (0: do not wait; the bridge confirms it for 10 minutes)",
      nonNegativeInt,
      60
    )
    .option(
      '--relay',
      'unsubscribe the relay callback (<callback>/relay) that a resubscribe left behind, not the callback'
    )
    .option('--dry-run', 'log in with the WebSub client and print what would be sent; send nothing')
    .option('--json', 'print the outcome as one JSON document')
    .action(
      (options: {
        topic: string
        wait: number
        relay?: boolean
        dryRun?: boolean
        json?: boolean
      }) => runWebsubCommand('unsubscribe', options)
    )
  websubCommand
    .command('subscribe')
    .description(
      'subscribe now with MOSIP_WEBSUB_SECRET (as the bridge does at start-up) and wait for the verification'
    )
    .option('--topic <topic>', topicOption, 'all')
    .option(
      '--wait <seconds>',
      "how long to wait for the hub's verification (0: do not wait)",
      nonNegativeInt,
      60
    )
    .option('--dry-run', 'log in with the WebSub client and print what would be sent; send nothing')
    .option('--json', 'print the outcome as one JSON document')
    .action((options: { topic: string; wait: number; dryRun?: boolean; json?: boolean }) =>
      runWebsubCommand('subscribe', options)
    )

  const jobs = program.command('jobs').description('inspect and replay background jobs')
  jobs
    .command('list')
    .description('list recent jobs')
    .option('--state <state>', `only this state: ${JOB_STATES.join(', ')}`)
    .option('--limit <n>', 'how many', positiveInt, 50)
    .option('--json', 'print them as one JSON document')
    .action(async (options: { state?: string; limit: number; json?: boolean }) => {
      stateOrExit(console, options.state, JOB_STATES)
      const config = configOrExit(envFile())
      await withStorage(
        config,
        io.stderr,
        async ({ queue }) => {
          const rows = await queue.list({
            ...(options.state ? { state: options.state as JobState } : {}),
            limit: options.limit
          })
          // Payloads hold ids only; still, a listing shows what identifies the job, not its payload.
          const items = rows.map((job) => ({
            id: job.id,
            task: job.task,
            state: job.state,
            attempts: job.attempts,
            maxAttempts: job.max_attempts,
            runAt: new Date(job.run_at).toISOString(),
            jobKey: job.job_key,
            lastError: job.last_error
          }))
          printListing(console, options.json, items, 'no jobs', [
            ['ID', (job) => String(job.id)],
            ['STATE', (job) => job.state],
            ['TASK', (job) => job.task],
            ['ATTEMPTS', (job) => `${job.attempts}/${job.maxAttempts}`],
            ['RUN AT', (job) => job.runAt],
            ['LAST ERROR', (job) => job.lastError ?? '']
          ])
        },
        { readOnly: true }
      )
    })
  jobs
    .command('replay-dead')
    .description('put every dead job (of one task, if given) back in the queue with fresh attempts')
    .option('--task <task>', 'only the dead jobs of this task')
    .option('--dry-run', 'list what would be replayed; change nothing')
    .option('--json', 'print the outcome of each as one JSON document')
    .action(async (options: { task?: string; dryRun?: boolean; json?: boolean }) => {
      const config = configOrExit(envFile())
      const outcomes = await withStorage(
        config,
        io.stderr,
        async (storage) => {
          const dead = await storage.queue.list({
            state: 'dead',
            ...(options.task ? { task: options.task } : {}),
            limit: BULK_LIMIT
          })
          return inBulk(
            io.stderr,
            options,
            'replaying jobs',
            dead.map((job) => String(job.id)),
            async (id) => {
              const replayed = await storage.queue.replay(Number(id))
              const outcome = replayed ? 'queued' : 'not dead'
              await audited(storage, 'job.replay', id, outcome)
              return { done: replayed, outcome }
            }
          )
        },
        { readOnly: options.dryRun === true }
      )
      printBulk(console, options, outcomes, 'job', 'queued again')
    })
  jobs
    .command('replay')
    .description('put a dead job back in the queue with fresh attempts')
    .argument('<id>', 'job id', positiveInt)
    .action(async (id: number) => {
      const config = configOrExit(envFile())
      const replayed = await withStorage(config, io.stderr, async (storage) => {
        const done = await storage.queue.replay(id)
        await audited(storage, 'job.replay', String(id), done ? 'queued' : 'not dead')
        return done
      })
      if (!replayed) {
        console.error(`job ${id} is not dead (or does not exist); nothing replayed`)
        exit(1)
      }
      console.log(`job ${id} queued again`)
    })

  return program
}

/**
 * Runs one `mosip-bridge` command in this process and resolves with its exit code, without
 * ending the process: `bin/mosip-bridge.js` exits with it, tests call it directly. `serve`
 * resolves once the bridge has stopped after SIGTERM or SIGINT.
 */
export async function runCli(io: CliIo): Promise<number> {
  try {
    await buildCli(io).parseAsync([...io.argv], { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CliExit) return error.code
    // Usage errors, --help and --version: commander has already written its message.
    if (error instanceof CommanderError) return error.exitCode
    throw error
  }
}
