/**
 * The Microsoft Graph and identity platform emulator used by the tests, `rekindle demo` and the
 * benchmarks. See emulator-types.ts for the contract; it takes the Google emulator's seed format
 * (../google/seed-types.ts), so one seed can be served by both.
 */
export { startGraphEmulator } from './graph-emulator.ts';
export { DEFAULT_SCOPES as GRAPH_DEFAULT_SCOPES } from './identity-grants.ts';
export type {
  AuthorizationCodeOptions,
  Fault,
  RandomFaults,
  GraphEmulator,
  GraphEmulatorOptions,
  GraphMethod,
  MailboxProfile,
  MailboxUsage,
  MethodUsage,
  RequestRecord,
  WellKnownFolder,
} from './emulator-types.ts';
