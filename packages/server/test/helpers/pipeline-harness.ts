/**
 * The pipeline's jobs wired as `buildJobHandlers` wires them, on a real database and job
 * queue, against in-process partner fakes: tests drive registrations through the same steps as
 * the bridge, stop a runner at an exact step, and start fresh runners.
 */
import pino from 'pino'
import { JobQueue } from '../../src/queue/job-queue.js'
import { JobRunner, type TaskHandlers } from '../../src/queue/job-runner.js'
import { RegistrationsRepository } from '../../src/store/registrations.repository.js'
import { SecretBox } from '../../src/store/secret-box.js'
import { WebsubInboxRepository } from '../../src/store/websub-inbox.repository.js'
import type { Dialect } from '../../src/store/database.js'
import { ok, permanent, retry } from '../../src/core/outcome.js'
import type { StoredPacketInput } from '../../src/core/intake-plan.js'
import type {
  CredentialDecryptor,
  MosipIdentityGateway,
  MosipStatusGateway
} from '../../src/core/ports.js'
import { deactivateUinJob } from '../../src/pipeline/deactivate-uin.job.js'
import { Reconciler } from '../../src/pipeline/reconciliation.service.js'
import { workflowEventJob } from '../../src/pipeline/workflow-event.job.js'
import { ReconciliationRepository } from '../../src/store/reconciliation.repository.js'
import { confirmRegistrationJob } from '../../src/pipeline/confirm-registration.job.js'
import { processCredentialJob } from '../../src/pipeline/process-credential.job.js'
import { rejectRegistrationJob } from '../../src/pipeline/reject-registration.job.js'
import { submitPacketJob } from '../../src/pipeline/submit-packet.job.js'
import { WebsubIntakeService } from '../../src/pipeline/websub-intake.service.js'
import { TASKS, jobKeys, taskPayloads, type Tasks } from '../../src/pipeline/tasks.js'
import { TEST_KEY, createMigratedStore, type MigratedStore } from './databases.js'
import { FakeOpencrvsEvents, ScriptedMosip, fixedToken } from './pipeline-fakes.js'
import { registrationIds } from '../../src/pipeline/registration-ids.js'

/** mosip-api's ids: the prefix and 10 random digits. */
const referenceIds = (prefix: string) =>
  registrationIds({ format: 'reference', transactionIdPrefix: prefix, centerId: '', machineId: '' })

export const NATIONAL_ID_FIELD = 'child.nid'
export const UIN = '5550001112'
/** The deceased's UIN in the death packets `register` builds. */
export const DECEASED_UIN = '5550009998'
const HOUR_MS = 60 * 60 * 1000

/** Decrypts "vc:<registration id>" to a credential of that registration with a UIN. */
const decryptor: CredentialDecryptor = {
  async decrypt(text) {
    if (!text.startsWith('vc:')) return permanent('CREDENTIAL_MALFORMED', 'not a test credential')
    return ok({ subjectRegistrationId: text.slice(3), subject: { UIN } })
  }
}

/** No ID repository unless a test gives one: a deactivation waits for MOSIP. */
const absentIdRepository: MosipIdentityGateway = {
  deactivate: () =>
    Promise.resolve(retry('IDREPO_NOT_SCRIPTED', 'no ID repository in this harness'))
}

/** No status answers unless a test gives its own gateway: only events reach the reconciler. */
const silentStatus: MosipStatusGateway = {
  statusOf: () => Promise.resolve(retry('STATUS_NOT_SCRIPTED', 'no status in this harness'))
}

const PROCESS_OF = { birth: 'CRVS_NEW', death: 'CRVS_DEATH', update: 'CRVS_UPDATE' } as const

const packet: StoredPacketInput = {
  process: 'CRVS_NEW',
  fields: {},
  metaInfo: {},
  audits: [{}],
  notification: { name: 'n', phone: 'p', email: 'e' }
}

export interface PipelineHarness {
  ctx: MigratedStore
  registrations: RegistrationsRepository
  inbox: WebsubInboxRepository
  mosip: ScriptedMosip
  opencrvs: FakeOpencrvsEvents
  queue: JobQueue<Tasks>
  handlers: TaskHandlers<Tasks>
  /** The reconciler the workflow-completed events go to (its scheduled checks are not started). */
  reconciler: Reconciler
  /** A fresh runner (a new instance of the bridge) over the same database, started. */
  startRunner(options?: { maxAttempts?: number; backoffMs?: number; leaseMs?: number }): {
    runner: JobRunner<Tasks>
    queue: JobQueue<Tasks>
  }
  /** Accepts a registration as intake does: the row and its submit-packet job. */
  register(
    id: string,
    kind: 'birth' | 'death' | 'update',
    options?: { tokenExpiresAt?: number }
  ): Promise<{ eventId: string; actionId: string }>
  /** A CREDENTIAL_ISSUED delivery for `registrationId`, taken in as the WebSub route does. */
  deliverCredential(mosipEventId: string, registrationId: string): Promise<void>
  /** A workflow-completed event, taken in as the WebSub route does. */
  deliverWorkflowEvent(
    instanceId: string,
    resultCode: string,
    workflowType?: string
  ): Promise<{ eventId: string; duplicate: boolean }>
  drop(): Promise<void>
}

export async function createPipelineHarness(
  dialect: Dialect,
  options: {
    mosip?: ScriptedMosip
    actsWithStoredToken?: boolean
    status?: MosipStatusGateway
    reconcileAfterMs?: number
    /** MOSIP_DEACTIVATE_UIN_ON_DEATH on, with this ID repository. */
    deactivateWith?: MosipIdentityGateway
    /** Where the jobs and runners log; default silent. */
    logger?: pino.Logger
  } = {}
): Promise<PipelineHarness> {
  const ctx = await createMigratedStore(dialect)
  const box = new SecretBox(TEST_KEY)
  const registrations = new RegistrationsRepository(ctx.store.db, box)
  const inbox = new WebsubInboxRepository(ctx.store.db, box)
  const mosip = options.mosip ?? new ScriptedMosip()
  const opencrvs = new FakeOpencrvsEvents()
  const logger = options.logger ?? pino({ level: 'silent' })
  const queueOf = (maxAttempts: number, backoffMs: number) =>
    new JobQueue<Tasks>(ctx.store, { maxAttempts, backoff: { baseMs: 1, maxMs: backoffMs } })
  const queue = queueOf(2, 5)
  const reconciler = new Reconciler({
    store: ctx.store,
    registrations,
    reconciliation: new ReconciliationRepository(ctx.store),
    queue,
    status: options.status ?? silentStatus,
    settings: {
      afterMs: 1_800_000,
      intervalMs: 300_000,
      maxIntervalMs: 6 * HOUR_MS,
      resubmitLimit: 3
    },
    rejectOnFailure: true,
    registrationIds: referenceIds('10001'),
    logger
  })
  const opencrvsDeps = {
    store: ctx.store,
    registrations,
    tokens: fixedToken,
    events: opencrvs,
    logger,
    ...(options.deactivateWith ? { uinDeactivation: { queue } } : {})
  }
  const handlers: TaskHandlers<Tasks> = {
    [TASKS.submitPacket]: submitPacketJob({
      store: ctx.store,
      registrations,
      inbox,
      queue,
      mosip,
      rejectOnFailure: true,
      reconcileAfterMs: options.reconcileAfterMs ?? 1_800_000,
      actsWithStoredToken: options.actsWithStoredToken ?? true,
      logger
    }),
    [TASKS.processCredential]: processCredentialJob({
      store: ctx.store,
      inbox,
      registrations,
      queue,
      decryptor,
      nationalIdKey: 'UIN'
    }),
    [TASKS.confirmRegistration]: confirmRegistrationJob({
      ...opencrvsDeps,
      nationalIdFieldId: NATIONAL_ID_FIELD
    }),
    [TASKS.rejectRegistration]: rejectRegistrationJob(opencrvsDeps),
    [TASKS.applyWorkflowEvent]: workflowEventJob({
      store: ctx.store,
      inbox,
      registrations,
      reconciler
    }),
    [TASKS.deactivateUin]: deactivateUinJob({
      store: ctx.store,
      registrations,
      identities: options.deactivateWith ?? absentIdRepository
    })
  }
  const runners: Array<JobRunner<Tasks>> = []
  const intake = new WebsubIntakeService({ store: ctx.store, inbox, queue })

  return {
    ctx,
    registrations,
    inbox,
    mosip,
    opencrvs,
    queue,
    handlers,
    reconciler,
    startRunner({ maxAttempts = 2, backoffMs = 5, leaseMs = 5_000 } = {}) {
      const own = queueOf(maxAttempts, backoffMs)
      const runner = new JobRunner<Tasks>({
        queue: own,
        handlers,
        payloads: taskPayloads,
        logger,
        concurrency: 4,
        leaseMs,
        pollIntervalMs: 10
      })
      runner.start()
      runners.push(runner)
      return { runner, queue: own }
    },
    async register(id, kind, { tokenExpiresAt = Date.now() + 7 * 24 * HOUR_MS } = {}) {
      const eventId = `event-${id}`
      const actionId = opencrvs.addEvent(eventId, kind)
      await ctx.store.transaction(async (trx) => {
        await registrations.createOrFind(trx, {
          id,
          kind,
          opencrvsEventId: eventId,
          opencrvsActionId: actionId,
          registrationNumber: `RN${id}`,
          idempotencyKey: `key-${id}`,
          token: 'token',
          tokenExpiresAt,
          payload: {
            ...packet,
            process: PROCESS_OF[kind],
            fields: kind === 'death' ? { UIN: DECEASED_UIN } : {}
          }
        })
        await queue.enqueue(
          trx,
          TASKS.submitPacket,
          { v: 1, registrationId: id },
          { jobKey: jobKeys.submitPacket(id) }
        )
      })
      queue.notify()
      return { eventId, actionId }
    },
    async deliverCredential(mosipEventId, registrationId) {
      const body = {
        publisher: 'CREDENTIAL_SERVICE',
        topic: 'CRVS/CREDENTIAL_ISSUED',
        publishedOn: new Date().toISOString(),
        event: { id: mosipEventId, data: { credential: `vc:${registrationId}`, registrationId } }
      }
      await intake.receive(Buffer.from(JSON.stringify(body)), body)
    },
    async deliverWorkflowEvent(instanceId, resultCode, workflowType = 'CRVS_NEW') {
      const errorCode =
        resultCode === 'REJECTED'
          ? 'PACKET_REJECTED'
          : resultCode === 'FAILED'
            ? 'PACKET_FAILED'
            : null
      const body = { instanceId, resultCode, workflowType, errorCode }
      const receipt = await intake.receive(Buffer.from(JSON.stringify(body)), body)
      return { eventId: receipt.eventId, duplicate: receipt.duplicate }
    },
    async drop() {
      await Promise.all(runners.map((runner) => runner.stop(1_000)))
      await ctx.drop()
    }
  }
}
