/**
 * The bridge's partners for `reconcile.bench.ts`, in a process of their own so that their CPU is
 * not counted as the bridge's: the simulated MOSIP, E-Signet and OpenCRVS and the country
 * configuration stub. Driven over the IPC channel of `child_process.fork`: each request
 * `{ id, command }` gets one answer `{ id, result }` or `{ id, error }`.
 */
import { SAMPLE_IDENTITIES, startSimulators, type SimulatorSuite } from '@mosip-bridge/simulators'
import { startCountryConfigStub, type CountryConfigStub } from '../src/country-config-stub.js'

export type PartnersCommand =
  | { kind: 'start'; dir: string; bridgeUrl: string }
  /** Registers `count` events in OpenCRVS, `concurrency` triggers in flight; MOSIP keeps them PROCESSING. */
  | { kind: 'seed'; count: number; concurrency: number }
  /** MOSIP ends every `every`-th registration it holds (hub paused: the bridge hears only by asking). */
  | { kind: 'settle-some'; every: number }
  /** Steady intake: one registration every 1000/rate ms until `stop-intake`. */
  | { kind: 'start-intake'; rate: number }
  | { kind: 'stop-intake' }
  | { kind: 'clear-requests' }
  | { kind: 'status-requests' }
  | { kind: 'cpu' }
  | { kind: 'close' }

export interface IntakeRun {
  sent: number
  /** Latencies (ms) of the bridge's intake calls answered while the run lasted. */
  latencies: number[]
  failures: number
}

let suite: SimulatorSuite | undefined
let stub: CountryConfigStub | undefined
let serial = 0

function world(): { suite: SimulatorSuite; stub: CountryConfigStub } {
  if (!suite || !stub) throw new Error('the partners are not started')
  return { suite, stub }
}

/** One birth (four in five) or death registered in OpenCRVS; resolves once its trigger is answered. */
async function registerOne(): Promise<boolean> {
  const { suite } = world()
  const n = ++serial
  const type = n % 5 === 0 ? 'death' : 'birth'
  const event = suite.opencrvs.createEvent({
    type,
    declaration:
      type === 'birth'
        ? {
            'child.name': { firstname: 'Bench', surname: `Child${n}` },
            'child.dob': '2026-01-01'
          }
        : {
            // MOSIP rejects a death naming no UIN it holds: one of the sample identities.
            'deceased.name': { firstname: 'Bench', surname: `Person${n}` },
            'deceased.idType': 'NATIONAL_ID',
            'deceased.nid': SAMPLE_IDENTITIES[1].uin
          }
  })
  const trigger = await suite.opencrvs.register(event.id)
  return trigger.outcome === 'pending'
}

async function seed(count: number, concurrency: number): Promise<{ failures: number }> {
  let next = 0
  let failures = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++
        if (!(await registerOne())) failures++
      }
    })
  )
  return { failures }
}

/** MOSIP's internal statuses still being worked on. */
const UNFINISHED = new Set(['RESUMABLE', 'PROCESSING', 'PAUSED', 'REPROCESS'])
const SETTLED_OUTCOMES = ['uin-no-credential', 'rejected', 'resend'] as const

async function settleSome(every: number): Promise<Record<string, number>> {
  const { suite } = world()
  const { core, hub } = suite.mosip
  // The workflow-completed events stay in the hub: the bridge learns of them by reconciliation.
  hub.pausePolling()
  const chosen = core.registrations.list().filter((_, i) => i % every === every - 1)
  const counts: Record<string, number> = {}
  chosen.forEach((record, i) => {
    const outcome = SETTLED_OUTCOMES[i % SETTLED_OUTCOMES.length]!
    core.pipeline.setOutcome(record.registrationId, outcome)
    counts[outcome] = (counts[outcome] ?? 0) + 1
  })
  const deadline = Date.now() + 60_000
  while (
    chosen.some((record) =>
      UNFINISHED.has(core.registrations.get(record.registrationId)!.statusCode)
    )
  ) {
    if (Date.now() > deadline) throw new Error('MOSIP did not finish the chosen registrations')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return counts
}

interface IntakeState {
  timer: NodeJS.Timeout
  sent: number
  failures: number
  /** Index of the run's first latency in the stub's list. */
  from: number
}
let intake: IntakeState | undefined

function startIntake(rate: number): void {
  const { stub } = world()
  if (intake) throw new Error('intake is already running')
  const run: IntakeState = {
    timer: setInterval(() => {
      run.sent++
      registerOne()
        .then((accepted) => {
          if (!accepted) run.failures++
        })
        .catch(() => {
          run.failures++
        })
    }, 1000 / rate),
    sent: 0,
    failures: 0,
    from: stub.intakeLatencies.length
  }
  intake = run
}

async function stopIntake(): Promise<IntakeRun> {
  const { stub } = world()
  if (!intake) throw new Error('intake is not running')
  clearInterval(intake.timer)
  const run = intake
  intake = undefined
  // The calls in flight are part of the run: wait for their answers.
  const deadline = Date.now() + 30_000
  while (stub.intakeLatencies.length - run.from < run.sent && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    sent: run.sent,
    latencies: stub.intakeLatencies.slice(run.from),
    failures: run.failures
  }
}

async function handle(command: PartnersCommand): Promise<unknown> {
  switch (command.kind) {
    case 'start': {
      stub = await startCountryConfigStub({ bridgeUrl: command.bridgeUrl })
      suite = await startSimulators({
        dir: command.dir,
        bridgeUrl: command.bridgeUrl,
        countryConfigUrl: stub.url,
        stepDelayMs: 0
      })
      // Every registration stays PROCESSING in MOSIP unless told otherwise.
      suite.mosip.core.pipeline.setOutcome('*', 'processing')
      return suite.env
    }
    case 'seed':
      return seed(command.count, command.concurrency)
    case 'settle-some':
      return settleSome(command.every)
    case 'start-intake':
      startIntake(command.rate)
      return null
    case 'stop-intake':
      return stopIntake()
    case 'clear-requests':
      world().suite.mosip.sim.clearRequests()
      return null
    case 'status-requests': {
      const requests = world().suite.mosip.sim.requests()
      return {
        status: requests.filter((r) => r.url.includes('/registrationstatus/externalstatus/search'))
          .length,
        // The log keeps the last 2,000 requests: a full log may have dropped some.
        logFull: requests.length >= 2000
      }
    }
    case 'cpu':
      return process.cpuUsage()
    case 'close':
      if (intake) clearInterval(intake.timer)
      await stub?.close()
      await suite?.close()
      return null
  }
}

process.on('message', (message: { id: number; command: PartnersCommand }) => {
  handle(message.command).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        error: error instanceof Error ? error.message : String(error)
      })
  )
})
process.on('disconnect', () => process.exit(0))
