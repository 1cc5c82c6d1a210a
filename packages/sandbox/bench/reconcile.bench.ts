/**
 * Reconciliation with MOSIP: registrations checked per second in a pass over N submitted
 * registrations (10,000 by default), the bridge's CPU per check, the status requests it made, and
 * the bridge's intake latency while a pass runs compared with intake alone.
 *
 * The bridge runs in this process (SQLite by default, PostgreSQL with `--database postgres` in a
 * fresh database at 127.0.0.1:5432), so its CPU is this process's; the simulated MOSIP, E-Signet
 * and OpenCRVS and the country configuration run in a child (`partners.process.ts`). The
 * registrations are seeded through the real pipeline (OpenCRVS trigger → intake → packet →
 * workflow instance), with MOSIP keeping them PROCESSING; then MOSIP ends one in 20 (UIN without
 * credential, rejected, RESEND) with its hub paused, so that only the status search tells the
 * bridge. MOSIP's answers come from its `externalstatus/search` over HTTP.
 *
 *   1. a pass alone: checks/s, bridge CPU per check, status requests;
 *   2. intake alone at `--rate` registrations/s for `--baseline-seconds`: latency baseline;
 *   3. a second pass (over the registrations still submitted) with the same intake running.
 *
 *   npm run bench:reconcile [-- --registrations N --rate R --baseline-seconds S --database postgres]
 *   BENCH_CPU_PROFILE=<folder> writes node's CPU profile of the first pass (the bridge's thread) there.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import {
  createLogger,
  formatProblems,
  loadConfig,
  startBridge,
  type RunningBridge
} from '@mosip-bridge/server'
import { createPostgresDatabase } from '@mosip-bridge/test-support'
import { freePort } from '../src/bridge-process.js'
import type { IntakeRun, PartnersCommand } from './partners.process.js'

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index > 0 ? Number(process.argv[index + 1]) : fallback
}
const TOTAL = argument('registrations', 10_000)
const RATE = argument('rate', 20)
const BASELINE_SECONDS = argument('baseline-seconds', 10)
const SEED_CONCURRENCY = argument('concurrency', 64)
/** One in this many registrations gets an answer other than PROCESSING. */
const SETTLED_EVERY = 20
const databaseIndex = process.argv.indexOf('--database')
const usePostgres =
  process.argv.includes('--postgres') ||
  (databaseIndex > 0 && process.argv[databaseIndex + 1] === 'postgres')
const profileDir = process.env.BENCH_CPU_PROFILE

const say = (line = '') => process.stdout.write(`${line}\n`)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

function latencyLine(run: IntakeRun): string {
  const sorted = [...run.latencies].sort((a, b) => a - b)
  return (
    `p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms  ` +
    `max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms  (${run.latencies.length} intakes` +
    `${run.failures > 0 ? `, ${run.failures} refused` : ''})`
  )
}

/** The partners' process and a promise-returning call over its IPC channel. */
function startPartners(): {
  child: ChildProcess
  call: <T>(command: PartnersCommand) => Promise<T>
} {
  const child = fork(fileURLToPath(new URL('./partners.process.ts', import.meta.url)), {
    execArgv: ['--conditions=@mosip-bridge/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 0
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.error !== undefined) waiter?.reject(new Error(message.error))
    else waiter?.resolve(message.result)
  })
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`partners exited (${code})`))
    pending.clear()
  })
  const call = <T>(command: PartnersCommand) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      child.send({ id, command })
    })
  return { child, call }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 900_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function submittedCount(bridge: RunningBridge): Promise<number> {
  const row = await bridge.store.db
    .selectFrom('registrations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('state', '=', 'submitted')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function queueIdle(bridge: RunningBridge): Promise<boolean> {
  const counts = await bridge.queue.counts()
  return counts.queued === 0 && counts.running === 0
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000

const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-reconcile-'))
const partners = startPartners()
const postgres = usePostgres ? await createPostgresDatabase('bench_reconcile') : undefined
let bridge: RunningBridge | undefined
try {
  const port = await freePort()
  const env = await partners.call<Record<string, string>>({
    kind: 'start',
    dir,
    bridgeUrl: `http://127.0.0.1:${port}`
  })
  const loaded = loadConfig({
    ...env,
    ...(postgres
      ? { DATABASE_URL: postgres.url }
      : { SQLITE_DATABASE_PATH: join(dir, 'bridge.db') }),
    NODE_ENV: 'production',
    LOCALE: 'en',
    CLIENT_APP_URL: 'http://localhost:3000',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('hex'),
    JOB_CONCURRENCY: process.env.BENCH_JOB_CONCURRENCY ?? '16',
    JOB_POLL_INTERVAL_MS: '100'
  })
  if (!loaded.ok) throw new Error(formatProblems(loaded.problems))
  const running = await startBridge(loaded.config, createLogger({ level: 'error' }))
  bridge = running
  // Only the measured passes run: the scheduled loop is off.
  await running.reconciler.stop()

  say(
    `bridge on ${postgres ? 'PostgreSQL' : 'SQLite'} in this process; simulators in a child process`
  )
  let started = performance.now()
  const seeded = await partners.call<{ failures: number }>({
    kind: 'seed',
    count: TOTAL,
    concurrency: SEED_CONCURRENCY
  })
  if (seeded.failures > 0) throw new Error(`${seeded.failures} triggers were not taken`)
  await until(
    async () => (await submittedCount(running)) === TOTAL && (await queueIdle(running)),
    'the seeded registrations to be submitted'
  )
  say(
    `seeded:           ${TOTAL} registrations submitted through the pipeline in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s (1 in 5 a death)`
  )
  const settled = await partners.call<Record<string, number>>({
    kind: 'settle-some',
    every: SETTLED_EVERY
  })
  say(
    `MOSIP answers:    PROCESSING but for ${Object.entries(settled)
      .map(([outcome, n]) => `${n} ${outcome}`)
      .join(', ')}`
  )

  // 1. A pass alone.
  await partners.call({ kind: 'clear-requests' })
  const session = profileDir ? new Session() : undefined
  if (session) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  const partnersCpu0 = await partners.call<NodeJS.CpuUsage>({ kind: 'cpu' })
  const cpu0 = process.cpuUsage()
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  started = performance.now()
  const pass = await running.reconciler.runPass({ olderThanMs: 0 })
  const elapsed = performance.now() - started
  const cpu = cpuMs(process.cpuUsage(cpu0))
  loopDelay.disable()
  const partnersCpu1 = await partners.call<NodeJS.CpuUsage>({ kind: 'cpu' })
  if (session) {
    const { profile: cpuProfile } = await session.post('Profiler.stop')
    const file = join(profileDir!, `reconcile-pass-${Date.now()}.cpuprofile`)
    writeFileSync(file, JSON.stringify(cpuProfile))
    session.disconnect()
    say(`CPU profile of the pass: ${file}`)
  }
  const requests = await partners.call<{ status: number; logFull: boolean }>({
    kind: 'status-requests'
  })
  say(
    `pass alone:       ${pass.checked} checked in ${(elapsed / 1000).toFixed(2)} s → ` +
      `${Math.round(pass.checked / (elapsed / 1000))} checks/s; ` +
      `actions ${JSON.stringify(pass.actions)}${pass.postponed ? `, ${pass.postponed} postponed` : ''}`
  )
  say(
    `bridge CPU:       ${(cpu / pass.checked).toFixed(3)} ms per check (${cpu.toFixed(0)} ms in all; ` +
      `simulators ${((cpuMs(partnersCpu1) - cpuMs(partnersCpu0)) / pass.checked).toFixed(3)} ms per check)`
  )
  say(
    `status requests:  ${requests.logFull ? '≥ ' : ''}${requests.status} ` +
      `(ceil(${pass.checked}/100) = ${Math.ceil(pass.checked / 100)})`
  )
  say(
    `event loop delay: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, ` +
      `max ${(loopDelay.max / 1e6).toFixed(1)} ms during the pass`
  )
  await until(() => queueIdle(running), 'the jobs of the pass')

  // 2. Intake alone.
  await partners.call({ kind: 'start-intake', rate: RATE })
  await new Promise((resolve) => setTimeout(resolve, BASELINE_SECONDS * 1000))
  const baseline = await partners.call<IntakeRun>({ kind: 'stop-intake' })
  await until(() => queueIdle(running), 'the jobs of the intake')

  // 3. A pass with intake running.
  await partners.call({ kind: 'start-intake', rate: RATE })
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const waiting = await submittedCount(running)
  const loopDelayDuring = monitorEventLoopDelay({ resolution: 10 })
  loopDelayDuring.enable()
  started = performance.now()
  const during = await running.reconciler.runPass({ olderThanMs: 0 })
  const elapsedDuring = performance.now() - started
  loopDelayDuring.disable()
  const intakeDuringPass = await partners.call<IntakeRun>({ kind: 'stop-intake' })
  say(
    `pass with intake: ${during.checked} of ${waiting} submitted checked in ` +
      `${(elapsedDuring / 1000).toFixed(2)} s → ${Math.round(during.checked / (elapsedDuring / 1000))} checks/s ` +
      `(intake ${RATE}/s running; event loop delay p99 ` +
      `${(loopDelayDuring.percentile(99) / 1e6).toFixed(1)} ms)`
  )
  say(`intake alone:     ${latencyLine(baseline)}`)
  say(`intake in a pass: ${latencyLine(intakeDuringPass)}`)
} finally {
  await bridge?.stop()
  await partners.call({ kind: 'close' }).catch(() => undefined)
  partners.child.disconnect()
  await postgres?.drop()
  rmSync(dir, { recursive: true, force: true })
}
