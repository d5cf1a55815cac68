// How the fast tier learns that a call needs more than it has: the build's stand-ins (tsup.config.ts) and its
// file writes (src/bin/fast-fs.ts) report here and throw; the tier then hands the call over (src/bin/credential-fast.ts).

let missed: string | undefined;

/** The first thing the call needed that only the full build has, if any. */
export const fastTierMissed = (): string | undefined => missed;

/** The build's stand-ins call this: the call needs `what`, which only the full build has (or does). */
export function fastTierMiss(what: string): Error {
  missed ??= what;
  return new Error(`${what} is not in the helpers' fast tier`);
}
