// Loaded by .mocharc.json before any test file (and by the load bench): every temporary directory of a run goes under one, removed when the run ends.
//
// Tests and benches make their outboxes, databases and recordings with mkdtemp(os.tmpdir()); a
// run made ≈ 450 of them and left them behind. os.tmpdir() reads TMPDIR at each call, and child
// processes (the simulator, mp3 workers, Chromium) inherit it. CALLWARDEN_KEEP_TEST_TMP=1 keeps
// the directory (its path is printed) to look at what a run wrote.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const outer = tmpdir();
const runDir = mkdtempSync(join(outer, 'callwarden-test-run-'));
process.env.TMPDIR = runDir;

/** Removes the run's directory (or names it, with CALLWARDEN_KEEP_TEST_TMP=1); later temporary files go to the system's again. */
export function removeRunTempDir(): void {
  process.env.TMPDIR = outer;
  if (process.env.CALLWARDEN_KEEP_TEST_TMP === '1') {
    console.log(`the run's temporary files are kept in ${runDir}`);
    return;
  }
  rmSync(runDir, { recursive: true, force: true });
}

export const mochaHooks = { afterAll: removeRunTempDir };
