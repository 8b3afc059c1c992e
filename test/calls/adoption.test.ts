// A daemon restarted mid-call adopts the call: no second recording, the running one stopped and checked at hangup.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Simulator } from '../../src/simulator/simulator';
import { until } from '../support/wait';
import { agentPicksUp, decisionsOf, groupDialplan, hotline, startHarness, tmpOutbox, uuidRecords, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('calls: a call already running when the daemon (re)starts', () => {
  let sim: Simulator | undefined;
  let first: Harness | undefined;
  let second: Harness | undefined;
  afterEach(async () => {
    await second?.stop();
    await first?.stop().catch(() => undefined);
    await sim?.stop();
    first = second = sim = undefined;
  });

  function setup() {
    const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
    const store = { filename: join(mkdtempSync(join(tmpdir(), 'callwarden-db-')), 'callwarden.sqlite'), outboxDir: tmpOutbox() };
    const s: Simulator = new Simulator({ recordingsDir, heartbeatSeconds: 0, dialplan: groupDialplan(() => s) });
    sim = s;
    return { sim: s, recordingsDir, store };
  }

  it('is adopted by the new daemon on the same database: no second start, stopped and checked at hangup, evidence notes it', async () => {
    const { sim, recordingsDir, store } = setup();
    first = await startHarness({ sim, recordingsDir, store, recording: OPT_IN });
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await until(first.daemon.registry.calls$, () => first?.daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    await sim.advance(5000);

    // The daemon goes away mid-call (its call socket closes; the bridge goes on), and a new one starts.
    await first.stop();
    first = undefined;
    expect(call.caller.ch.alive).to.equal(true);
    const since = sim.received.length;
    second = await startHarness({ sim, recordingsDir, store, recording: OPT_IN });
    const controller = await second.controllerOf(call.uuid);

    await sim.advance(5000);
    sim.hangup(call);
    await sim.advance(1000);
    await controller.done;

    const path = `${recordingsDir}/${call.uuid}/01-both.wav`;
    // One start in the whole call; the new daemon re-sent only the mask state it could not know.
    expect(uuidRecords(sim).filter((l) => l.includes(' start '))).to.deep.equal([`api uuid_record ${call.uuid} start ${path}`]);
    expect(sim.received.slice(since).map((c) => c.line).filter((l) => l.includes('uuid_record'))).to.deep.equal([`api uuid_record ${call.uuid} unmask ${path}`]);
    const rows = await second.recordings(call.uuid);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ status: 'ok', segment: 1, filePath: path });
    const ev = await second.evidence(call.uuid);
    const adopted = ev.find((e) => e.kind === 'adopted')?.detail as Record<string, unknown>;
    expect(adopted).to.include({ group: 'hotline', consent: 'given', agent: '1001' });
    expect(adopted.running).to.deep.equal([path]);
    expect(ev.slice(ev.findIndex((e) => e.kind === 'adopted')).map((e) => e.kind)).to.include.members(['decision', 'fs_confirmed', 'recording_checked']);
    expect(decisionsOf(ev).at(-1)?.reason).to.contain('the caller agreed with DTMF 1');
    // every-nth's counter and the agent's consent were taken once, by the first daemon.
    expect(ev.filter((e) => e.kind === 'agent_facts')).to.have.length(1);
  });

  it('is re-checked from then on: a 9 after the restart stops the recording the first daemon started', async () => {
    const { sim, recordingsDir, store } = setup();
    first = await startHarness({ sim, recordingsDir, store, recording: OPT_IN });
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await until(first.daemon.registry.calls$, () => first?.daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
    await first.stop();
    first = undefined;
    second = await startHarness({ sim, recordingsDir, store, recording: OPT_IN });
    const controller = await second.controllerOf(call.uuid);
    const path = `${recordingsDir}/${call.uuid}/01-both.wav`;
    await sim.waitForCommand((c) => c.line === `api uuid_record ${call.uuid} unmask ${path}`);

    await sim.advance(3000);
    sim.press(call, '9');
    await sim.waitForCommand((c) => c.line === `api uuid_record ${call.uuid} stop ${path}`);
    await until(second.daemon.registry.calls$, () => second?.daemon.registry.get(call.uuid)?.recordings.some((r) => !r.active) === true, 'RECORD_STOP');
    sim.hangup(call);
    await sim.advance(1000);
    await controller.done;
    const ev = await second.evidence(call.uuid);
    expect(decisionsOf(ev).at(-1)).to.include({ record: false, reason: 'the caller objected with DTMF 9 at the consent prompt' });
    expect((await second.recordings(call.uuid))[0]).to.include({ status: 'ok', filePath: path });
  });
});
