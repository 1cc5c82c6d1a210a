import type { Generated, Selectable, Updateable } from 'kysely'

/**
 * Table types of the bridge's store. Timestamps are epoch milliseconds in every dialect
 * (SQLite has no date type; PostgreSQL stores them as BIGINT), so comparisons and
 * arithmetic look the same on both.
 */
export interface RegistrationsTable {
  /** Our transaction id, also the MOSIP registration id: prefix + 10 random digits. */
  id: string
  kind: 'birth' | 'death' | 'update'
  /** From the intake token's eventId claim; null for updates sent without one. */
  opencrvs_event_id: string | null
  opencrvs_action_id: string | null
  tracking_id: string | null
  registration_number: string | null
  state: string
  attempts: number
  last_error: string | null
  /** Unique: the same record sent twice maps to one row. */
  idempotency_key: string
  /** AES-256-GCM sealed OpenCRVS token; wiped once no longer needed. */
  token_sealed: string | null
  token_expires_at: number | null
  /** AES-256-GCM sealed request payload (personal data); wiped once the packet is built. */
  payload_sealed: string | null
  /** Sealed national id (UIN) from the credential, kept until written to OpenCRVS. */
  national_id_sealed: string | null
  /** MOSIP event id of the credential delivery that completed this registration. */
  credential_event_id: string | null
  created_at: number
  updated_at: number
  /** MOSIP registration id in use when not `id` (a resubmission MOSIP asked for takes a new one). */
  mosip_id: string | null
  /** MOSIP's last answer about the registration (external status, or RPR-RGS-031 when unknown). */
  mosip_status: string | null
  mosip_checked_at: number | null
  /** Checks in a row, after the first, that brought the same answer; spaces the next ones out. */
  mosip_unchanged_checks: Generated<number>
  /** When reconciliation asks MOSIP next about a `submitted` registration. */
  reconcile_at: number | null
  /** Resubmissions MOSIP's answers caused. */
  resubmissions: Generated<number>
  /** When the packet (last) reached MOSIP. */
  submitted_at: number | null
}

/** Every MOSIP registration id a registration took besides its own id. */
export interface RegistrationMosipIdsTable {
  mosip_id: string
  registration_id: string
  cause: string
  created_at: number
}

export interface RegistrationHistoryTable {
  id: Generated<number>
  registration_id: string
  from_state: string | null
  to_state: string
  /** Stable reason code, never personal data. */
  reason: string | null
  at: number
}

export interface WebsubInboxTable {
  /** MOSIP event id: deliveries are at least once, so this key deduplicates them. */
  event_id: string
  topic: string
  state: string
  /** The registration the credential belongs to, once matched. */
  registration_id: string | null
  /** Why the delivery could not be used (unmatched, undecryptable…), if so. */
  note: string | null
  /** Sealed raw delivery body; wiped once processed. */
  body_sealed: string | null
  received_at: number
  processed_at: number | null
}

export type JobState = 'queued' | 'running' | 'done' | 'dead'

export interface JobsTable {
  id: Generated<number>
  task: string
  /** JSON text: ids and a version only, never secrets or personal data. */
  payload: string
  job_key: string | null
  state: JobState
  attempts: number
  max_attempts: number
  /** Times the job asked to run again later without counting an attempt; grows its backoff. */
  snoozes: Generated<number>
  run_at: number
  locked_by: string | null
  locked_until: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

/** An operator's action, as the audit trail keeps it (ids and codes only). */
export interface OperatorActionsTable {
  id: Generated<number>
  at: number
  /** Who: the OpenCRVS token's subject, or the operating-system user of a CLI command. */
  actor: string
  /** `cli`, `debug-route`. */
  channel: string
  action: string
  target: string | null
  /** What came of it: `done`, or why nothing was done. */
  outcome: string
}

/**
 * A subscription change an operator asked the WebSub hub for, waiting for (or past) the hub's
 * intent verification at the callback.
 */
export interface WebsubIntentsTable {
  id: Generated<number>
  mode: 'subscribe' | 'unsubscribe'
  topic: string
  /** Which callback of the bridge the request names (see `WebsubCallback`). */
  callback: 'main' | 'relay'
  /** Who asked and through what, e.g. `cli:operator`. */
  requested_by: string
  requested_at: number
  /** After this the callback no longer confirms the intent. */
  expires_at: number
  /** When the callback confirmed the hub's verification of it. */
  confirmed_at: number | null
  /** When the hub sent a denial for its topic while it was pending. */
  denied_at: number | null
  denial_reason: string | null
}

export interface Database {
  registrations: RegistrationsTable
  registration_history: RegistrationHistoryTable
  registration_mosip_ids: RegistrationMosipIdsTable
  websub_inbox: WebsubInboxTable
  jobs: JobsTable
  operator_actions: OperatorActionsTable
  websub_intents: WebsubIntentsTable
}

export type Registration = Selectable<RegistrationsTable>
export type RegistrationUpdate = Updateable<RegistrationsTable>
export type Job = Selectable<JobsTable>
export type RegistrationHistoryEntry = Selectable<RegistrationHistoryTable>
export type WebsubInboxEntry = Selectable<WebsubInboxTable>
export type OperatorAction = Selectable<OperatorActionsTable>
export type WebsubIntentRow = Selectable<WebsubIntentsTable>
