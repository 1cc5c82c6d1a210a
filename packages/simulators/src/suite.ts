import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createEsignetSimulator, SUPPORTED_CLAIMS, type EsignetSimulator } from './esignet/index.js'
import type { MosipClient } from './mosip/core/auth-manager.js'
import {
  createMosipSimulator,
  DEFAULT_MOSIP_CLIENTS,
  type MosipSimulator
} from './mosip/mosip-simulator.js'
import { createOpencrvsSimulator, type OpencrvsSimulator } from './opencrvs/index.js'
import type { CredentialShareMode } from './mosip/core/credential-issuer.js'
import {
  MOSIP_AUTH_CLIENT_ID_SECRET_KEY_PATH,
  MOSIP_CREATE_PACKET_PATH,
  MOSIP_WORKFLOW_INSTANCE_PATH,
  OPENCRVS_SCOPE,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'

export interface SimulatorSuiteOptions {
  /** Folder the key material for the bridge is written to. */
  dir: string
  host?: string
  /** 0 (default) picks free ports. */
  ports?: { mosip?: number; esignet?: number; opencrvs?: number }
  /** Where the bridge listens (its WebSub callback URL is derived from it). */
  bridgeUrl?: string
  opencrvsVersion?: OpencrvsVersion
  /** Where the simulated OpenCRVS core sends action triggers. */
  countryConfigUrl?: string
  partnerKeyBits?: 2048 | 4096
  /** How MOSIP hands credentials over: inline (default) or by data share (`dataShareUri`). */
  credentialShareBy?: CredentialShareMode
  stepDelayMs?: number
  hubRetryDelaysMs?: number[]
  /** How the hub commits deliveries (default `poll-batch`, as MOSIP's hub). */
  hubCommitMode?: 'message' | 'poll-batch'
  websubSecret?: string
  /**
   * Whether the hub checks topic roles as MOSIP's does (default false); see
   * `MosipSimulatorOptions.hubTopicRoles`.
   */
  hubTopicRoles?: boolean
  /**
   * The MOSIP client the bridge subscribes at the hub with (its id and secret go into the
   * bridge's environment). Default `DEFAULT_MOSIP_CLIENTS.websub`, with every role.
   */
  websubClient?: MosipClient
  keystorePassword?: string
  /**
   * MOSIP's mandatory languages (default `['eng']`): ID validation rejects a packet whose
   * multi-language field lacks one. The bridge's environment gets them as `MOSIP_LANGUAGES`.
   */
  mandatoryLanguages?: string[]
  /** Document fields ID validation requires in every packet (default none). */
  requiredDocuments?: string[]
  /**
   * E-Signet userinfo: `none` (default) a plain JWS; `assertion-key` a JWE encrypted to the
   * client's assertion key; `separate-key` a JWE encrypted to a separately registered encryption
   * key, whose private JWK the bridge gets as `OIDP_CLIENT_ENCRYPTION_KEY_PATH`.
   */
  esignetUserinfoEncryption?: EsignetUserinfoEncryption
}

export type EsignetUserinfoEncryption = 'none' | 'assertion-key' | 'separate-key'

export interface SimulatorSuite {
  mosip: MosipSimulator
  esignet: EsignetSimulator
  opencrvs: OpencrvsSimulator
  /**
   * The environment a bridge needs, under mosip-api's variable names: with `referenceEnv` it is
   * also every variable OpenCRVS's reference mosip-api requires in production.
   */
  env: Record<string, string>
  /**
   * Variables only the reference mosip-api reads (its 1.9 line requires them in production; it
   * never uses them): the bridge ignores them and warns when they are set, so they are kept out
   * of `env`. `mosip-bridge-sim` prints both.
   */
  referenceEnv: Record<string, string>
  close(): Promise<void>
}

/**
 * People MOSIP registered before the simulation: in the ID repository (IDA authenticates them,
 * a death may name them) and E-Signet's users, for verification and login demos.
 */
export const SAMPLE_IDENTITIES = [
  {
    uin: '5836471920',
    vids: ['6491527384012569'],
    name: 'Chanda Mwila Bwalya',
    given: 'Chanda',
    middle: 'Mwila',
    family: 'Bwalya',
    dob: '1990/04/12',
    gender: 'female'
  },
  {
    uin: '7319402856',
    vids: [],
    name: 'Joseph Banda',
    given: 'Joseph',
    middle: undefined,
    family: 'Banda',
    dob: '1985/11/30',
    gender: 'male'
  }
] as const

/**
 * Starts the simulated MOSIP (with IDA and the WebSub hub), E-Signet and OpenCRVS, writes the key
 * material a bridge needs into `dir`, and returns the bridge's environment.
 */
export async function startSimulators(options: SimulatorSuiteOptions): Promise<SimulatorSuite> {
  const dir = resolve(options.dir)
  mkdirSync(dir, { recursive: true })
  const host = options.host ?? '127.0.0.1'
  const password = options.keystorePassword ?? 'mosip123'
  const websubSecret = options.websubSecret ?? 'mosip-websub-secret'
  const bridgeUrl = (options.bridgeUrl ?? 'http://localhost:2024').replace(/\/$/, '')

  const websubClient = options.websubClient ?? DEFAULT_MOSIP_CLIENTS.websub
  const mosip = await createMosipSimulator({
    host,
    clients: [DEFAULT_MOSIP_CLIENTS.packet, websubClient],
    ...(options.hubTopicRoles !== undefined ? { hubTopicRoles: options.hubTopicRoles } : {}),
    port: options.ports?.mosip ?? 0,
    partnerKeyBits: options.partnerKeyBits ?? 2048,
    ...(options.credentialShareBy ? { credentialShareBy: options.credentialShareBy } : {}),
    ...(options.stepDelayMs !== undefined ? { stepDelayMs: options.stepDelayMs } : {}),
    ...(options.hubRetryDelaysMs ? { hubRetryDelaysMs: options.hubRetryDelaysMs } : {}),
    ...(options.hubCommitMode ? { hubCommitMode: options.hubCommitMode } : {}),
    packetManager: {
      idValidation: {
        ...(options.mandatoryLanguages ? { mandatoryLanguages: options.mandatoryLanguages } : {}),
        ...(options.requiredDocuments ? { requiredDocuments: options.requiredDocuments } : {})
      }
    },
    ida: {
      supportedLanguages: options.mandatoryLanguages ?? ['eng'],
      identities: SAMPLE_IDENTITIES.map((person) => ({
        uin: person.uin,
        vids: [...person.vids],
        name: { eng: person.name },
        dob: person.dob,
        gender: person.gender
      }))
    }
  })
  const userinfoEncryption = options.esignetUserinfoEncryption ?? 'none'
  const esignet = await createEsignetSimulator({
    host,
    port: options.ports?.esignet ?? 0,
    clients: [
      {
        clientId: 'opencrvs-mosip-client',
        redirectUris: ['*'],
        userinfoResponseType: userinfoEncryption === 'none' ? 'JWS' : 'JWE',
        encryptionKey: userinfoEncryption === 'separate-key' ? 'separate' : 'assertion'
      }
    ],
    users: SAMPLE_IDENTITIES.map((person) => ({
      individualId: person.uin,
      given_name: person.given,
      ...(person.middle ? { middle_name: person.middle } : {}),
      family_name: person.family,
      gender: person.gender,
      birthdate: person.dob
    })),
    autoApprove: SAMPLE_IDENTITIES[0].uin
  })
  const opencrvs = await createOpencrvsSimulator({
    host,
    port: options.ports?.opencrvs ?? 0,
    version: options.opencrvsVersion ?? 'v2.0',
    ...(options.countryConfigUrl ? { countryConfigUrl: options.countryConfigUrl } : {})
  })

  const files = {
    decrypt: join(dir, 'keystore.p12'),
    sign: join(dir, 'sign-keystore.p12'),
    idaCert: join(dir, 'ida-partner.crt'),
    esignetJwk: join(dir, 'esignet-jwk.txt'),
    esignetEncryptionJwk: join(dir, 'esignet-encryption-jwk.txt')
  }
  writeFileSync(files.decrypt, mosip.core.issuer.partnerKeystore(password), { mode: 0o600 })
  const idaMaterial = mosip.ida.bridgeMaterial(password)
  writeFileSync(files.sign, idaMaterial.signKeystore, { mode: 0o600 })
  writeFileSync(files.idaCert, idaMaterial.idaCertificatePem)
  writeFileSync(files.esignetJwk, esignet.clientPrivateKeyBase64(), { mode: 0o600 })
  if (userinfoEncryption === 'separate-key') {
    writeFileSync(files.esignetEncryptionJwk, esignet.clientEncryptionKeyBase64(), { mode: 0o600 })
  }

  const version = options.opencrvsVersion ?? 'v2.0'
  const systemClient = opencrvs.systemClients[0]
  const env: Record<string, string> = {
    // Required in production by both implementations; no simulator reads them.
    LOCALE: 'en',
    CLIENT_APP_URL: opencrvs.url,
    SQLITE_DATABASE_PATH: join(dir, 'mosip-bridge.db'),
    MOSIP_AUTH_URL: `${mosip.url}${MOSIP_AUTH_CLIENT_ID_SECRET_KEY_PATH}`,
    MOSIP_AUTH_CLIENT_APP_ID: DEFAULT_MOSIP_CLIENTS.packet.appId,
    MOSIP_PACKET_AUTH_CLIENT_ID: DEFAULT_MOSIP_CLIENTS.packet.clientId,
    MOSIP_PACKET_AUTH_CLIENT_SECRET: DEFAULT_MOSIP_CLIENTS.packet.secretKey,
    MOSIP_WEBSUB_AUTH_CLIENT_ID: websubClient.clientId,
    MOSIP_WEBSUB_AUTH_CLIENT_SECRET: websubClient.secretKey,
    MOSIP_CREATE_PACKET_URL: `${mosip.url}${MOSIP_CREATE_PACKET_PATH}`,
    MOSIP_CENTER_ID: '10001',
    MOSIP_LANGUAGES: mosip.core.packets.idValidation().mandatoryLanguages.join(','),
    MOSIP_MACHINE_ID: '10004',
    MOSIP_PROCESS_PACKET_URL: `${mosip.url}${MOSIP_WORKFLOW_INSTANCE_PATH}`,
    MOSIP_WEBSUB_HUB_URL: mosip.hub.hubUrl,
    MOSIP_WEBSUB_TOPIC: mosip.core.issuer.topic,
    MOSIP_WEBSUB_SECRET: websubSecret,
    MOSIP_WEBSUB_CALLBACK_URL: `${bridgeUrl}/websub/callback`,
    DECRYPT_P12_FILE_PATH: files.decrypt,
    DECRYPT_P12_FILE_PASSWORD: password,
    IDA_AUTH_URL: `${mosip.url}/idauthentication/v1/auth`,
    IDA_AUTH_DOMAIN_URI: mosip.url,
    PARTNER_MISP_LK: mosip.idaOptions.mispLicenseKey,
    PARTNER_ID: mosip.idaOptions.partnerId,
    PARTNER_APIKEY: mosip.idaOptions.apiKey,
    ENCRYPT_CERT_PATH: files.idaCert,
    SIGN_P12_FILE_PATH: files.sign,
    SIGN_P12_FILE_PASSWORD: password,
    ESIGNET_TOKEN_URL: esignet.endpoints.token,
    ESIGNET_USERINFO_URL: esignet.endpoints.userinfo,
    OIDP_CLIENT_PRIVATE_KEY_PATH: files.esignetJwk,
    ...(userinfoEncryption === 'separate-key'
      ? { OIDP_CLIENT_ENCRYPTION_KEY_PATH: files.esignetEncryptionJwk }
      : {}),
    OPENCRVS_GATEWAY_URL: opencrvs.gatewayUrl,
    OPENCRVS_AUTH_URL: opencrvs.authUrl,
    OPENCRVS_PUBLIC_KEY_URL: opencrvs.publicKeyUrl,
    ...(version === 'v2.1' && systemClient
      ? {
          OPENCRVS_CLIENT_ID: systemClient.clientId,
          OPENCRVS_CLIENT_SECRET: systemClient.clientSecret,
          OPENCRVS_CONFIRMATION_TOKEN: 'system-client',
          OPENCRVS_INTAKE_SCOPE: 'none'
        }
      : {}),
    ...(version === 'v1.9' ? { OPENCRVS_INTAKE_SCOPE: OPENCRVS_SCOPE.confirmRegistration } : {})
  }

  const referenceEnv: Record<string, string> = {
    // The credential issuer's verification method: the one URL the allowlist should hold.
    MOSIP_VERIFIABLE_CREDENTIAL_ALLOWLIST: mosip.core.issuer.verificationMethod,
    // mosip-api 1.9's development values; nothing is served there and nothing calls them.
    MOSIP_BIRTH_WEBHOOK_URL: `${mosip.url}/webhooks/opencrvs/birth`,
    MOSIP_DEATH_WEBHOOK_URL: `${mosip.url}/webhooks/opencrvs/death`,
    OPENID_PROVIDER_CLAIMS: SUPPORTED_CLAIMS.join(',')
  }

  return {
    mosip,
    esignet,
    opencrvs,
    env,
    referenceEnv,
    close: async () => {
      await Promise.allSettled([mosip.close(), esignet.close(), opencrvs.close()])
    }
  }
}

/** `KEY=value` lines, one a variable, quoted when needed. */
export function formatEnvironment(env: Record<string, string>): string {
  return Object.entries(env)
    .map(
      ([key, value]) => `${key}=${/^[\w./:@%+,-]*$/.test(value) ? value : JSON.stringify(value)}`
    )
    .join('\n')
}
