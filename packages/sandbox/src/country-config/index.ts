export {
  startExampleCountryConfig,
  type ExampleCountryConfig,
  type ExampleCountryConfigOptions
} from './example-country-config.js'
export { createTriggerTokenVerifier, type TokenCheck } from './trigger-token.js'
