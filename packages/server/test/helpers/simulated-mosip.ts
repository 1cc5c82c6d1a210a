/**
 * The bridge's own MOSIP clients against the simulated MOSIP, for tests that need MOSIP to hold a
 * processed packet (a registration status, an identity with a UIN) before they check their own
 * client.
 */
import assert from 'node:assert/strict'
import { DEFAULT_MOSIP_CLIENTS, type MosipSimulator } from '@mosip-bridge/simulators'
import { MosipTokenSource } from '../../src/integrations/mosip/auth-token.js'
import { MosipPacketClient } from '../../src/integrations/mosip/packet-manager.client.js'
import { DEFAULT_ID_SCHEMA_JSON } from '../../src/integrations/mosip/default-id-schema.js'
import { CALL_TIMEOUT_MS } from './mosip-auth-manager.js'

/** Tokens of the simulated MOSIP's packet client, the one the bridge logs in with. */
export function packetClientTokens(mosip: MosipSimulator): MosipTokenSource {
  const client = DEFAULT_MOSIP_CLIENTS.packet
  return new MosipTokenSource({
    authUrl: `${mosip.url}/v1/authmanager/authenticate/clientidsecretkey`,
    clientId: client.clientId,
    secretKey: client.secretKey,
    appId: client.appId,
    timeoutMs: CALL_TIMEOUT_MS
  })
}

/** Submits a birth's packet the way the bridge does: createPacket, then workflowinstance. */
export async function submitBirthPacket(
  mosip: MosipSimulator,
  registrationId: string
): Promise<void> {
  const packets = new MosipPacketClient({
    createPacketUrl: `${mosip.url}/commons/v1/packetmanager/createPacket`,
    processPacketUrl: `${mosip.url}/registrationprocessor/v1/workflowmanager/workflowinstance`,
    tokens: packetClientTokens(mosip),
    source: 'CRVS1',
    schemaVersion: '0.500',
    centerId: '10001',
    machineId: '10004',
    defaultSchemaJson: DEFAULT_ID_SCHEMA_JSON,
    timeoutMs: CALL_TIMEOUT_MS
  })
  const created = await packets.createPacket({
    id: registrationId,
    process: 'CRVS_NEW',
    fields: {
      fullName: '[{"language":"eng","value":"Leo Bwalya"}]',
      dateOfBirth: '2025/03/14',
      gender: '[{"language":"eng","value":"Male"}]',
      addressLine1: '[{"language":"eng","value":"12 Palm Rd"}]',
      birthCertificateNumber: `B${registrationId}`,
      IDSchemaVersion: '0.5'
    },
    metaInfo: { metaData: '[]', creationDate: '202503121345' },
    audits: [{ uuid: registrationId, eventId: 'OPENCRVS_CREATE_PACKET' }]
  })
  assert.equal(created.kind, 'ok', JSON.stringify(created))
  const started = await packets.startWorkflow({
    registrationId,
    process: 'CRVS_NEW',
    notification: { name: '', phone: '', email: '' }
  })
  assert.equal(started.kind, 'ok', JSON.stringify(started))
}
