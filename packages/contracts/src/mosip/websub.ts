/**
 * MOSIP WebSub hub (`mosip/websub`, Ballerina kafkaHub): what a subscriber sends to the hub, what
 * the hub sends back to the subscriber's callback, and the `CREDENTIAL_ISSUED` event envelope it
 * delivers.
 *
 * Form and query values are always strings on the wire (`hub.lease_seconds` included).
 */
import { z } from 'zod'

/** Lease the hub assumes when `hub.lease_seconds` is absent (10 days); MOSIP never enforces it. */
export const WEBSUB_DEFAULT_LEASE_SECONDS = 864_000

/** Event name of the credential-service topic `<partnerId>/CREDENTIAL_ISSUED`. */
export const CREDENTIAL_ISSUED_EVENT = 'CREDENTIAL_ISSUED'

/** The topic credential-service publishes a partner's credentials on, e.g. `crvs_partner/CREDENTIAL_ISSUED`. */
export function credentialIssuedTopic(partnerId: string): string {
  return `${partnerId}/${CREDENTIAL_ISSUED_EVENT}`
}

const topic = z.string().min(1)
/** The hub itself accepts any text here and only fails later, when it calls it; we insist on http(s). */
const callback = z.string().regex(/^https?:\/\/\S+$/, 'hub.callback must be an http(s) URL')
const leaseSeconds = z.string().regex(/^\d+$/, 'hub.lease_seconds must be a whole number')

// ---------------------------------------------------------------------------------------------
// Subscriber → hub: `POST <hub>` with `Content-Type: application/x-www-form-urlencoded` and
// `Cookie: Authorization=<auth-manager token>`.

export const websubSubscribeFormSchema = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.topic': topic,
  'hub.callback': callback,
  /** Key of the `X-Hub-Signature` HMAC. Without it deliveries are unsigned. */
  'hub.secret': z.string().min(1).optional(),
  'hub.lease_seconds': leaseSeconds.optional()
})
export type WebsubSubscribeForm = z.infer<typeof websubSubscribeFormSchema>

export const websubUnsubscribeFormSchema = z.object({
  'hub.mode': z.literal('unsubscribe'),
  'hub.topic': topic,
  'hub.callback': callback
})
export type WebsubUnsubscribeForm = z.infer<typeof websubUnsubscribeFormSchema>

export const websubSubscriptionFormSchema = z.discriminatedUnion('hub.mode', [
  websubSubscribeFormSchema,
  websubUnsubscribeFormSchema
])
export type WebsubSubscriptionForm = z.infer<typeof websubSubscriptionFormSchema>

/**
 * Body of a refused hub request (`Content-Type: application/x-www-form-urlencoded`), e.g. HTTP 500
 * `hub.mode=denied&hub.reason=Subscriber is not authorized`. The reason is not URL-encoded.
 */
export const websubHubDeniedSchema = z.object({
  'hub.mode': z.literal('denied'),
  'hub.reason': z.string()
})
export type WebsubHubDenied = z.infer<typeof websubHubDeniedSchema>

// ---------------------------------------------------------------------------------------------
// Hub → subscriber: `GET <callback>?…` after the 202. Values are not URL-encoded by the hub.
// For `subscribe`/`unsubscribe` the subscriber must answer with the challenge as the exact body;
// only the body is compared. A `denied` notification carries no challenge; answer 200.

export const websubIntentVerificationQuerySchema = z.discriminatedUnion('hub.mode', [
  z.object({
    'hub.mode': z.literal('subscribe'),
    'hub.topic': topic,
    'hub.challenge': z.string().min(1),
    'hub.lease_seconds': leaseSeconds.optional()
  }),
  z.object({
    'hub.mode': z.literal('unsubscribe'),
    'hub.topic': topic,
    'hub.challenge': z.string().min(1)
  }),
  z.object({
    'hub.mode': z.literal('denied'),
    'hub.topic': topic,
    'hub.reason': z.string().optional()
  })
])
export type WebsubIntentVerificationQuery = z.infer<typeof websubIntentVerificationQuerySchema>

// ---------------------------------------------------------------------------------------------
// Hub → subscriber: `POST <callback>` (or `<callback>/` on the 1.2.0 hub) with the event as JSON,
// `X-Hub-Signature: sha256=<hex HMAC-SHA256(hub.secret, raw body bytes)>` and
// `Link: <hub url>; rel="hub", <topic>; rel="self"` (literally, without angle brackets).

/** `sha256=<lowercase hex>`; other methods (`sha1=`, `sha384=`, `sha512=`) are valid WebSub too. */
export const websubSignatureHeaderSchema = z
  .string()
  .regex(/^(sha1|sha256|sha384|sha512)=[0-9a-fA-F]+$/, 'X-Hub-Signature must be <method>=<hex>')
export type WebsubSignatureHeader = z.infer<typeof websubSignatureHeaderSchema>

/** Java `DateUtils` ISO-8601, normally UTC with `Z`; offsets and zone-less forms are tolerated. */
const mosipDateTime = z.iso.datetime({ offset: true, local: true })

export const mosipEventTypeSchema = z.object({ namespace: z.string(), name: z.string() })
export type MosipEventType = z.infer<typeof mosipEventTypeSchema>

/**
 * The MOSIP `EventModel` envelope (credential-service `getEventModel`), for any `data` schema.
 * Unknown keys are kept: MOSIP adds fields between versions.
 */
export function websubEventSchema<Data extends z.ZodType>(data: Data) {
  return z.looseObject({
    /** `CREDENTIAL_SERVICE` for credentials. */
    publisher: z.string(),
    topic,
    publishedOn: mosipDateTime,
    event: z.looseObject({
      /** Random UUID of this event: the key to deduplicate redeliveries on. */
      id: z.string().min(1),
      /** The credential request id (a UUID from credential-request-generator). */
      transactionId: z.string().min(1),
      type: mosipEventTypeSchema,
      timestamp: mosipDateTime,
      /** Set instead of `data.credential` when the partner policy shares by datashare. */
      dataShareUri: z.string().nullable().optional(),
      data
    })
  })
}

/** Any event on the hub, `data` left open. */
export const websubEventEnvelopeSchema = websubEventSchema(z.record(z.string(), z.unknown()))
export type WebsubEventEnvelope = z.infer<typeof websubEventEnvelopeSchema>

/**
 * `event.data` of CREDENTIAL_ISSUED: the credential request's `additionalData` (the requestor
 * stage sets `registrationId` and `templateTypeCode`, plus any packet `metaInfoFields` such as
 * `opencrvsBRN`, kept as extra keys) and the issued credential.
 */
export const credentialIssuedDataSchema = z.looseObject({
  /** The RID/AID sent as packet `request.id`. */
  registrationId: z.string().min(1),
  templateTypeCode: z.string().optional(),
  /**
   * Keymanager hybrid ciphertext, normally unpadded base64url. Absent when the policy
   * shares by datashare (`event.dataShareUri` is then set).
   */
  credential: z.string().min(1).optional(),
  /** JWS over the base64url plaintext credential. */
  proof: z.looseObject({ signature: z.string() }).optional(),
  /** `vercred` in current deployments; older profiles used `opencrvs`, the OpenCRVS mock `euin`. */
  credentialType: z.string().min(1),
  /** Random 6-digit PIN; meaningless for verifiable credentials. */
  protectionKey: z.string().optional()
})
export type CredentialIssuedData = z.infer<typeof credentialIssuedDataSchema>

export const credentialIssuedEventSchema = websubEventSchema(credentialIssuedDataSchema)
export type CredentialIssuedEvent = z.infer<typeof credentialIssuedEventSchema>

/**
 * What the reference `mosip-api` answers a delivery with (HTTP 200). The hub ignores the body; only
 * the status matters (any non-2xx stops delivery until the subscriber re-subscribes).
 */
export const credentialIssuedAckSchema = z.object({
  publisher: z.string(),
  topic: z.string(),
  publishedOn: z.string(),
  event: z.object({
    id: z.string(),
    requestId: z.string(),
    timestamp: z.string(),
    status: z.enum(['RECEIVED', 'ERROR']),
    url: z.string()
  })
})
export type CredentialIssuedAck = z.infer<typeof credentialIssuedAckSchema>
