/**
 * End-to-end throughput: registrations per second from the OpenCRVS trigger to the accepted
 * action with the national id written back, the bridge's intake latency and its peak memory.
 * The bridge runs in its own process (SQLite by default, PostgreSQL with --postgres); the
 * simulators, the country configuration and this driver share the other.
 * With --instances N, N bridge processes share one PostgreSQL database (--postgres is implied):
 * triggers go to them in turn, the WebSub hub delivers to the first, and every instance runs jobs
 * from the shared queue. CPU and peak memory are then given for each bridge process and summed.
 * With --backlog N, the database first holds N registrations waiting for MOSIP (see backlog.ts),
 * and the bridge's memory is shown at the start and the end of the run as well as at its peak.
 * With --sql-trace <file> (SQLite), the bridge records its statements there for sql-replay.ts.
 *   npm run bench [-- --registrations N --concurrency C --postgres --instances N --backlog N]
 */
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SAMPLE_IDENTITIES, startSimulators } from '@mosip-bridge/simulators'
import { freePort, startBridgeProcess } from '../src/bridge-process.js'
import { startCountryConfigStub } from '../src/country-config-stub.js'
import { createPostgresDatabase } from '@mosip-bridge/test-support'
import { seedBacklog } from './backlog.js'

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index > 0 ? Number(process.argv[index + 1]) : fallback
}
const TOTAL = argument('registrations', 1000)
const CONCURRENCY = argument('concurrency', 64)
const WARMUP = 20
const INSTANCES = argument('instances', 1)
const BACKLOG = argument('backlog', 0)
const DATA_KEY = Buffer.alloc(32, 3).toString('hex')
const usePostgres = process.argv.includes('--postgres') || INSTANCES > 1
/** Where the bridge records its SQLite statements for `sql-replay.ts` (`--sql-trace <file>`). */
const sqlTraceIndex = process.argv.indexOf('--sql-trace')
const SQL_TRACE = sqlTraceIndex > 0 ? resolve(process.argv[sqlTraceIndex + 1] ?? '') : undefined

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/**
 * CPU time (user + system) the process has used so far, in ms, from /proc/<pid>/stat (fields 14
 * and 15, in clock ticks of 1/100 s on Linux); undefined where /proc is not available.
 */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** A memory figure of /proc/<pid>/status in MB: VmHWM (peak resident) or VmRSS (resident now). */
function memoryMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]
    return kb ? Math.round(Number(kb) / 1024) : undefined
  } catch {
    return undefined
  }
}
const peakRssMb = (pid: number | undefined) => memoryMb(pid, 'VmHWM')

/**
 * CPU time used so far by the PostgreSQL server's processes on this machine, in ms, by pid (the
 * server forks one process per connection; all of them serve this bench while it runs).
 */
function postgresCpuMs(): Map<number, number> {
  const byPid = new Map<number, number>()
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return byPid
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue
    } catch {
      continue
    }
    const used = cpuMs(Number(pid))
    if (used !== undefined) byPid.set(Number(pid), used)
  }
  return byPid
}

/** CPU the PostgreSQL server used between two readings (a process that started since counts whole). */
function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0
  for (const [pid, used] of after) total += used - (before.get(pid) ?? 0)
  return total
}

const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-'))
const ports: number[] = []
for (let i = 0; i < INSTANCES; i++) ports.push(await freePort())
const [bridgeUrl, ...moreBridgeUrls] = ports.map((port) => `http://127.0.0.1:${port}`)
const stub = await startCountryConfigStub({ bridgeUrl: bridgeUrl!, moreBridgeUrls })
const suite = await startSimulators({ dir, bridgeUrl, countryConfigUrl: stub.url, stepDelayMs: 0 })
const postgres = usePostgres ? await createPostgresDatabase() : undefined
const database = postgres
  ? { kind: 'postgres' as const, url: postgres.url }
  : { kind: 'sqlite' as const, sqlitePath: join(dir, 'bridge.db') }
const seeded = BACKLOG > 0 ? await seedBacklog(database, DATA_KEY, BACKLOG) : undefined
const startBridge = (port: number) =>
  startBridgeProcess({
    port,
    env: {
      ...suite.env,
      ...(postgres
        ? { DATABASE_URL: postgres.url }
        : { SQLITE_DATABASE_PATH: join(dir, 'bridge.db') }),
      NODE_ENV: 'production',
      LOCALE: 'en',
      CLIENT_APP_URL: 'http://localhost:3000',
      LOG_LEVEL: 'warn',
      DATA_ENCRYPTION_KEY: DATA_KEY,
      JOB_CONCURRENCY: process.env.BENCH_JOB_CONCURRENCY ?? '16',
      JOB_POLL_INTERVAL_MS: '100',
      ...(SQL_TRACE ? { BENCH_SQL_TRACE_FILE: SQL_TRACE } : {})
    },
    nodeArgs: [
      // e.g. BENCH_BRIDGE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profile" to profile the bridge
      ...(process.env.BENCH_BRIDGE_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ...(SQL_TRACE ? ['--import', fileURLToPath(new URL('./sql-trace.mjs', import.meta.url))] : [])
    ]
  })
// One after the other: the first runs the migrations.
const bridges: Awaited<ReturnType<typeof startBridge>>[] = []
for (const port of ports) bridges.push(await startBridge(port))
const pids = bridges.map((bridge) => bridge.child.pid)

function sum(values: Array<number | undefined>): number | undefined {
  return values.some((value) => value === undefined)
    ? undefined
    : values.reduce<number>((total, value) => total + value!, 0)
}

async function untilSubscribed() {
  while (!suite.mosip.hub.subscriptions().some((s) => s.state === 'active')) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function run(count: number, concurrency: number): Promise<number> {
  let next = 0
  const confirmations: Array<Promise<unknown>> = []
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++
        const type = next % 5 === 0 ? 'death' : 'birth'
        const event = suite.opencrvs.createEvent({
          type,
          declaration:
            type === 'birth'
              ? {
                  'child.name': { firstname: 'Bench', surname: `Child${next}` },
                  'child.dob': '2026-01-01'
                }
              : {
                  // MOSIP rejects a death naming no UIN it holds: one of the sample identities.
                  'deceased.name': { firstname: 'Bench', surname: `Person${next}` },
                  'deceased.idType': 'NATIONAL_ID',
                  'deceased.nid': SAMPLE_IDENTITIES[1].uin
                }
        })
        const trigger = await suite.opencrvs.register(event.id)
        if (trigger.outcome !== 'pending') throw new Error(`trigger ${trigger.outcome}`)
        confirmations.push(
          suite.opencrvs.waitForConfirmation(event.id, trigger.actionId, 'Accepted', {
            timeoutMs: 600_000
          })
        )
      }
    })
  )
  await Promise.all(confirmations)
  return performance.now() - started
}

try {
  await untilSubscribed()
  await run(WARMUP, 8)
  stub.intakeLatencies.length = 0
  const rssBefore = pids.map((pid) => memoryMb(pid, 'VmRSS'))
  const cpuBefore = pids.map(cpuMs)
  const ownCpuBefore = process.cpuUsage()
  const postgresBefore = postgres ? postgresCpuMs() : undefined
  const elapsed = await run(TOTAL, CONCURRENCY)
  const cpuAfter = pids.map(cpuMs)
  const ownCpu = process.cpuUsage(ownCpuBefore)
  const postgresCpu = postgresBefore ? postgresCpuBetween(postgresBefore, postgresCpuMs()) : 0
  const rssAfter = pids.map((pid) => memoryMb(pid, 'VmRSS'))
  const latencies = [...stub.intakeLatencies].sort((a, b) => a - b)
  const peaks = pids.map(peakRssMb)
  const cpuPerRegistration = pids.map((_, i) => {
    const before = cpuBefore[i]
    const after = cpuAfter[i]
    return before !== undefined && after !== undefined ? (after - before) / TOTAL : undefined
  })
  const each = (values: Array<number | undefined>, digits: number) =>
    INSTANCES === 1 ? '' : ` (${values.map((value) => value?.toFixed(digits) ?? '?').join(' + ')})`
  const totalCpu = sum(cpuPerRegistration)
  const totalPeak = sum(peaks)
  const perSecond = TOTAL / (elapsed / 1000)
  // What the rest of the machine spends on each registration: the simulated MOSIP and OpenCRVS,
  // the country configuration and this driver share this process; PostgreSQL runs here too.
  const simulatorsCpu = (ownCpu.user + ownCpu.system) / 1000 / TOTAL
  const databaseCpu = postgresCpu / TOTAL
  const machineCpu = (totalCpu ?? 0) + simulatorsCpu + databaseCpu
  const cores = availableParallelism()
  process.stdout.write(
    [
      `${INSTANCES === 1 ? 'bridge' : `${INSTANCES} bridges`} on ${postgres ? 'PostgreSQL' : 'SQLite'}, ${TOTAL} registrations (1 in 5 a death), ${CONCURRENCY} triggers in flight`,
      `end to end:       ${perSecond.toFixed(0)} registrations/s (${(elapsed / 1000).toFixed(1)} s, trigger → accepted with national id)`,
      `intake latency:   p50 ${percentile(latencies, 50).toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms`,
      `bridge CPU:       ${totalCpu?.toFixed(2) ?? '?'} ms per registration${each(cpuPerRegistration, 2)} (user + system, after warm-up)`,
      `bridge peak RSS:  ${totalPeak ?? '?'} MB${each(peaks, 0)}`,
      `rest of machine:  simulators and driver ${simulatorsCpu.toFixed(2)} ms${postgres ? `, PostgreSQL server ${databaseCpu.toFixed(2)} ms` : ''} of CPU per registration`,
      `CPU budget:       ${machineCpu.toFixed(1)} ms per registration in all; ${cores} cores allow at most ${((cores * 1000) / machineCpu).toFixed(0)} registrations/s here`,
      ...(seeded
        ? [
            `backlog:          ${BACKLOG} registrations waiting for MOSIP (seeded in ${seeded.seconds.toFixed(0)} s); bridge RSS ${sum(rssBefore) ?? '?'} MB at the start of the run, ${sum(rssAfter) ?? '?'} MB at its end`
          ]
        : []),
      ''
    ].join('\n')
  )
} finally {
  for (const bridge of bridges) await bridge.stop()
  await stub.close()
  await suite.close()
  await postgres?.drop()
  rmSync(dir, { recursive: true, force: true })
}
