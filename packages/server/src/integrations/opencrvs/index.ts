/** OpenCRVS integration: JWT intake checks, the events API client and confirmation tokens. */
import type { BridgeConfig } from '../../config/index.js'
import type { OpencrvsEvents, OpencrvsTokenSource } from '../../core/ports.js'
import type { DependencyState } from '../../core/dependency-state.js'
import type { Logger } from '../../observability/logger.js'
import { OpencrvsEventsClient } from './events.client.js'
import { OpencrvsJwtVerifier } from './jwt-verifier.js'
import { OpencrvsPublicKey } from './public-key.js'
import { createTokenSource } from './token-source.js'

export { OpencrvsJwtVerifier } from './jwt-verifier.js'

export interface OpencrvsIntegration {
  /** Checks the tokens of intake calls (`OPENCRVS_JWT_AUDIENCES`). */
  verifier: OpencrvsJwtVerifier
  /** Also accepts gateway user tokens: operators and forms calling verify, E-Signet and debug. */
  operatorVerifier: OpencrvsJwtVerifier
  /** The events API, which confirms or rejects registrations. */
  events: OpencrvsEvents
  /** The tokens those confirmations are sent with (`OPENCRVS_CONFIRMATION_TOKEN`). */
  tokens: OpencrvsTokenSource
  /** Whether OpenCRVS's public key (to check intake tokens) is loaded. */
  publicKeyState: () => DependencyState
}

/**
 * OpenCRVS's public key verifies intake and operator tokens; the events API confirms
 * registrations. The key is fetched at once, in the background: when OpenCRVS is not reachable
 * yet, the failure is logged and the fetch retried on first use.
 */
export function createOpencrvsIntegration(
  config: BridgeConfig,
  logger: Logger
): OpencrvsIntegration {
  const timeoutMs = config.pipeline.outboundTimeoutMs
  const publicKey = new OpencrvsPublicKey({ url: config.opencrvs.publicKeyUrl, timeoutMs, logger })
  void publicKey.load().then((loaded) => {
    if (loaded.kind !== 'ok') {
      logger.warn({ code: loaded.code }, 'OpenCRVS public key not loaded yet; retried on first use')
    }
  })
  const audiences = config.pipeline.jwtAudiences
  return {
    verifier: new OpencrvsJwtVerifier({ publicKey, audiences, logger }),
    operatorVerifier: new OpencrvsJwtVerifier({
      publicKey,
      audiences: [...audiences, 'opencrvs:gateway-user'],
      logger
    }),
    events: new OpencrvsEventsClient({
      gatewayUrl: config.opencrvs.gatewayUrl,
      timeoutMs,
      logger,
      strictInputs: config.nodeEnv !== 'production'
    }),
    publicKeyState: () =>
      publicKey.peek() !== undefined
        ? { status: 'up' }
        : { status: 'down', detail: 'not loaded yet (retried on first use)' },
    tokens: createTokenSource(config.pipeline.confirmationToken, {
      ...(config.opencrvs.authUrl ? { authUrl: config.opencrvs.authUrl } : {}),
      ...(config.opencrvs.systemClient ? { systemClient: config.opencrvs.systemClient } : {}),
      timeoutMs,
      logger
    })
  }
}
