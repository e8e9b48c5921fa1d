/**
 * The Google emulator (Gmail metadata, Calendar events, OAuth) used by the tests,
 * `rekindle demo` and the benchmarks. See emulator-types.ts for the contract and
 * seed-types.ts for the seed format.
 */
export { startGoogleEmulator } from './google-emulator.ts';
export { loadMailboxSeed, mailboxSeedFromMaildir } from './seed-loader.ts';
export type {
  ApiMethod,
  AuthorizationCodeOptions,
  Fault,
  RandomFaults,
  GoogleEmulator,
  GoogleEmulatorOptions,
  MethodUsage,
  QuotaUsage,
  RequestRecord,
} from './emulator-types.ts';
export type {
  MaildirSeed,
  MailboxSeed,
  SeedAttendee,
  SeedEvent,
  SeedEventTime,
  SeedHeader,
  SeedMessage,
  SeedPerson,
  SkippedSeedFile,
} from './seed-types.ts';
