import type { BridgeConfig } from '../config/index.js'
import type { IdaVerifier } from '../core/ida-verification.js'
import { createEsignetClient, type EsignetLogin } from '../integrations/esignet/index.js'
import { createIdaVerifier } from '../integrations/ida/index.js'
import { createMosipIntegration, type MosipIntegration } from '../integrations/mosip/index.js'
import {
  createOpencrvsIntegration,
  type OpencrvsIntegration
} from '../integrations/opencrvs/index.js'
import type { Logger } from '../observability/logger.js'

/** Every partner system, each built by the factory in its `integrations/<partner>/index.ts`. */
export interface Integrations {
  mosip: MosipIntegration
  opencrvs: OpencrvsIntegration
  /** IDA demographic authentication, for `/verify`. */
  ida: IdaVerifier
  /** E-Signet relying-party logins, for `/esignet/get-oidp-user-info`. */
  esignet: EsignetLogin
}

/**
 * Builds the partner clients. Key files are read here, once; a partner whose files are unusable
 * is replaced by a stand-in that explains why (deliveries wait, or its routes answer 503), so
 * the bridge starts whatever is missing. Nothing here waits for a partner to answer.
 */
export function buildIntegrations(config: BridgeConfig, logger: Logger): Integrations {
  return {
    mosip: createMosipIntegration(config, logger),
    opencrvs: createOpencrvsIntegration(config, logger),
    ida: createIdaVerifier(config, logger),
    esignet: createEsignetClient(config, logger)
  }
}
