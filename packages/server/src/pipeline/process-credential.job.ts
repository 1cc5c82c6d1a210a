import { credentialIssuedDataSchema } from '@mosip-bridge/contracts'
import { z } from 'zod'
import type { JobQueue } from '../queue/job-queue.js'
import type { TaskHandler } from '../queue/job-runner.js'
import type { Store } from '../store/database.js'
import {
  WIPE_ALL_SECRETS,
  type RegistrationsRepository
} from '../store/registrations.repository.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import { Snooze } from '../core/job-failure.js'
import { checkDataShareUri } from '../core/datashare.js'
import type { CredentialDecryptor, DataShareGateway } from '../core/ports.js'
import { nationalIdFrom } from '../core/verifiable-credential.js'
import { retryJob, waitForPartner } from './partner-failure.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

interface ProcessCredentialDeps {
  store: Store
  inbox: WebsubInboxRepository
  registrations: RegistrationsRepository
  queue: JobQueue<Tasks>
  decryptor: CredentialDecryptor
  /** Where credentials shared by reference (`event.dataShareUri`) are read. */
  dataShare?: DataShareGateway
  /** credentialSubject key holding the national id (MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY). */
  nationalIdKey: string
}

/**
 * What this job needs of a CREDENTIAL_ISSUED delivery, taken from the contract's event data:
 * the credential, or the data share it was put in (`event.dataShareUri`, where MOSIP's
 * credential service sets it; also read from `event.data`), and the registration id when there
 * is a usable one (it only backs up the credential subject's id). Nothing else of the envelope
 * is required, so a delivery is used whenever its credential can be.
 */
const usableDeliverySchema = z.looseObject({
  event: z.looseObject({
    dataShareUri: z.string().min(1).optional().catch(undefined),
    data: z.looseObject({
      credential: credentialIssuedDataSchema.shape.credential.catch(undefined),
      dataShareUri: z.string().min(1).optional().catch(undefined),
      registrationId: credentialIssuedDataSchema.shape.registrationId.optional().catch(undefined)
    })
  })
})

const awaitsSubmission = (state: string) => state === 'received' || state === 'packet_created'

/**
 * Turns a stored CREDENTIAL_ISSUED delivery into a registration ready to confirm: decrypt,
 * find the registration (credentialSubject.id's last segment, else event.data.registrationId),
 * keep the national id sealed, and queue the confirmation — in one transaction. A delivery that
 * cannot be used (undecryptable, unknown registration) is kept, sealed, for an operator.
 */
export function processCredentialJob(
  deps: ProcessCredentialDeps
): TaskHandler<Tasks['process-credential']> {
  const { inbox, registrations } = deps

  return async ({ eventId }, context) => {
    const entry = await inbox.get(eventId)
    if (!entry || entry.state !== 'received') return
    const keep = (state: string, note: string, registrationId: string | null = null) =>
      inbox.markProcessed(deps.store.db, eventId, state, { note, keepBody: true, registrationId })

    const text = inbox.bodyOf(entry)
    let body: unknown
    try {
      body = JSON.parse(text ?? '')
    } catch {
      return keep('invalid', 'DELIVERY_NOT_JSON')
    }
    const delivery = usableDeliverySchema.safeParse(body)
    if (!delivery.success) return keep('invalid', 'DELIVERY_WITHOUT_CREDENTIAL')
    const { data } = delivery.data.event
    let credentialText = data.credential
    if (credentialText === undefined) {
      const uri = delivery.data.event.dataShareUri ?? data.dataShareUri
      if (uri === undefined || !deps.dataShare)
        return keep('invalid', 'DELIVERY_WITHOUT_CREDENTIAL')
      const checked = checkDataShareUri(uri, deps.dataShare.allowedOrigins)
      if (!checked.ok) {
        // The URI is a capability to read the credential: only its origin is logged.
        context.logger.warn(
          { mosipEventId: eventId, code: checked.code, origin: checked.origin },
          'credential data share refused'
        )
        return keep('invalid', checked.code)
      }
      const fetched = await deps.dataShare.fetch(checked.url, context.signal)
      // An outage of MOSIP's datashare waits like any partner's; a share gone, used up or too
      // large can only be fixed by an operator (MOSIP issuing the credential again).
      if (fetched.kind === 'retry') waitForPartner(fetched)
      if (fetched.kind !== 'ok') {
        context.logger.warn(
          { mosipEventId: eventId, code: fetched.code },
          'credential data share unreadable'
        )
        return keep('undecryptable', fetched.code)
      }
      credentialText = fetched.value
      // From now on the delivery is processed as one with the credential inline.
      const inlined = body as { event: { data: Record<string, unknown> } }
      inlined.event.data.credential = credentialText
      await inbox.replaceBody(deps.store.db, eventId, JSON.stringify(inlined))
    }
    const decrypted = await deps.decryptor.decrypt(credentialText)
    if (decrypted.kind === 'retry') retryJob(decrypted)
    if (decrypted.kind !== 'ok') {
      context.logger.warn({ mosipEventId: eventId, code: decrypted.code }, 'credential unusable')
      return keep('undecryptable', decrypted.code)
    }
    const credential = decrypted.value
    const registrationId = credential.subjectRegistrationId ?? data.registrationId
    // The id may be one MOSIP was given on a resubmission: it still names the same registration.
    let registration = registrationId
      ? await registrations.findByMosipId(registrationId)
      : undefined
    if (!registration) {
      context.logger.warn({ mosipEventId: eventId }, 'credential for an unknown registration kept')
      return keep('unmatched', 'UNKNOWN_REGISTRATION')
    }
    if (awaitsSubmission(registration.state)) {
      // MOSIP answered before our submission job recorded its success (or that job's runner
      // stopped in between). Note the registration on the delivery, so that recording the
      // submission brings this job forward, then look once more: the submission may have been
      // recorded meanwhile. Waiting for our own state uses up no attempt.
      await inbox.noteRegistration(deps.store.db, eventId, registration.id)
      registration = (await registrations.get(registration.id)) ?? registration
      if (awaitsSubmission(registration.state)) {
        throw new Snooze('submission not recorded yet', { code: 'SUBMISSION_PENDING' })
      }
    }
    // A registration handed to an operator before any credential came (an outage outlasting its
    // token margin while MOSIP had in fact taken the packet, or MOSIP reporting the ID issued
    // without a credential) is completed by a credential arriving late.
    const awaitsCredential =
      registration.state === 'submitted' ||
      (registration.state === 'needs_attention' && registration.credential_event_id === null)
    if (!awaitsCredential) {
      return inbox.markProcessed(deps.store.db, eventId, 'duplicate', {
        registrationId: registration.id,
        note: `REGISTRATION_ALREADY_${registration.state.toUpperCase()}`,
        // The first credential of a registration that never took one stays for an operator.
        keepBody: registration.credential_event_id === null
      })
    }
    const from = registration.state === 'submitted' ? 'submitted' : 'needs_attention'

    if (registration.kind === 'update') {
      // An update acts on nothing in OpenCRVS: MOSIP issuing its credential finishes it.
      const current = registration
      await deps.store.transaction(async (trx) => {
        await registrations.transition(trx, current.id, 'completed', {
          current,
          from,
          reason: 'CREDENTIAL_ISSUED',
          lastError: null,
          changes: { credential_event_id: eventId, reconcile_at: null, ...WIPE_ALL_SECRETS }
        })
        await inbox.markProcessed(trx, eventId, 'processed', { registrationId: current.id })
      })
      context.logger.info(
        { registrationId: current.id, mosipEventId: eventId },
        'update completed by its credential'
      )
      return
    }

    const nationalId = nationalIdFrom(credential.subject, deps.nationalIdKey)
    if (registration.kind === 'birth' && nationalId === undefined) {
      if (from === 'needs_attention') {
        return inbox.markProcessed(deps.store.db, eventId, 'invalid', {
          registrationId: registration.id,
          note: 'CREDENTIAL_WITHOUT_NATIONAL_ID',
          keepBody: true
        })
      }
      await deps.store.transaction(async (trx) => {
        await registrations.transition(trx, registration.id, 'needs_attention', {
          from: 'submitted',
          reason: 'CREDENTIAL_WITHOUT_NATIONAL_ID',
          lastError: `the credential has no ${deps.nationalIdKey}`,
          changes: { credential_event_id: eventId }
        })
        await inbox.markProcessed(trx, eventId, 'invalid', {
          registrationId: registration.id,
          note: 'CREDENTIAL_WITHOUT_NATIONAL_ID',
          keepBody: true
        })
      })
      return
    }

    await deps.store.transaction(async (trx) => {
      await registrations.transition(trx, registration.id, 'credential_received', {
        current: registration,
        from,
        reason: 'CREDENTIAL_ISSUED',
        lastError: null,
        changes: {
          credential_event_id: eventId,
          ...(nationalId !== undefined
            ? { national_id_sealed: registrations.sealNationalId(registration.id, nationalId) }
            : {})
        }
      })
      await deps.queue.enqueue(
        trx,
        TASKS.confirmRegistration,
        { v: 1, registrationId: registration.id },
        { jobKey: jobKeys.confirmRegistration(registration.id, eventId) }
      )
      await inbox.markProcessed(trx, eventId, 'processed', { registrationId: registration.id })
    })
    deps.queue.notify()
    context.logger.info(
      { registrationId: registration.id, mosipEventId: eventId },
      'credential matched'
    )
  }
}
