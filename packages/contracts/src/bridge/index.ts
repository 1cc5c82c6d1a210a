export * from './intake.js'
