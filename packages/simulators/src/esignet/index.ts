export {
  createEsignetSimulator,
  ESIGNET_ACR_VALUES,
  ESIGNET_SERVICES,
  EsignetSimulator,
  type EsignetEndpoints,
  type EsignetSimulatorOptions,
  type UserinfoSigner
} from './esignet-simulator.js'
export type {
  EncryptionKeyMode,
  EsignetClientInput,
  RegisteredClient,
  UserinfoResponseType
} from './client-registry.js'
export { SUPPORTED_CLAIMS, type EsignetUser } from './esignet-user.js'
