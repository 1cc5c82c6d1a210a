/**
 * What registration processing does after `workflowinstance`:
 * the registration leaves `RESUMABLE`, goes `PROCESSING` through the stages of the CRVS camel
 * route (validation, classification, UIN generation, finalization, credential request), and ends
 *
 * - `PROCESSED`: a UIN and a VID are generated (a death marks an existing identity deceased, an
 *   update reuses the identity), the workflow-completed event is published with `PROCESSED`, and
 *   then credential-service publishes `CREDENTIAL_ISSUED` on `<partnerId>/CREDENTIAL_ISSUED` —
 *   unless the outcome is `uin-no-credential` or credentials are switched off for the process
 *   (`credentialFor`), in which case no credential is ever published;
 * - `REJECTED` (packet validation: the identity breaks the schema's validators or lacks a field
 *   the process requires; a death or an update names no UIN or VID the ID repository holds; or
 *   the outcome was set so) or `FAILED` (the packet is missing or its source/process differs, or
 *   the outcome was `failed` or `resend`): only the workflow-completed event, with
 *   `PACKET_REJECTED` / `PACKET_FAILED`. A `resend` failure is recorded against the packet
 *   upload, which the status APIs report as `RESEND`; other failures are reported as
 *   `REREGISTER`. A validation failure leaves MOSIP's `subStatusCode` and status comment on the
 *   registration.
 *
 * The outcome `processing` keeps a registration `PROCESSING` at its first stage until another
 * outcome applies to it (`setOutcome`, `setProcessOutcome` or `clearOutcome`). Outcomes can be set
 * per registration id, for all (`'*'`) or per process, optionally for the next `times`
 * registrations only.
 *
 * Timing is a configurable delay per stage (default 100 ms, five stages). Events go through an
 * injected `publish(topic, event)`, normally the WebSub hub simulator.
 */
import { randomUUID } from 'node:crypto'
import {
  MOSIP_WORKFLOW_COMPLETED_TOPIC,
  type MosipInternalStatusCode,
  type MosipWorkflowCompletedEvent
} from '@mosip-bridge/contracts'
import type { CredentialIssuer } from './credential-issuer.js'
import { IdentityStore, type MosipIdentity } from './identity-store.js'
import type { PacketManager, StoredPacket } from './packet-manager.js'

/**
 * How a registration ends: a UIN and a credential (`uin`), a UIN without any credential
 * (`uin-no-credential`), a rejection (`rejected`), a failure reported as `REREGISTER` (`failed`)
 * or as `RESEND` (`resend`); or it stays `PROCESSING` until another outcome is set
 * (`processing`).
 */
export const PIPELINE_OUTCOMES = [
  'uin',
  'uin-no-credential',
  'rejected',
  'failed',
  'resend',
  'processing'
] as const
export type PipelineOutcome = (typeof PIPELINE_OUTCOMES)[number]

/** An outcome set for a registration id, `'*'` or a process; `remaining` counts down if set. */
interface OutcomeRule {
  outcome: PipelineOutcome
  remaining?: number
}

/** Hands an event to the hub. Errors and rejected promises are counted, never thrown. */
export type Publish = (topic: string, event: unknown) => void | Promise<void>

export interface PublishedEvent {
  topic: string
  event: unknown
  at: number
}

/** Stages of the CRVS camel route (CMD/operator/supervisor validation and dedupe are skipped). */
export const CRVS_PIPELINE_STAGES = [
  'PacketValidatorStage',
  'PacketClassifierStage',
  'UINGeneratorStage',
  'FinalizationStage',
  'CredentialRequestorStage'
] as const

const TRANSACTION_TYPES: Record<string, string> = {
  PacketValidatorStage: 'VALIDATE_PACKET',
  PacketClassifierStage: 'PACKET_CLASSIFICATION',
  UINGeneratorStage: 'UIN_GENERATOR',
  FinalizationStage: 'FINALIZATION',
  CredentialRequestorStage: 'PRINT_SERVICE'
}

/** One row of the registration table, as the status APIs read it. */
export interface RegistrationRecord {
  registrationId: string
  process: string
  source: string
  workflowInstanceId: string
  iteration: number
  additionalInfoReqId: string | null
  notificationInfo: { name?: string | null; phone?: string | null; email?: string | null } | null
  statusCode: MosipInternalStatusCode
  stage: string
  latestTransactionTypeCode: string
  latestTransactionStatusCode: string
  statusComment: string
  history: Array<{ at: string; statusCode: string; stage: string }>
  createdAt: string
  updatedAt: string
  outcome?: PipelineOutcome
  /** Why packet validation failed (MOSIP's `StatusUtil` code), when it did. */
  subStatusCode?: string
  uin?: string
  vid?: string
  completedAt?: string
  /** The credential request id (`event.transactionId` of CREDENTIAL_ISSUED). */
  credentialRequestId?: string
  credentialIssuedAt?: string
}

export interface ProcessingPipelineOptions {
  packets: PacketManager
  issuer: CredentialIssuer
  /** The ID repository's identities (shared with IDA); a new store when absent. */
  identities?: IdentityStore
  /** Where events go; can be set later with `setPublisher`. */
  publish?: Publish
  /** Time spent in each stage. Default 100 ms. */
  stepDelayMs?: number
  /** Time between workflow completion and credential-service publishing. Default `stepDelayMs`. */
  credentialDelayMs?: number
  /** Outcome per process when no registration-specific one is set. Default `uin` for all. */
  processOutcomes?: Record<string, PipelineOutcome>
  /**
   * Whether credential-service publishes a credential for a process once it is processed
   * (default true for every process), e.g. `{ CRVS_DEATH: false }`.
   */
  credentialFor?: Record<string, boolean>
  /** Default `REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT`. */
  workflowCompletedTopic?: string
}

export class ProcessingPipeline {
  /** Every event handed to `publish`, oldest first. */
  readonly published: PublishedEvent[] = []
  /** Publish calls that threw or rejected. */
  publishFailures = 0
  private publisher: Publish | undefined
  private stepDelayMs: number
  private credentialDelayMs: number | undefined
  private readonly outcomes = new Map<string, OutcomeRule>()
  private readonly processOutcomes = new Map<string, OutcomeRule>()
  private readonly credentialFor = new Map<string, boolean>()
  /** Registrations kept `PROCESSING` by the outcome `processing`. */
  private readonly parked = new Set<RegistrationRecord>()
  /** Why packet validation rejected a registration. */
  private readonly validationFailures = new WeakMap<RegistrationRecord, ValidationFailure>()
  /** Registrations MOSIP has lost (`drop`): their processing goes no further. */
  private readonly dropped = new WeakSet<RegistrationRecord>()
  private readonly workflowCompletedTopic: string
  private readonly packets: PacketManager
  private readonly issuer: CredentialIssuer
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly held: Array<() => void> = []
  private paused = false
  private stopped = false
  /** The identities of the ID repository: those issued here and any seeded. */
  readonly identities: IdentityStore

  constructor(options: ProcessingPipelineOptions) {
    this.packets = options.packets
    this.identities = options.identities ?? new IdentityStore()
    this.issuer = options.issuer
    this.publisher = options.publish
    this.stepDelayMs = options.stepDelayMs ?? 100
    this.credentialDelayMs = options.credentialDelayMs
    this.workflowCompletedTopic = options.workflowCompletedTopic ?? MOSIP_WORKFLOW_COMPLETED_TOPIC
    for (const [process, outcome] of Object.entries(options.processOutcomes ?? {}))
      this.processOutcomes.set(process, { outcome })
    for (const [process, publish] of Object.entries(options.credentialFor ?? {}))
      this.credentialFor.set(process, publish)
  }

  setPublisher(publish: Publish | undefined): void {
    this.publisher = publish
  }

  /**
   * Outcome for one registration id, or for all (`'*'`) that have none of their own; with `times`,
   * only for that many registrations (then the rule is gone).
   */
  setOutcome(registrationId: string, outcome: PipelineOutcome, times?: number): void {
    this.outcomes.set(registrationId, rule(outcome, times))
    this.releaseParked()
  }

  clearOutcome(registrationId: string): void {
    this.outcomes.delete(registrationId)
    this.releaseParked()
  }

  /** Default outcome of a process (`CRVS_NEW`, `CRVS_DEATH`, ...), optionally `times` only. */
  setProcessOutcome(process: string, outcome: PipelineOutcome, times?: number): void {
    this.processOutcomes.set(process, rule(outcome, times))
    this.releaseParked()
  }

  /** Forgets every outcome set for ids, `'*'` and processes: registrations end with `uin`. */
  clearOutcomes(): void {
    this.outcomes.clear()
    this.processOutcomes.clear()
    this.releaseParked()
  }

  /** Whether credential-service publishes a credential for registrations of `process`. */
  setCredentialFor(process: string, publish: boolean): void {
    this.credentialFor.set(process, publish)
  }

  /** Processes whose credentials are switched off or on explicitly. */
  credentialSettings(): Record<string, boolean> {
    return Object.fromEntries(this.credentialFor)
  }

  setStepDelay(ms: number): void {
    this.stepDelayMs = ms
  }

  setCredentialDelay(ms: number): void {
    this.credentialDelayMs = ms
  }

  /** Stops registrations from moving (they keep their status) until `resume`. */
  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    for (const next of this.held.splice(0)) this.schedule(next, 0)
  }

  /** Parked registrations whose outcome is no longer `processing` carry on. */
  private releaseParked(): void {
    for (const record of [...this.parked]) {
      this.parked.delete(record)
      this.schedule(() => this.advance(record, 0), 0)
    }
  }

  /**
   * Processing of this registration stops where it is and never completes: nothing more is
   * published about it (MOSIP lost its workflow).
   */
  drop(record: RegistrationRecord): void {
    this.parked.delete(record)
    this.dropped.add(record)
  }

  /** Cancels all pending work (the simulator is closing). */
  stop(): void {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.held.length = 0
    this.parked.clear()
  }

  /** The identity with this UIN or VID. */
  identity(uinOrVid: string): MosipIdentity | undefined {
    return this.identities.get(uinOrVid)
  }

  listIdentities(): MosipIdentity[] {
    return this.identities.list()
  }

  /** Starts processing a registration that `workflowinstance` has just created. */
  start(record: RegistrationRecord): void {
    this.schedule(() => this.advance(record, 0), this.stepDelayMs)
  }

  private schedule(task: () => void, delayMs: number): void {
    if (this.stopped) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.stopped) return
      if (this.paused) {
        this.held.push(task)
        return
      }
      task()
    }, delayMs)
    timer.unref()
    this.timers.add(timer)
  }

  private resolveOutcome(
    record: RegistrationRecord,
    packet: StoredPacket | undefined
  ): PipelineOutcome {
    if (!packet || packet.process !== record.process || packet.source !== record.source)
      return 'failed'
    const failure = this.validationFailure(record, packet)
    if (failure) {
      this.validationFailures.set(record, failure)
      return 'rejected'
    }
    return (
      take(this.outcomes, record.registrationId) ??
      take(this.outcomes, '*') ??
      take(this.processOutcomes, record.process) ??
      'uin'
    )
  }

  /**
   * The packet validator's checks: ID validation (schema validators, required fields, languages,
   * documents; done by the packet manager, `RPR-PKV-FAL-012` when it fails), and for a death or
   * an update the UIN it changes, which must be in the ID repository (`RPR-PKV-FAL-008`).
   */
  private validationFailure(
    record: RegistrationRecord,
    packet: StoredPacket
  ): ValidationFailure | undefined {
    if (packet.validationIssues.length > 0) {
      return {
        subStatusCode: PACKET_VALIDATION_FAILURES.packetManager.code,
        comment: `${PACKET_VALIDATION_FAILURES.packetManager.message}: ${packet.validationIssues.join('; ')}`
      }
    }
    if (IDENTITY_CHANGING_PROCESSES.has(record.process)) {
      const named = namedIdentityIds(packet.fields)
      if (named.length === 0) {
        const { code, message } = PACKET_VALIDATION_FAILURES.invalidUin
        return { subStatusCode: code, comment: message }
      }
      if (!named.some((id) => this.identities.get(id) !== undefined)) {
        const { code, message } = PACKET_VALIDATION_FAILURES.uinNotFound
        return { subStatusCode: code, comment: message }
      }
    }
    return undefined
  }

  private transition(
    record: RegistrationRecord,
    statusCode: MosipInternalStatusCode,
    stage: string,
    transactionStatus: string,
    comment: string,
    transactionType?: string
  ): void {
    const at = new Date().toISOString()
    record.statusCode = statusCode
    record.stage = stage
    record.latestTransactionTypeCode =
      transactionType ?? TRANSACTION_TYPES[stage] ?? 'INTERNAL_WORKFLOW_ACTION'
    record.latestTransactionStatusCode = transactionStatus
    record.statusComment = comment
    record.updatedAt = at
    record.history.push({ at, statusCode, stage })
  }

  private advance(record: RegistrationRecord, index: number): void {
    const stage = CRVS_PIPELINE_STAGES[index]
    if (stage === undefined || this.dropped.has(record)) return
    const packet = this.packets.get(record.registrationId)
    if (index === 0) record.outcome = this.resolveOutcome(record, packet)
    this.transition(record, 'PROCESSING', stage, 'IN_PROGRESS', `${stage} in progress`)

    if (record.outcome === 'processing') {
      this.parked.add(record)
      return
    }
    if (record.outcome === 'resend' && stage === 'PacketValidatorStage') {
      return this.complete(record, 'FAILED', 'Packet could not be read from the packet store', {
        transactionType: 'UPLOAD_PACKET'
      })
    }

    if (record.outcome === 'rejected' && stage === 'PacketValidatorStage') {
      const failure = this.validationFailures.get(record)
      if (failure) record.subStatusCode = failure.subStatusCode
      return this.complete(record, 'REJECTED', failure?.comment ?? 'Packet rejected')
    }
    if (record.outcome === 'failed' && (stage === 'UINGeneratorStage' || !packet)) {
      return this.complete(record, 'FAILED', packet ? 'UIN generation failed' : 'Packet not found')
    }
    if (stage === 'UINGeneratorStage' && packet) this.assignIdentity(record, packet)
    if (index === CRVS_PIPELINE_STAGES.length - 1) {
      this.complete(record, 'PROCESSED', 'Packet processed')
      if (
        record.outcome === 'uin-no-credential' ||
        this.credentialFor.get(record.process) === false
      )
        return
      record.credentialRequestId = randomUUID()
      this.schedule(() => this.issueCredential(record), this.credentialDelayMs ?? this.stepDelayMs)
      return
    }
    this.schedule(() => this.advance(record, index + 1), this.stepDelayMs)
  }

  /** UIN generation: a new identity for a birth, the existing one for a death or an update. */
  private assignIdentity(record: RegistrationRecord, packet: StoredPacket): void {
    const fields = packet.fields
    if (IDENTITY_CHANGING_PROCESSES.has(record.process)) {
      // Validation found it; it is gone only if a test removed it meanwhile.
      const identity = namedIdentityIds(fields)
        .map((id) => this.identities.get(id))
        .find((found) => found !== undefined)
      if (!identity) return
      if (record.process === 'CRVS_DEATH') identity.deceased = true
      else identity.fields = { ...identity.fields, ...fields }
      identity.registrationIds.push(record.registrationId)
      record.uin = identity.uin
      record.vid = identity.vid
      return
    }
    const identity = this.identities.issue({ ...fields }, record.registrationId)
    record.uin = identity.uin
    record.vid = identity.vid
  }

  private complete(
    record: RegistrationRecord,
    statusCode: 'PROCESSED' | 'REJECTED' | 'FAILED',
    comment: string,
    options: { transactionType?: string } = {}
  ): void {
    this.transition(
      record,
      statusCode,
      record.stage,
      statusCode === 'PROCESSED' ? 'SUCCESS' : statusCode,
      comment,
      options.transactionType
    )
    record.completedAt = record.updatedAt
    const event = {
      instanceId: record.registrationId,
      resultCode: statusCode,
      workflowType: record.process,
      errorCode:
        statusCode === 'REJECTED'
          ? 'PACKET_REJECTED'
          : statusCode === 'FAILED'
            ? 'PACKET_FAILED'
            : null
    } satisfies MosipWorkflowCompletedEvent
    this.emit(this.workflowCompletedTopic, event)
  }

  private issueCredential(record: RegistrationRecord): void {
    if (this.dropped.has(record)) return
    const packet = this.packets.get(record.registrationId)
    const identity = record.uin === undefined ? undefined : this.identity(record.uin)
    const issued = this.issuer.issue({
      registrationId: record.registrationId,
      requestId: record.credentialRequestId ?? randomUUID(),
      process: record.process,
      // credential-service reads the identity from the ID repository: after an update that is
      // the merged identity, not just the update packet's fields.
      fields: identity?.fields ?? packet?.fields ?? {},
      metaInfo: packet?.metaInfo ?? {},
      uin: record.uin,
      vid: record.vid
    })
    record.credentialIssuedAt = new Date().toISOString()
    this.emit(issued.topic, issued.event)
  }

  private emit(topic: string, event: unknown): void {
    this.published.push({ topic, event, at: Date.now() })
    const publish = this.publisher
    if (!publish) return
    try {
      const result = publish(topic, event)
      if (result && typeof (result as Promise<void>).catch === 'function') {
        ;(result as Promise<void>).catch(() => {
          this.publishFailures++
        })
      }
    } catch {
      this.publishFailures++
    }
  }
}

/**
 * Processes that change an existing identity rather than create one: a death marks it deceased,
 * an update merges its fields. MOSIP treats them as updates of the UIN the packet names.
 */
const IDENTITY_CHANGING_PROCESSES: ReadonlySet<string> = new Set([
  'CRVS_DEATH',
  'CRVS_UPDATE',
  'UPDATE'
])

/** The fields a death or update packet may name its identity in (UIN first, then VIDs). */
function namedIdentityIds(fields: Record<string, string>): string[] {
  return [fields.UIN, fields.VID, fields.vid, fields.nationalIdNumber].filter(
    (value): value is string => typeof value === 'string' && value.trim().length > 0
  )
}

/** Registration processor's packet validation failures (`StatusUtil`, `PlatformErrorMessages`). */
export const PACKET_VALIDATION_FAILURES = {
  packetManager: { code: 'RPR-PKV-FAL-012', message: 'Packet validation failed in packet manager' },
  uinNotFound: { code: 'RPR-PKV-FAL-008', message: 'UIN is Not Found in ID Repository' },
  invalidUin: { code: 'RPR-PVM-012', message: 'Invalid UIN' }
} as const

interface ValidationFailure {
  subStatusCode: string
  comment: string
}

function rule(outcome: PipelineOutcome, times: number | undefined): OutcomeRule {
  return times === undefined ? { outcome } : { outcome, remaining: times }
}

/** The outcome of a rule, counting one use down (and dropping the rule when none is left). */
function take(rules: Map<string, OutcomeRule>, key: string): PipelineOutcome | undefined {
  const found = rules.get(key)
  if (!found) return undefined
  if (found.remaining !== undefined) {
    found.remaining -= 1
    if (found.remaining <= 0) rules.delete(key)
  }
  return found.outcome
}
