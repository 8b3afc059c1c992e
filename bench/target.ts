// One line per issue-12 target a bench part measures, so `make bench` says for itself what is met.

/** Prints `  target  <what>: <measured> (target <goal>) — met|NOT met`. */
export function target(what: string, measured: string, goal: string, met: boolean): void {
  console.log(`  target  ${what}: ${measured} (target ${goal}) — ${met ? 'met' : 'NOT met'}`);
}
