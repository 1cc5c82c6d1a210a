/**
 * MOSIP IDA demographic authentication for `POST /verify`.
 *
 * `createIdaVerifier` does all start-up work: it opens the signing keystore and IDA's
 * certificate once. When they cannot be loaded the bridge still starts (registration does not
 * need them) and `/verify` answers 503 `IDA_NOT_CONFIGURED`; the reason is logged once, at
 * start-up, naming the variable and file at fault.
 */
import type { BridgeConfig } from '../../config/index.js'
import type { IdaVerdict } from '../../core/ida-auth-result.js'
import {
  IDA_NOT_CONFIGURED,
  type IdaVerifier,
  type IdaVerifierStatus
} from '../../core/ida-verification.js'
import type { Logger } from '../../observability/logger.js'
import { IdaAuthClient, type IdaAuthClientOptions } from './ida-auth.client.js'
import { IdaSetupError, loadIdaMaterial } from './ida-material.js'

export { IdaAuthClient, randomTransactionId } from './ida-auth.client.js'

export { loadIdaMaterial } from './ida-material.js'
export type { IdaMaterial } from './ida-material.js'
export {
  base64urlPadded,
  encryptIdaSymmetric,
  encryptSessionKey,
  requestDigest
} from './ida-crypto.js'

/** Answers every verification with 503 while the IDA files are unusable. */
class UnavailableIdaVerifier implements IdaVerifier {
  readonly status: IdaVerifierStatus

  constructor(reason: string) {
    this.status = { available: false, code: IDA_NOT_CONFIGURED, reason }
  }

  async verify(): Promise<IdaVerdict> {
    return {
      kind: 'unavailable',
      code: IDA_NOT_CONFIGURED,
      reason: this.status.available ? '' : this.status.reason
    }
  }
}

/** Test seams: a fixed clock or transaction ids. */
type IdaVerifierOverrides = Pick<IdaAuthClientOptions, 'clock' | 'newTransactionId'>

export function createIdaVerifier(
  config: BridgeConfig,
  logger: Logger,
  overrides: IdaVerifierOverrides = {}
): IdaVerifier {
  const { ida } = config
  try {
    const material = loadIdaMaterial({
      encryptCertPath: ida.encryptCertPath,
      signP12Path: ida.signP12Path,
      signP12Password: ida.signP12Password
    })
    for (const [variable, certificate] of [
      ['SIGN_P12_FILE_PATH', material.signingCertificate],
      ['ENCRYPT_CERT_PATH', material.idaCertificate]
    ] as const) {
      if (certificate.expired) {
        logger.warn(
          { variable, validTo: certificate.validTo },
          'an IDA certificate has expired: IDA will refuse authentications'
        )
      }
    }
    logger.info(
      {
        signingCertificate: material.signingCertificate.thumbprint,
        idaCertificate: material.idaCertificate.thumbprint,
        individualIdType: ida.individualIdType
      },
      'IDA keys loaded: /verify is available'
    )
    return new IdaAuthClient({
      authUrl: ida.authUrl,
      partner: ida.partner,
      domainUri: ida.authDomainUri,
      env: ida.env,
      language: ida.language,
      individualIdType: ida.individualIdType,
      timeoutMs: config.pipeline.outboundTimeoutMs,
      material,
      logger,
      ...overrides
    })
  } catch (error) {
    if (!(error instanceof IdaSetupError)) throw error
    logger.error(
      { setupCode: error.code },
      `${error.message}: /verify answers 503 until the bridge restarts with usable files`
    )
    return new UnavailableIdaVerifier(error.message)
  }
}
