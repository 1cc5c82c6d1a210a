/**
 * Control API of the MOSIP core simulators (default prefix `/_sim/mosip`), so scripts and the
 * sandbox can inspect state and switch faults over HTTP. Not part of MOSIP; not recorded in the
 * request log and never subject to injected faults.
 *
 * - `GET  /packets/:id`, `GET /registrations/:id`, `GET /identities` (each with its ID
 *   repository `status` and `statusChanges`), `GET /published`
 * - `DELETE /registrations/:id`: MOSIP loses the registration (workflow and packet; its status
 *   is then `RPR-RGS-031`)
 * - `PUT  /outcomes` `{registrationId | "*", outcome, times?}` or `{process, outcome, times?}`
 *   (`uin`, `uin-no-credential`, `rejected`, `failed`, `resend`, `processing`); `DELETE /outcomes`
 * - `PUT  /pipeline` `{paused?, stepDelayMs?, credentialDelayMs?, credentialFor?}`
 * - `POST /faults` `{nullResponseNext?, nullResponseRate?, failureReporting?, expireAllTokens?,
 *   tokenTtlSeconds?, rejectCredentialsAs?, tamperNextCiphertext?, encryptNextToWrongCertificate?,
 *   signNextWithWrongKey?}`
 * - `GET  /id-validation`, `PUT /id-validation` `{mandatoryLanguages?, optionalLanguages?,
 *   allowedDocumentFormats?, requiredDocuments?, mandatoryAttributes?}`: what ID validation
 *   checks in packets written from then on (`mandatoryAttributes`: per process, `"schema"` or the
 *   fields of the schema's `required` list to enforce)
 * - `GET  /partner/certificate` (PEM), `POST /partner/keystore` `{password}` (PKCS#12 bytes)
 * - `GET  /credential-policy`, `PUT /credential-policy` `{shareBy?: inline | datashare,
 *   dataShareReads?, shareNextFrom?: {baseUrl, count?}}`: how credentials are handed over
 * - `GET  /keymanager/references`: the keymanager references the registration processor derived
 *   from registration ids (one key each) and the registrations that used each
 */
import { z } from 'zod'
import type { SimServer } from '../../shared/sim-server.js'
import type { MosipCore } from './mosip-core.js'
import { PIPELINE_OUTCOMES } from './processing-pipeline.js'
import { CREDENTIAL_SHARE_MODES } from './credential-issuer.js'

const outcome = z.enum(PIPELINE_OUTCOMES)
const count = z.number().int().min(0)
const times = z.number().int().min(1).optional()

const outcomesBody = z.union([
  z.object({ registrationId: z.string().min(1), outcome, times }),
  z.object({ process: z.string().min(1), outcome, times })
])

const pipelineBody = z.object({
  paused: z.boolean().optional(),
  stepDelayMs: count.optional(),
  credentialDelayMs: count.optional(),
  /** Per process: whether a processed registration gets a credential, e.g. `{CRVS_DEATH: false}`. */
  credentialFor: z.record(z.string().min(1), z.boolean()).optional()
})

const faultsBody = z.object({
  nullResponseNext: count.optional(),
  nullResponseRate: z.number().min(0).max(1).optional(),
  failureReporting: z.enum(['as-mosip', 'reported']).optional(),
  expireAllTokens: z.boolean().optional(),
  tokenTtlSeconds: count.optional(),
  rejectCredentialsAs: z.enum(['http500', 'envelope200']).optional(),
  tamperNextCiphertext: count.optional(),
  encryptNextToWrongCertificate: count.optional(),
  signNextWithWrongKey: count.optional()
})

const languages = z.array(z.string().regex(/^[a-z]{3}$/))
const idValidationBody = z.object({
  mandatoryLanguages: languages.min(1).optional(),
  optionalLanguages: languages.optional(),
  allowedDocumentFormats: z.array(z.string().min(1)).optional(),
  requiredDocuments: z.array(z.string().min(1)).optional(),
  mandatoryAttributes: z
    .record(z.string().min(1), z.union([z.literal('schema'), z.array(z.string().min(1))]))
    .optional()
})

const credentialPolicyBody = z.object({
  shareBy: z.enum(CREDENTIAL_SHARE_MODES).optional(),
  dataShareReads: z.number().int().min(0).optional(),
  shareNextFrom: z.object({ baseUrl: z.url({ protocol: /^https?$/ }), count: times }).optional()
})

const keystoreBody = z.object({ password: z.string(), alias: z.string().min(1).optional() })

function problems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ')
}

export function registerMosipCoreControlApi(
  sim: SimServer,
  core: MosipCore,
  prefix = '/_sim/mosip'
): void {
  const app = sim.app

  app.get(`${prefix}/packets/:id`, async (request, reply) => {
    const packet = core.packets.get((request.params as { id: string }).id)
    return packet ?? reply.status(404).send({ error: 'no such packet' })
  })
  app.get(`${prefix}/registrations/:id`, async (request, reply) => {
    const record = core.registrations.get((request.params as { id: string }).id)
    return record ?? reply.status(404).send({ error: 'no such registration' })
  })
  app.delete(`${prefix}/registrations/:id`, async (request, reply) => {
    const id = (request.params as { id: string }).id
    return core.registrations.forget(id)
      ? { forgotten: id }
      : reply.status(404).send({ error: 'no such registration' })
  })
  app.get(`${prefix}/identities`, async () => ({ identities: core.identities.list() }))
  app.get(`${prefix}/published`, async () => ({ published: core.pipeline.published }))

  app.put(`${prefix}/outcomes`, async (request, reply) => {
    const parsed = outcomesBody.safeParse(request.body)
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    const { outcome: chosen, times: count } = parsed.data
    if ('registrationId' in parsed.data)
      core.pipeline.setOutcome(parsed.data.registrationId, chosen, count)
    else core.pipeline.setProcessOutcome(parsed.data.process, chosen, count)
    return parsed.data
  })
  app.delete(`${prefix}/outcomes`, async () => {
    core.pipeline.clearOutcomes()
    return { cleared: true }
  })

  app.put(`${prefix}/pipeline`, async (request, reply) => {
    const parsed = pipelineBody.safeParse(request.body ?? {})
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    const { paused, stepDelayMs, credentialDelayMs, credentialFor } = parsed.data
    if (stepDelayMs !== undefined) core.pipeline.setStepDelay(stepDelayMs)
    if (credentialDelayMs !== undefined) core.pipeline.setCredentialDelay(credentialDelayMs)
    for (const [process, publish] of Object.entries(credentialFor ?? {}))
      core.pipeline.setCredentialFor(process, publish)
    if (paused === true) core.pipeline.pause()
    if (paused === false) core.pipeline.resume()
    return parsed.data
  })

  app.post(`${prefix}/faults`, async (request, reply) => {
    const parsed = faultsBody.safeParse(request.body ?? {})
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    const faults = parsed.data
    if (faults.nullResponseNext) core.packets.nullResponseNext(faults.nullResponseNext)
    if (faults.nullResponseRate !== undefined)
      core.packets.setNullResponseRate(faults.nullResponseRate)
    if (faults.failureReporting) core.packets.setFailureReporting(faults.failureReporting)
    if (faults.expireAllTokens) core.auth.expireAllTokens()
    if (faults.tokenTtlSeconds !== undefined) core.auth.setTokenTtl(faults.tokenTtlSeconds)
    if (faults.rejectCredentialsAs) core.auth.setRejectCredentialsAs(faults.rejectCredentialsAs)
    if (faults.tamperNextCiphertext) core.issuer.tamperNextCiphertext(faults.tamperNextCiphertext)
    if (faults.encryptNextToWrongCertificate)
      core.issuer.encryptNextToWrongCertificate(faults.encryptNextToWrongCertificate)
    if (faults.signNextWithWrongKey) core.issuer.signNextWithWrongKey(faults.signNextWithWrongKey)
    return faults
  })

  app.get(`${prefix}/id-validation`, async () => core.packets.idValidation())
  app.put(`${prefix}/id-validation`, async (request, reply) => {
    const parsed = idValidationBody.safeParse(request.body ?? {})
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    const settings = Object.fromEntries(
      Object.entries(parsed.data).filter(([, value]) => value !== undefined)
    )
    core.packets.setIdValidation(settings)
    return core.packets.idValidation()
  })

  app.get(`${prefix}/credential-policy`, async () => core.issuer.sharePolicy())
  app.put(`${prefix}/credential-policy`, async (request, reply) => {
    const parsed = credentialPolicyBody.safeParse(request.body ?? {})
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    const { shareBy, dataShareReads, shareNextFrom } = parsed.data
    if (shareBy !== undefined || dataShareReads !== undefined)
      core.issuer.setShareBy(shareBy ?? core.issuer.sharePolicy().shareBy, dataShareReads)
    if (shareNextFrom) core.issuer.shareNextFrom(shareNextFrom.baseUrl, shareNextFrom.count)
    return core.issuer.sharePolicy()
  })
  app.get(`${prefix}/keymanager/references`, async () => ({
    references: core.registrations.keymanagerReferences()
  }))

  app.get(`${prefix}/partner/certificate`, async (_request, reply) =>
    reply.type('application/x-pem-file').send(core.issuer.partnerCertificatePem)
  )
  app.post(`${prefix}/partner/keystore`, async (request, reply) => {
    const parsed = keystoreBody.safeParse(request.body)
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    return reply
      .type('application/x-pkcs12')
      .send(core.issuer.partnerKeystore(parsed.data.password, parsed.data.alias))
  })
}
