// every-nth through the simulator: the agent's calls 3, 6 and 9 are recorded, counted in the database across a restart.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulator } from '../../src/simulator/simulator';
import { until } from '../support/wait';
import { agentPicksUp, groupDialplan, hotline, startHarness, talkAndHangUp, tmpOutbox, type Harness } from './call-harness';

describe('calls: every-nth', () => {
  let sim: Simulator;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    await sim.stop();
  });

  it('records exactly the agent\'s calls 3, 6 and 9 across a daemon restart (new Daemon, same SQLite file)', async () => {
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    sim = new Simulator({ recordingsDir, heartbeatSeconds: 0, dialplan: groupDialplan(() => sim) });
    await sim.listen(0);
    const store = { filename: join(mkdtempSync(join(tmpdir(), 'callwarden-db-')), 'callwarden.sqlite'), outboxDir: tmpOutbox() };
    const options = {
      sim,
      store,
      recordingsDir,
      recording: { groups: { hotline: hotline({ mode: 'every-nth', everyNth: 3 }) }, extensions: { '1001': { group: 'hotline' } } },
    };
    const recorded: number[] = [];
    const run = async (n: number): Promise<void> => {
      const harness = h!;
      const call = sim.placeCall({ from: `+4930555${n}`, to: '5000' });
      await agentPicksUp(sim, call, '1001', true);
      const sampled = n % 3 === 0;
      if (sampled) await until(harness.daemon.registry.calls$, () => harness.daemon.registry.get(call.uuid)?.recording === true, `RECORD_START of call ${n}`);
      await talkAndHangUp(harness, call, 2000);
      if (sim.received.some((c) => c.line === `api uuid_record ${call.uuid} start ${recordingsDir}/${call.uuid}/01-both.wav`)) recorded.push(n);
      const facts = (await harness.evidence(call.uuid)).find((e) => e.kind === 'agent_facts')?.detail as { callNumber: number };
      expect(facts.callNumber, `call ${n}'s number from the database`).to.equal(n);
    };
    h = await startHarness(options);
    for (let n = 1; n <= 4; n++) await run(n);
    await h.stop();
    h = await startHarness({ ...options, consenting: [] }); // consent is already on file in that database
    for (let n = 5; n <= 9; n++) await run(n);
    expect(recorded).to.deep.equal([3, 6, 9]);
    // Only sampled calls hear the notice: a caller is never told of a recording that cannot happen.
    expect(sim.received.filter((c) => c.headers['execute-app-name'] === 'play_and_get_digits')).to.have.length(3);
  });
});
