/**
 * E-Signet relying-party logins for `POST /esignet/get-oidp-user-info`.
 *
 * `createEsignetClient` does the start-up work: it reads the relying party's private keys once.
 * When a key cannot be used the bridge still starts and the route answers 503
 * `ESIGNET_NOT_CONFIGURED`; the reason is logged once, at start-up. E-Signet's signing keys are
 * fetched on first use (E-Signet may be unreachable while the bridge starts) and cached.
 */
import type { BridgeConfig } from '../../config/index.js'
import { ESIGNET_CODES, esignetFailure, type EsignetStep } from '../../core/esignet-outcome.js'
import type { OidpUserInfo } from '../../core/esignet-person.js'
import type { Logger } from '../../observability/logger.js'
import { EsignetSetupError, loadClientKeyFile } from './client-key.js'
import { EsignetKeys, type EsignetKeysOptions } from './esignet-keys.js'
import {
  EsignetClient,
  type EsignetClientOptions,
  type EsignetLogin,
  type EsignetLoginStatus
} from './esignet.client.js'

export { parseClientKey } from './client-key.js'

export { discoveryCandidates, providerLocations } from './esignet-keys.js'
export type { EsignetKeysOptions } from './esignet-keys.js'
export { redirectUriOf } from './esignet.client.js'
export type { EsignetClientOptions, EsignetLogin } from './esignet.client.js'

/** Answers every login with 503 while the relying party's key is unusable. */
class UnavailableEsignetClient implements EsignetLogin {
  readonly status: EsignetLoginStatus

  constructor(reason: string) {
    this.status = { available: false, code: ESIGNET_CODES.notConfigured, reason }
  }

  async login(): Promise<EsignetStep<OidpUserInfo>> {
    return esignetFailure(
      503,
      ESIGNET_CODES.notConfigured,
      'E-Signet logins are not configured on this bridge'
    )
  }
}

/** Test seams: clock, assertion `jti`s, JWKS cache timings. */
export type EsignetClientOverrides = Pick<EsignetClientOptions, 'clock' | 'newJti'> &
  Pick<EsignetKeysOptions, 'maxAgeMs' | 'refreshCooldownMs'>

export function createEsignetClient(
  config: BridgeConfig,
  logger: Logger,
  overrides: EsignetClientOverrides = {}
): EsignetLogin {
  const { esignet } = config
  const timeoutMs = config.pipeline.outboundTimeoutMs
  try {
    const key = loadClientKeyFile(esignet.clientPrivateKeyPath)
    const encryptionKey =
      esignet.clientEncryptionKeyPath === undefined
        ? undefined
        : loadClientKeyFile(esignet.clientEncryptionKeyPath, 'OIDP_CLIENT_ENCRYPTION_KEY_PATH')
    const { clock, newJti, maxAgeMs, refreshCooldownMs } = overrides
    const keys = new EsignetKeys({
      jwksUrl: esignet.jwksUrl,
      tokenUrl: esignet.tokenUrl,
      timeoutMs,
      logger,
      ...(clock ? { clock } : {}),
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
      ...(refreshCooldownMs !== undefined ? { refreshCooldownMs } : {})
    })
    logger.info(
      {
        jwksUrl: esignet.jwksUrl ?? '(discovered on first login)',
        userinfoDecryptedWith:
          encryptionKey === undefined
            ? 'OIDP_CLIENT_PRIVATE_KEY_PATH'
            : 'OIDP_CLIENT_ENCRYPTION_KEY_PATH',
        stateChecked: esignet.expectedStates !== undefined
      },
      'E-Signet client key loaded: /esignet/get-oidp-user-info is available'
    )
    return new EsignetClient({
      tokenUrl: esignet.tokenUrl,
      userinfoUrl: esignet.userinfoUrl,
      key,
      ...(encryptionKey ? { encryptionKey } : {}),
      keys,
      expectedStates: esignet.expectedStates,
      timeoutMs,
      logger,
      ...(clock ? { clock } : {}),
      ...(newJti ? { newJti } : {})
    })
  } catch (error) {
    if (!(error instanceof EsignetSetupError)) throw error
    logger.error(
      { setupCode: error.code },
      `${error.message}: /esignet/get-oidp-user-info answers 503 until the bridge restarts with a usable key`
    )
    return new UnavailableEsignetClient(error.message)
  }
}
