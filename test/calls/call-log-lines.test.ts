// Issue 9.6: at `info`, one line per call milestone (accepted, consent, recording started/stopped, ended), each with the call id.

import { expect } from 'chai';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('calls: what an integrator reads in the log at info', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** The info (or more severe) lines about one call, in order. */
  const linesOf = (harness: Harness, callId: string): string[] =>
    harness.log.filter((l) => l.meta.callId === callId && ['info', 'warn', 'error'].includes(l.level)).map((l) => l.message);

  it('a recorded call: accepted (group, mode), consent, recording started and stopped (file), ended — in that order', async () => {
    h = await startHarness({ recording: OPT_IN });
    const call = await consentedAndRecording(h, '1');
    await talkAndHangUp(h, call, 3000);
    const path = `${h.recordingsDir}/${call.uuid}/01-both.wav`;
    const lines = linesOf(h, call.uuid);
    const expected = [
      /^call accepted: group hotline, mode opt-in \(group\), agent 1001$/,
      /^consent: the caller agreed$/,
      new RegExp(`^recording started: ${path} \\(both, segment 1\\)$`),
      new RegExp(`^recording stopped: ${path} \\(checked: \\d+\\.\\d s, \\d+ bytes\\)$`),
      /^call ended after \d+\.\d s \(NORMAL_CLEARING\)$/,
    ];
    let at = -1;
    for (const pattern of expected) {
      const i = lines.findIndex((l, n) => n > at && pattern.test(l));
      expect(i, `${pattern} after line ${at} in:\n${lines.join('\n')}`).to.be.greaterThan(at);
      at = i;
    }
    for (const pattern of expected) expect(lines.filter((l) => pattern.test(l)), `${pattern} once`).to.have.length(1);
  });

  it('a refusal says so, and nothing about a recording', async () => {
    h = await startHarness({ recording: OPT_IN });
    const { sim } = h;
    const call = sim.placeCall({ from: '+49301234567', to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await talkAndHangUp(h, call, 1000);
    const lines = linesOf(h, call.uuid);
    expect(lines.some((l) => /^call accepted: group hotline, mode opt-in/.test(l))).to.equal(true);
    expect(lines, lines.join('\n')).to.include('consent: the caller refused');
    expect(lines.filter((l) => l.startsWith('recording '))).to.deep.equal([]);
    expect(lines.some((l) => l.startsWith('call ended'))).to.equal(true);
  });
});
