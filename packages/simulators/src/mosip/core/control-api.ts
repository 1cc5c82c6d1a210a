/**
 * Control API of the MOSIP core simulators (default prefix `/_sim/mosip`), so scripts and the
 * sandbox can inspect state and switch faults over HTTP. Not part of MOSIP; not recorded in the
 * request log and never subject to injected faults.
 *
 * - `GET  /packets/:id`, `GET /registrations/:id`, `GET /identities`, `GET /published`
 * - `PUT  /outcomes` `{registrationId | "*", outcome}` or `{process, outcome}` (`uin`, `rejected`,
 *   `failed`)
 * - `PUT  /pipeline` `{paused?, stepDelayMs?, credentialDelayMs?}`
 * - `POST /faults` `{nullResponseNext?, nullResponseRate?, failureReporting?, expireAllTokens?,
 *   tokenTtlSeconds?, rejectCredentialsAs?, tamperNextCiphertext?, encryptNextToWrongCertificate?,
 *   signNextWithWrongKey?}`
 * - `GET  /partner/certificate` (PEM), `POST /partner/keystore` `{password}` (PKCS#12 bytes)
 */
import { z } from 'zod'
import type { SimServer } from '../../shared/sim-server.js'
import type { MosipCore } from './mosip-core.js'

const outcome = z.enum(['uin', 'rejected', 'failed'])
const count = z.number().int().min(0)

const outcomesBody = z.union([
  z.object({ registrationId: z.string().min(1), outcome }),
  z.object({ process: z.string().min(1), outcome })
])

const pipelineBody = z.object({
  paused: z.boolean().optional(),
  stepDelayMs: count.optional(),
  credentialDelayMs: count.optional()
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
  app.get(`${prefix}/identities`, async () => ({ identities: core.pipeline.listIdentities() }))
  app.get(`${prefix}/published`, async () => ({ published: core.pipeline.published }))

  app.put(`${prefix}/outcomes`, async (request, reply) => {
    const parsed = outcomesBody.safeParse(request.body)
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    if ('registrationId' in parsed.data)
      core.pipeline.setOutcome(parsed.data.registrationId, parsed.data.outcome)
    else core.pipeline.setProcessOutcome(parsed.data.process, parsed.data.outcome)
    return parsed.data
  })

  app.put(`${prefix}/pipeline`, async (request, reply) => {
    const parsed = pipelineBody.safeParse(request.body ?? {})
    if (!parsed.success) return reply.status(400).send({ error: problems(parsed.error) })
    const { paused, stepDelayMs, credentialDelayMs } = parsed.data
    if (stepDelayMs !== undefined) core.pipeline.setStepDelay(stepDelayMs)
    if (credentialDelayMs !== undefined) core.pipeline.setCredentialDelay(credentialDelayMs)
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
