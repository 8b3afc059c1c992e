// Application data is expanded as FreeSWITCH does before an app runs: ${var}, ${create_uuid()}.

import { expect } from 'chai';
import { expandVariables } from '../../src/simulator/expand-variables';

describe('simulator: expandVariables', () => {
  const vars: Record<string, string> = { callwarden_target: 'user/1001@192.0.2.2', domain_name: '192.0.2.2' };
  const get = (n: string): string | undefined => vars[n];

  it('replaces channel variables, unset ones with nothing, and leaves plain text alone', () => {
    expect(expandVariables('${callwarden_target}', get)).to.equal('user/1001@192.0.2.2');
    expect(expandVariables('user/1001@${domain_name}', get)).to.equal('user/1001@192.0.2.2');
    expect(expandVariables('a ${nope} b', get)).to.equal('a  b');
    expect(expandVariables('tone_stream://%(300,200,350);loops=2', get)).to.equal('tone_stream://%(300,200,350);loops=2');
  });

  it('runs create_uuid: a fresh UUID each time', () => {
    const a = expandVariables('callwarden_token=${create_uuid()}', get);
    const b = expandVariables('callwarden_token=${create_uuid()}', get);
    expect(a).to.match(/^callwarden_token=[0-9a-f-]{36}$/);
    expect(a).to.not.equal(b);
  });
});
