// A supervisor's voice and the caller-leg recording: talk to the caller / three-way mask it, whisper and listen do not.

import { expect } from 'chai';
import { activeMonitors, type MonitorMode } from '../../src/streams';
import { until } from '../support/wait';
import { consentedAndRecording, decisionsOf, hotline, startHarness, talkAndHangUp, type Harness } from './call-harness';
import { COACHING, LIVE_OPS, SUPERVISOR } from './live-ops-client';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };
const MASK_REASON = 'the recording is masked while a supervisor without recording consent on file speaks to the caller';

describe('calls: supervisor audio in the recording (coaching on the agent leg)', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  async function recordedCallWithSupervisor(consenting?: readonly string[]) {
    h = await startHarness({ recording: OPT_IN, coaching: COACHING, liveOps: LIVE_OPS, ...(consenting ? { consenting } : {}) });
    const { sim, daemon } = h;
    const call = await consentedAndRecording(h, '1');
    const sup = sim.placeCall({ from: SUPERVISOR, to: '*98*1001' });
    const mode = (): MonitorMode | undefined => activeMonitors(daemon.registry.get(call.uuid) ?? ({ monitors: [] } as never))[0]?.mode;
    await until(daemon.registry.calls$, () => mode() === 'listen', 'the supervisor listening');
    const press = async (digit: string, expected: MonitorMode) => {
      await sim.advance(1000);
      sim.press(sup, digit, 'caller');
      await until(daemon.registry.calls$, () => mode() === expected, `mode ${expected}`);
    };
    return { sim, call, press, path: `${h.recordingsDir}/${call.uuid}/01-both.wav` };
  }

  it('without consent on file: 1 (talk to caller) → uuid_record mask, 0 → unmask, 2 (whisper) → nothing; the evidence says why', async () => {
    const { sim, call, press, path } = await recordedCallWithSupervisor();
    const u = call.uuid;
    await press('1', 'talk-partner');
    await sim.waitForCommand((c) => c.line === `api uuid_record ${u} mask ${path}`);
    await press('0', 'listen');
    await sim.waitForCommand((c) => c.line === `api uuid_record ${u} unmask ${path}`);
    const whisperFrom = sim.received.length;
    await press('2', 'talk-target');
    await talkAndHangUp(h, call, 2000);
    // The controller has seen every change up to the hangup: a mask for the whisper would be on the wire by now.
    expect(sim.received.slice(whisperFrom).map((c) => c.line).filter((l) => / (mask|unmask) /.test(l))).to.deep.equal([]);
    expect(sim.received.map((c) => c.line).filter((l) => / (mask|unmask) /.test(l))).to.deep.equal([`api uuid_record ${u} mask ${path}`, `api uuid_record ${u} unmask ${path}`]);

    const ev = await h.evidence(u);
    const masked = decisionsOf(ev).find((d) => (d as { masked?: boolean }).masked === true) as unknown as { reason: string; input: { supervisors: Array<{ mode: string; consentOnFile: string }> } };
    expect(masked.reason).to.contain(MASK_REASON);
    expect(masked.input.supervisors).to.have.length(1);
    expect(masked.input.supervisors[0]?.mode).to.equal('talk-partner');
    // "unknown" while the lookup runs counts as none, like "no".
    expect(masked.input.supervisors[0]?.consentOnFile).to.be.oneOf(['no', 'unknown']);
    expect(ev.find((e) => e.kind === 'supervisor_facts')?.detail).to.deep.equal({ extension: SUPERVISOR, consentOnFile: 'no' });
    expect((await h.recordings(u))[0]).to.include({ status: 'ok' });
  });

  it('3 (three-way) masks as well', async () => {
    const { sim, call, press, path } = await recordedCallWithSupervisor();
    await press('3', 'three-way');
    await sim.waitForCommand((c) => c.line === `api uuid_record ${call.uuid} mask ${path}`);
    await talkAndHangUp(h, call, 2000);
    expect(decisionsOf(await h.evidence(call.uuid)).at(-1)).to.include({ record: true });
  });

  it('a supervisor with recording consent on file who talks to the caller leaves the file unmasked', async () => {
    const { sim, call, press, path } = await recordedCallWithSupervisor(['1001', SUPERVISOR]);
    await press('1', 'talk-partner');
    await talkAndHangUp(h, call, 2000);
    const ev = await h.evidence(call.uuid);
    expect(ev.find((e) => e.kind === 'supervisor_facts')?.detail).to.deep.equal({ extension: SUPERVISOR, consentOnFile: 'yes' });
    // Until the background lookup answers, the supervisor counts as without consent (masked): any mask is undone.
    const lines = sim.received.map((c) => c.line).filter((l) => l.includes(path) && / (mask|unmask) /.test(l));
    if (lines.length > 0) expect(lines.at(-1)).to.equal(`api uuid_record ${call.uuid} unmask ${path}`);
    const last = decisionsOf(ev).at(-1) as unknown as { record: boolean; masked: boolean };
    expect(last).to.include({ record: true, masked: false });
  });
});
