import { writeFileSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import { formatEnvironment, startSimulators } from '../suite.js'

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port')
  return n
}

const program = new Command('mosip-bridge-sim')
  .description(
    'Start the simulated MOSIP (auth, packet manager, registration processor, WebSub hub, IDA), ' +
      'E-Signet and OpenCRVS, write their keys for the bridge, and print its environment ' +
      "(every variable the bridge or OpenCRVS's reference mosip-api needs, in production too)."
  )
  .option('--dir <path>', 'folder for the key material given to the bridge', 'data/simulators')
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--mosip-port <port>', 'simulated MOSIP', port, 20240)
  .option('--esignet-port <port>', 'simulated E-Signet', port, 20260)
  .option('--opencrvs-port <port>', 'simulated OpenCRVS (auth and gateway)', port, 7070)
  .option(
    '--bridge-url <url>',
    'where the bridge listens (for the WebSub callback)',
    'http://localhost:2024'
  )
  .option('--opencrvs-version <version>', 'v1.9, v2.0 or v2.1', 'v2.0')
  .option('--country-config-url <url>', 'where simulated OpenCRVS sends action triggers')
  .option('--partner-key-bits <bits>', '2048 or 4096', '2048')
  .option(
    '--mandatory-languages <codes>',
    "MOSIP's mandatory languages, comma-separated (a packet lacking one in a multi-language field is rejected)",
    'eng'
  )
  .option(
    '--required-documents <fields>',
    'document fields (e.g. proofOfDateOfBirth) every packet must carry, comma-separated',
    ''
  )
  .option(
    '--credential-share <mode>',
    "how MOSIP hands credentials over: inline (in the event) or datashare (the event's dataShareUri, served by the simulated datashare)",
    'inline'
  )
  .option(
    '--esignet-userinfo-encryption <mode>',
    "E-Signet userinfo: none (a signed JWT, signed by IDA's key), assertion-key (a JWE to the client's assertion key) or separate-key (a JWE to a separately registered encryption key, given as OIDP_CLIENT_ENCRYPTION_KEY_PATH)",
    'none'
  )
  .option('--env-file <path>', 'also write the environment to this file')
  .action(async (options: Record<string, string | number | undefined>) => {
    const version = String(options.opencrvsVersion)
    if (!['v1.9', 'v2.0', 'v2.1'].includes(version)) {
      process.stderr.write('--opencrvs-version must be v1.9, v2.0 or v2.1\n')
      process.exit(2)
    }
    const bits = Number(options.partnerKeyBits)
    if (bits !== 2048 && bits !== 4096) {
      process.stderr.write('--partner-key-bits must be 2048 or 4096\n')
      process.exit(2)
    }
    const list = (value: unknown) =>
      String(value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    const mandatoryLanguages = list(options.mandatoryLanguages).map((code) => code.toLowerCase())
    if (mandatoryLanguages.length === 0 || mandatoryLanguages.some((c) => !/^[a-z]{3}$/.test(c))) {
      process.stderr.write('--mandatory-languages must be language codes such as eng,ara\n')
      process.exit(2)
    }
    const requiredDocuments = list(options.requiredDocuments)
    const credentialShare = String(options.credentialShare)
    if (credentialShare !== 'inline' && credentialShare !== 'datashare') {
      process.stderr.write('--credential-share must be inline or datashare\n')
      process.exit(2)
    }
    const userinfoEncryption = String(options.esignetUserinfoEncryption)
    if (!['none', 'assertion-key', 'separate-key'].includes(userinfoEncryption)) {
      process.stderr.write(
        '--esignet-userinfo-encryption must be none, assertion-key or separate-key\n'
      )
      process.exit(2)
    }
    const suite = await startSimulators({
      esignetUserinfoEncryption: userinfoEncryption as 'none' | 'assertion-key' | 'separate-key',
      credentialShareBy: credentialShare,
      mandatoryLanguages,
      requiredDocuments,
      dir: String(options.dir),
      host: String(options.host),
      ports: {
        mosip: Number(options.mosipPort),
        esignet: Number(options.esignetPort),
        opencrvs: Number(options.opencrvsPort)
      },
      bridgeUrl: String(options.bridgeUrl),
      opencrvsVersion: version as 'v1.9' | 'v2.0' | 'v2.1',
      partnerKeyBits: bits,
      ...(options.countryConfigUrl ? { countryConfigUrl: String(options.countryConfigUrl) } : {})
    })
    const text = formatEnvironment({ ...suite.env, ...suite.referenceEnv })
    if (options.envFile) writeFileSync(String(options.envFile), `${text}\n`)
    process.stderr.write(
      `simulated MOSIP    ${suite.mosip.url}\n` +
        `simulated E-Signet ${suite.esignet.url}\n` +
        `simulated OpenCRVS ${suite.opencrvs.url}\n` +
        `MOSIP mandatory languages ${mandatoryLanguages.join(',')}; required documents ${requiredDocuments.join(',') || 'none'}; credentials ${credentialShare === 'datashare' ? 'by data share' : 'inline'}\n` +
        `keys in ${String(options.dir)}; control APIs under /_sim on each. Ctrl+C stops.\n\n`
    )
    process.stdout.write(`${text}\n`)
    const stop = () => {
      void suite.close().then(() => process.exit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })

await program.parseAsync(process.argv)
