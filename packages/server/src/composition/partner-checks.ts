import type { BridgeConfig } from '../config/index.js'
import { MosipTokenSource } from '../integrations/mosip/auth-token.js'
import { OpencrvsPublicKey } from '../integrations/opencrvs/public-key.js'

/** One partner reached as the bridge reaches it, and what came of it. */
export interface PartnerCheck {
  name: string
  ok: boolean
  /** What was reached, or the failure's code and reason (never a token or secret). */
  detail: string
}

/**
 * Reaches each partner once, as the running bridge would: MOSIP's auth manager with each of the
 * three clients (packets, status search, WebSub; and the ID repository client when
 * MOSIP_DEACTIVATE_UIN_ON_DEATH is on), and OpenCRVS's public key. Nothing is sent
 * that changes anything on their side.
 */
export async function checkPartners(config: BridgeConfig): Promise<PartnerCheck[]> {
  const { mosip } = config
  const timeoutMs = config.pipeline.outboundTimeoutMs
  const logins: Array<[string, { clientId: string; clientSecret: string }]> = [
    ['MOSIP login, packet client (MOSIP_PACKET_AUTH_CLIENT_ID)', mosip.packetClient],
    ['MOSIP login, status client (MOSIP_STATUS_AUTH_CLIENT_ID)', mosip.status.client],
    ['MOSIP login, WebSub client (MOSIP_WEBSUB_AUTH_CLIENT_ID)', mosip.websub.client]
  ]
  if (mosip.idRepository.deactivateUinOnDeath) {
    logins.push([
      'MOSIP login, ID repository client (MOSIP_IDREPO_AUTH_CLIENT_ID)',
      mosip.idRepository.client
    ])
  }
  const checks = await Promise.all(
    logins.map(async ([name, client]): Promise<PartnerCheck> => {
      const tokens = new MosipTokenSource({
        authUrl: mosip.authUrl,
        clientId: client.clientId,
        secretKey: client.clientSecret,
        appId: mosip.authClientAppId,
        timeoutMs
      })
      const token = await tokens.token()
      return token.kind === 'ok'
        ? { name, ok: true, detail: `logged in at ${mosip.authUrl}` }
        : { name, ok: false, detail: `${token.code}: ${token.reason}` }
    })
  )
  const key = await new OpencrvsPublicKey({
    url: config.opencrvs.publicKeyUrl,
    timeoutMs
  }).load()
  checks.push(
    key.kind === 'ok'
      ? {
          name: 'OpenCRVS public key (OPENCRVS_PUBLIC_KEY_URL)',
          ok: true,
          detail: `loaded from ${config.opencrvs.publicKeyUrl}`
        }
      : {
          name: 'OpenCRVS public key (OPENCRVS_PUBLIC_KEY_URL)',
          ok: false,
          detail: `${key.code}: ${key.reason}`
        }
  )
  return checks
}
