/** Import directions between packages and inside the server (see the README's architecture section). */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^packages/[^/]+/src' },
      to: { circular: true }
    },
    {
      name: 'contracts-import-nothing-of-ours',
      comment:
        'contracts holds wire schemas only; every package may depend on it, it depends on none',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: '^packages/(server|client|simulators|sandbox)/' }
    },
    {
      name: 'server-and-client-never-import-fakes',
      severity: 'error',
      from: { path: '^packages/(server|client)/src/' },
      to: { path: '^packages/(simulators|sandbox)/' }
    },
    {
      name: 'client-is-independent-of-server',
      severity: 'error',
      from: { path: '^packages/client/src/' },
      to: { path: '^packages/server/' }
    },
    {
      name: 'simulators-import-only-contracts',
      comment:
        'the fakes must check the server independently, so they never reuse its logic or crypto',
      severity: 'error',
      from: { path: '^packages/simulators/' },
      to: { path: '^packages/(server|client|sandbox)/' }
    },
    {
      name: 'test-support-only-in-tests',
      comment:
        'packages/test-support is dev-only: tests may import it, the code a package ships may not',
      severity: 'error',
      from: { path: '^packages/[^/]+/(src|bin)/', pathNot: '^packages/test-support/' },
      to: { path: '^packages/test-support/' }
    },
    {
      name: 'test-support-imports-no-package-of-ours',
      comment: 'shared test support stays neutral so that the tests of every package can use it',
      severity: 'error',
      from: { path: '^packages/test-support/' },
      to: { path: '^packages/(contracts|server|client|simulators|sandbox)/' }
    },
    {
      name: 'core-is-pure',
      comment: 'server/src/core holds pure logic: no framework, database, network or file system',
      severity: 'error',
      from: { path: '^packages/server/src/core/' },
      to: {
        path: [
          'node_modules/(fastify|kysely|pg|better-sqlite3|pino|dotenv|commander)(/|$)',
          '^(fs|http|https|net|child_process|node:fs|node:http|node:https|node:net|node:child_process)$',
          '^packages/server/src/(?!core/)'
        ]
      }
    },
    {
      name: 'sql-only-in-store-and-queue',
      comment:
        'only server/src/store and server/src/queue build queries: elsewhere kysely may be imported for its types, never for values (query builders, sql``)',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/', pathNot: '^packages/server/src/(store|queue)/' },
      to: { path: 'node_modules/kysely(/|$)', dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'only-config-reads-env',
      comment: 'enforced by lint (no-restricted-properties); listed here for the record',
      severity: 'ignore',
      from: {},
      to: {}
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^packages/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      mainFields: ['module', 'main']
    }
  }
}
