export * from './auth-request.js'
export * from './auth-response.js'
