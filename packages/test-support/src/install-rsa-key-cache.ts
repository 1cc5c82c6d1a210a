/** Loaded with `--import` by scripts/run-tests.mjs: every test process shares the key cache. */
import { installRsaKeyCache } from './rsa-key-cache.js'

installRsaKeyCache()
