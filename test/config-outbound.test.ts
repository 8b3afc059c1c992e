// outbound.allowedPeers: loopback by default, addresses only, every mistake named by its key.

import { expect } from 'chai';
import { defaultsWith, type CallwardenConfig, type DeepPartial } from '../src/config';

const withPeers = (allowedPeers: unknown): DeepPartial<CallwardenConfig> => ({ outbound: { allowedPeers } } as unknown as DeepPartial<CallwardenConfig>);

describe('config: outbound.allowedPeers', () => {
  it('defaults to loopback (IPv4 and IPv6)', () => {
    expect(defaultsWith({}).outbound.allowedPeers).to.deep.equal(['127.0.0.1', '::1']);
  });

  it('takes IP addresses and refuses names, ranges and an empty list', () => {
    expect(defaultsWith(withPeers(['10.0.0.10', 'fd00::2'])).outbound.allowedPeers).to.deep.equal(['10.0.0.10', 'fd00::2']);
    expect(() => defaultsWith(withPeers(['999.1.1.1']))).to.throw('outbound.allowedPeers: "999.1.1.1" is not an IP address');
    expect(() => defaultsWith(withPeers(['freeswitch.local']))).to.throw('outbound.allowedPeers');
    expect(() => defaultsWith(withPeers(['10.0.0.0/8']))).to.throw('outbound.allowedPeers');
    expect(() => defaultsWith(withPeers([]))).to.throw('outbound.allowedPeers');
  });
});
