export * from './authorize.js'
export * from './token.js'
export * from './userinfo.js'
