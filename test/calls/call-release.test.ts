// A finished call leaves nothing behind in the controllers table or the registry's followers.

import { expect } from 'chai';
import type { CallControllers } from '../../src/calls';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

describe('calls: release at the end of a call', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('the table forgets the controller when it is done, nobody follows the call any more, and done resolves', async () => {
    let table!: CallControllers;
    h = await startHarness({ recording: OPT_IN, onTable: (t) => (table = t) });
    const call = await consentedAndRecording(h, '1');
    const controller = await h.controllerOf(call.uuid);
    expect(table.has(call.uuid)).to.equal(true);
    expect(h.daemon.registry.followedCalls).to.be.greaterThan(0);
    await talkAndHangUp(h, call);
    await controller.done;
    expect(table.has(call.uuid)).to.equal(false);
    expect(h.daemon.registry.followedCalls).to.equal(0);
    // Asked for again after the end: settled already.
    await controller.done;
  });
});
