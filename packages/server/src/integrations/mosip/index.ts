/**
 * MOSIP: packets (packet manager and registration processor), the registration status search,
 * the WebSub subscriptions to issued credentials and to the registration processor's
 * workflow-completed events, and the keystore that decrypts credentials.
 *
 * `createMosipIntegration` builds them from the configuration, with one cached login per MOSIP
 * client (the packet client, the status client, the ID repository client and the WebSub client) shared by every job. When the credential
 * keystore cannot be opened the bridge still starts: credentials are stored and wait, and the
 * reason is logged once, at start-up.
 */
import type { BridgeConfig } from '../../config/index.js'
import { errorCode } from '../../core/error-code.js'
import { retry, type Outcome } from '../../core/outcome.js'
import type {
  CredentialDecryptor,
  IssuedCredential,
  DataShareGateway,
  MosipIdentityGateway,
  MosipPacketGateway,
  MosipStatusGateway
} from '../../core/ports.js'
import type { DependencyState } from '../../core/dependency-state.js'
import type { Logger } from '../../observability/logger.js'
import { MosipTokenSource } from './auth-token.js'
import { MosipCredentialDecryptor } from './credential-decryptor.js'
import { MosipDataShareClient } from './datashare.client.js'
import { DEFAULT_ID_SCHEMA_JSON } from './default-id-schema.js'
import { MosipIdRepositoryClient } from './id-repository.client.js'
import { MosipPacketClient } from './packet-manager.client.js'
import { MosipRegistrationStatusClient } from './registration-status.client.js'
import { WebsubSubscriber } from './websub-subscriber.js'

export interface MosipIntegration {
  packets: MosipPacketGateway
  /** MOSIP's external status of registrations, for reconciling those that stall. */
  status: MosipStatusGateway
  /** MOSIP's ID repository: deactivates the UIN of a deceased person (MOSIP_DEACTIVATE_UIN_ON_DEATH). */
  identities: MosipIdentityGateway
  decryptor: CredentialDecryptor
  /** Credentials shared by reference (`event.dataShareUri`). */
  dataShare: DataShareGateway
  /** Keeps the subscription to issued credentials alive once started. */
  subscriber: WebsubSubscriber
  /**
   * Keeps the subscription to the registration processor's workflow-completed events alive once
   * started; absent when MOSIP_WORKFLOW_COMPLETED_TOPIC is `none`. Independent of `subscriber`:
   * a hub refusing this topic (the client lacks its role) leaves the credentials' subscription be.
   */
  workflowSubscriber?: WebsubSubscriber
  /** Whether the credential keystore (DECRYPT_P12_FILE_PATH) opened at start-up. */
  credentialKeystore: DependencyState
  /** Whether the packet client's last login at MOSIP worked. */
  packetLogin: () => DependencyState
}

/** Stands in for the decryptor while the keystore cannot be opened: deliveries wait, stored. */
class UnavailableDecryptor implements CredentialDecryptor {
  constructor(private readonly reason: string) {}
  decrypt(): Promise<Outcome<IssuedCredential>> {
    return Promise.resolve(retry('KEYSTORE_UNAVAILABLE', this.reason))
  }
}

function openDecryptor(
  config: BridgeConfig,
  logger: Logger
): { decryptor: CredentialDecryptor; state: DependencyState } {
  const { decryptP12Path, decryptP12Password, checkThumbprint, extraThumbprints } =
    config.mosip.credential
  try {
    const decryptor = MosipCredentialDecryptor.fromKeystoreFile(
      decryptP12Path,
      decryptP12Password,
      { checkThumbprint, extraThumbprints }
    )
    logger.info(decryptor.describe(), 'credential keystore loaded')
    return { decryptor, state: { status: 'up' } }
  } catch (error) {
    const code = errorCode(error) ?? 'KEYSTORE_UNREADABLE'
    logger.error(
      { code, path: decryptP12Path },
      'cannot open DECRYPT_P12_FILE_PATH: credentials are stored and wait until the bridge restarts with a usable keystore'
    )
    const reason = `${code}: the credential keystore could not be opened`
    return {
      decryptor: new UnavailableDecryptor(reason),
      state: { status: 'down', detail: reason }
    }
  }
}

export function createMosipIntegration(config: BridgeConfig, logger: Logger): MosipIntegration {
  const { mosip } = config
  const timeoutMs = config.pipeline.outboundTimeoutMs
  const login = (client: { clientId: string; clientSecret: string }) =>
    new MosipTokenSource({
      authUrl: mosip.authUrl,
      clientId: client.clientId,
      secretKey: client.clientSecret,
      appId: mosip.authClientAppId,
      timeoutMs
    })
  const packetTokens = login(mosip.packetClient)
  const packets = new MosipPacketClient({
    createPacketUrl: mosip.createPacketUrl,
    processPacketUrl: mosip.processPacketUrl,
    tokens: packetTokens,
    source: config.pipeline.packetSource,
    schemaVersion: config.pipeline.schemaVersion,
    centerId: mosip.centerId,
    machineId: mosip.machineId,
    defaultSchemaJson: DEFAULT_ID_SCHEMA_JSON,
    languages: mosip.languages,
    timeoutMs
  })
  const status = new MosipRegistrationStatusClient({
    url: mosip.status.url,
    tokens: login(mosip.status.client),
    timeoutMs
  })
  const keystore = openDecryptor(config, logger)
  const identities = new MosipIdRepositoryClient({
    url: mosip.idRepository.url,
    tokens: login(mosip.idRepository.client),
    schemaVersion: config.pipeline.schemaVersion,
    timeoutMs
  })
  return {
    packets,
    status,
    identities,
    decryptor: keystore.decryptor,
    dataShare: new MosipDataShareClient({
      allowedOrigins: mosip.credential.dataShare.allowedOrigins,
      maxBytes: mosip.credential.dataShare.maxBytes,
      tokens: websubLogin(config),
      timeoutMs
    }),
    credentialKeystore: keystore.state,
    packetLogin: () => packetTokens.state(),
    ...websubSubscribers(config, logger)
  }
}

/**
 * The subscriptions at the WebSub hub: to issued credentials and, unless
 * MOSIP_WORKFLOW_COMPLETED_TOPIC is `none`, to workflow-completed events. Also what
 * `mosip-bridge websub …` sends its requests through, with the same client and secret.
 */
export function websubSubscribers(
  config: BridgeConfig,
  logger: Logger,
  callback: 'main' | 'relay' = 'main'
): Pick<MosipIntegration, 'subscriber' | 'workflowSubscriber'> {
  const { mosip } = config
  const callbackUrl =
    callback === 'main' ? mosip.websub.callbackUrl : relayCallbackUrl(mosip.websub.callbackUrl)
  // Both subscriptions: same hub, callback, secret and WebSub client. Each has its own login, so
  // that the hub refusing one (which drops that token) never touches the other's.
  const subscribeTo = (topic: string) =>
    new WebsubSubscriber({
      hubUrl: mosip.websub.hubUrl,
      topic,
      callbackUrl,
      secret: mosip.websub.secret,
      tokens: websubLogin(config),
      intervalMs: config.pipeline.resubscribeMs,
      timeoutMs: config.pipeline.outboundTimeoutMs,
      logger
    })
  const { workflowCompletedTopic } = mosip.websub
  return {
    subscriber: subscribeTo(mosip.websub.topic),
    ...(workflowCompletedTopic !== undefined
      ? { workflowSubscriber: subscribeTo(workflowCompletedTopic) }
      : {})
  }
}

/**
 * The relay callback (`/relay` added to the callback's path), where the bridge also takes
 * deliveries while `mosip-bridge websub resubscribe` moves its subscriptions to a new secret.
 */
export function relayCallbackUrl(callbackUrl: string): string {
  const url = new URL(callbackUrl)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/relay`
  return url.toString()
}

/** A login of the WebSub client (MOSIP_WEBSUB_AUTH_CLIENT_*). */
export function websubLogin(config: BridgeConfig): MosipTokenSource {
  const { mosip } = config
  return new MosipTokenSource({
    authUrl: mosip.authUrl,
    clientId: mosip.websub.client.clientId,
    secretKey: mosip.websub.client.clientSecret,
    appId: mosip.authClientAppId,
    timeoutMs: config.pipeline.outboundTimeoutMs
  })
}
