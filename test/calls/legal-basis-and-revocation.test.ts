// Issue 10, points 6 and 7 through the simulator: the group's legal basis fixed on the recording row and in the decision evidence; a consent revocation seen at the running call's next decision.

import { expect } from 'chai';
import { consentedAndRecording, decisionsOf, hotline, startHarness, talkAndHangUp, uuidRecords, type Harness } from './call-harness';

const ext = { '1001': { group: 'hotline' } };

describe('calls: legal basis on the recording, consent revocation mid-call', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it("a recorded call's recording row and decision evidence carry the group's legal basis", async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'opt-in', legalBasis: 'consent' }) }, extensions: ext } });
    const call = await consentedAndRecording(h, '1');
    await talkAndHangUp(h, call);
    const recordings = await h.recordings(call.uuid);
    expect(recordings).to.have.length(1);
    expect(recordings[0]).to.include({ legalBasis: 'consent', status: 'ok' });
    const decisions = (await h.evidence(call.uuid)).filter((e) => e.kind === 'decision').map((e) => e.detail as { record: boolean; legalBasis: unknown });
    expect(decisions.find((d) => d.record)?.legalBasis).to.equal('consent');
  });

  it("permanent with a legal obligation: that basis, not another, is fixed on the row", async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'permanent', legalBasis: 'legal-obligation' }) }, extensions: ext } });
    const call = await consentedAndRecording(h, '1');
    await talkAndHangUp(h, call);
    expect((await h.recordings(call.uuid))[0]).to.include({ legalBasis: 'legal-obligation' });
  });

  it("the agent's consent revoked while the call records → the next decision (a key pressed) stops the recording", async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'opt-in', agentWithoutConsent: 'none' }) }, extensions: ext } });
    const { sim } = h;
    const call = await consentedAndRecording(h, '1');
    const path = `${h.recordingsDir}/${call.uuid}/01-both.wav`;
    expect(uuidRecords(sim)).to.deep.equal([`api uuid_record ${call.uuid} start ${path}`]);
    await sim.advance(5000);
    // As `callwarden agents revoke 1001` does, from another process: only the database changes.
    expect(await h.daemon.store.repository.revokeAgentConsent('1001', new Date(Date.now() - 1000))).to.equal(1);
    sim.press(call, '5');
    await sim.until(() => uuidRecords(sim).includes(`api uuid_record ${call.uuid} stop ${path}`), 'the recording stopped after the revocation');
    await talkAndHangUp(h, call, 5000);
    expect(uuidRecords(sim)).to.deep.equal([`api uuid_record ${call.uuid} start ${path}`, `api uuid_record ${call.uuid} stop ${path}`]);
    const ev = await h.evidence(call.uuid);
    expect(ev.filter((e) => e.kind === 'agent_facts').map((e) => (e.detail as { consentOnFile: string }).consentOnFile)).to.deep.equal(['yes', 'no']);
    expect(decisionsOf(ev).at(-1)).to.include({
      record: false,
      reason: 'nothing is recorded: the agent has no recording consent on file and the group records nothing in that case',
    });
  });
});
