export * from './mosip/index.js'
export * from './opencrvs/index.js'
export * from './esignet/index.js'
export * from './ida/index.js'
