import { MOSIP_AUTH_COOKIE, MOSIP_WORKFLOW_ERROR_CODES } from '@mosip-bridge/contracts'
import { classifyMosip } from '../../core/mosip-outcome.js'
import type { Outcome } from '../../core/outcome.js'
import {
  buildCreatePacketEnvelope,
  buildWorkflowInstanceEnvelope,
  mosipRequestTime,
  type PacketSettings
} from '../../core/packet-envelope.js'
import type {
  MosipPacketGateway,
  MosipProcess,
  NotificationInfo,
  PacketRequest
} from '../../core/ports.js'
import type { MosipTokenSource } from './auth-token.js'
import { exchange, type ExchangeResult, type PartnerCall } from '../http-exchange.js'

interface MosipPacketClientOptions {
  /** `PUT …/commons/v1/packetmanager/createPacket` (MOSIP_CREATE_PACKET_URL). */
  createPacketUrl: string
  /** `POST …/registrationprocessor/v1/workflowmanager/workflowinstance` (MOSIP_PROCESS_PACKET_URL). */
  processPacketUrl: string
  /** Tokens of the packet client (MOSIP_PACKET_AUTH_CLIENT_*). */
  tokens: MosipTokenSource
  source: string
  schemaVersion: string
  centerId: string
  machineId: string
  /** ID schema JSON text used when a packet request brings none. */
  defaultSchemaJson: string
  /** MOSIP's mandatory languages, primary first (default `eng`). */
  languages?: readonly string[]
  /** Timeout of one call; default 30 s. */
  timeoutMs?: number
  clock?: () => number
}

/**
 * MOSIP packet manager and registration processor over HTTP. Every answer is classified by
 * `classifyMosip`; when MOSIP refuses the token, the token is invalidated and the call made once
 * more with a fresh one (a second refusal is returned as a retry for the job to schedule).
 */
export class MosipPacketClient implements MosipPacketGateway {
  readonly #createPacketUrl: string
  readonly #processPacketUrl: string
  readonly #tokens: MosipTokenSource
  readonly #settings: PacketSettings
  readonly #timeoutMs: number
  readonly #clock: () => number

  constructor(options: MosipPacketClientOptions) {
    this.#createPacketUrl = options.createPacketUrl
    this.#processPacketUrl = options.processPacketUrl
    this.#tokens = options.tokens
    this.#settings = {
      source: options.source,
      schemaVersion: options.schemaVersion,
      centerId: options.centerId,
      machineId: options.machineId,
      defaultSchemaJson: options.defaultSchemaJson,
      languages: options.languages ?? ['eng']
    }
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#clock = options.clock ?? Date.now
  }

  createPacket(request: PacketRequest): Promise<Outcome<{ packetNames: string[] }>> {
    return this.#tokens.withToken(async (token) => {
      const envelope = buildCreatePacketEnvelope(
        request,
        this.#settings,
        mosipRequestTime(this.#clock())
      )
      const answer = await this.#send(this.#createPacketUrl, 'PUT', token, envelope, {
        partner: 'packet_manager',
        operation: 'create_packet'
      })
      return classifyMosip(answer, this.#clock(), interpretPacketInfos)
    })
  }

  startWorkflow(request: {
    registrationId: string
    process: MosipProcess
    notification: NotificationInfo
  }): Promise<Outcome<{ alreadyStarted: boolean; workflowInstanceId?: string }>> {
    return this.#tokens.withToken(async (token) => {
      const envelope = buildWorkflowInstanceEnvelope(
        { ...request, source: this.#settings.source },
        mosipRequestTime(this.#clock())
      )
      const answer = await this.#send(this.#processPacketUrl, 'POST', token, envelope, {
        partner: 'registration_processor',
        operation: 'workflow_instance'
      })
      return classifyMosip(answer, this.#clock(), interpretWorkflowInstance, {
        alreadyDoneCode: MOSIP_WORKFLOW_ERROR_CODES.alreadyPresent,
        alreadyDone: { alreadyStarted: true }
      })
    })
  }

  #send(
    url: string,
    method: 'PUT' | 'POST',
    token: string,
    body: unknown,
    call: PartnerCall
  ): Promise<ExchangeResult> {
    return exchange(url, {
      method,
      headers: { 'Content-Type': 'application/json', Cookie: `${MOSIP_AUTH_COOKIE}=${token}` },
      body: JSON.stringify(body),
      timeoutMs: this.#timeoutMs,
      call
    })
  }
}

/** createPacket succeeded only with a non-empty `PacketInfo[]` (one entry per sub-packet). */
function interpretPacketInfos(response: unknown): { packetNames: string[] } | undefined {
  if (!Array.isArray(response) || response.length === 0) return undefined
  if (!response.every((info) => typeof info === 'object' && info !== null)) return undefined
  const packetNames = response
    .map((info: { packetName?: unknown }) => info.packetName)
    .filter((name): name is string => typeof name === 'string')
  return { packetNames }
}

/** workflowinstance answers `{ workflowInstanceId }`; any response object means it was created. */
function interpretWorkflowInstance(
  response: unknown
): { alreadyStarted: boolean; workflowInstanceId?: string } | undefined {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return undefined
  const id = (response as { workflowInstanceId?: unknown }).workflowInstanceId
  return typeof id === 'string' && id !== ''
    ? { alreadyStarted: false, workflowInstanceId: id }
    : { alreadyStarted: false }
}
