// The anchor file on its own: its lines chain and are sealed; an edited, deleted or reordered line is found; a torn tail is cut.

import { expect } from 'chai';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainAnchor, checkAnchorText, readAnchorFile } from '../../src/store/chain-anchor';
import { EvidenceKeyring } from '../../src/store/evidence-keys';
import { tempDir } from './test-backends';

const keys = new EvidenceKeyring('k1', { k1: 'anchor-test-key-000000000000000000000' });
const head = (chain: string, seq: number) => ({ log: 'evidence' as const, chain, seq, hash: String(seq).repeat(64).slice(0, 64) });

describe('anchor file', function () {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = tempDir('anchor');
    path = join(dir, 'anchors.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function written(n: number): Promise<string[]> {
    const a = await ChainAnchor.open(path, { keys });
    for (let i = 1; i <= n; i++) await a.append(head(`call-${i}`, i));
    await a.close();
    return readFileSync(path, 'utf8').split('\n').filter(Boolean);
  }

  it('chains and seals every line, continues the chain after a reopen, keeps the last head per chain', async () => {
    await written(2);
    const again = await ChainAnchor.open(path, { keys });
    expect(again.opened).to.include({ ok: true, lines: 2 });
    await again.append(head('call-1', 7));
    await again.close();
    const check = await readAnchorFile(path, keys);
    expect(check).to.include({ ok: true, lines: 3 });
    expect(check!.heads.get('evidence\ncall-1')?.seq).to.equal(7);
    expect(check!.heads.get('evidence\ncall-2')?.seq).to.equal(2);
  });

  it('finds an edited, a deleted, a reordered and an unsealed line', async () => {
    const lines = await written(4);
    const text = (ls: string[]) => ls.join('\n') + '\n';
    const edited = [...lines];
    edited[1] = edited[1]!.replace('"seq":2', '"seq":3');
    expect(checkAnchorText(text(edited), keys)).to.include({ ok: false, brokenAt: 2 });
    expect(checkAnchorText(text([lines[0]!, lines[2]!, lines[3]!]), keys)).to.include({ ok: false, brokenAt: 2 });
    expect(checkAnchorText(text([lines[1]!, lines[0]!, lines[2]!, lines[3]!]), keys)).to.include({ ok: false, brokenAt: 1 });
    expect(checkAnchorText(text(lines), new EvidenceKeyring('k1', { k1: 'another-key-000000000000000000000000' }))).to.include({ ok: false, brokenAt: 1 });
    const { mac, keyId, ...bare } = JSON.parse(lines[0]!) as Record<string, unknown>;
    void mac;
    void keyId;
    expect(checkAnchorText(text([JSON.stringify(bare), ...lines.slice(1)]), keys)).to.include({ ok: false, brokenAt: 1 });
  });

  it('cuts a torn last line (a crash mid-append) before appending', async () => {
    await written(1);
    appendFileSync(path, '{"n":2,"log":"evid');
    const a = await ChainAnchor.open(path, { keys });
    await a.append(head('call-9', 9));
    await a.close();
    expect(await readAnchorFile(path, keys)).to.include({ ok: true, lines: 2 });
  });

  it('an emptied file no longer anchors anything (the evidence check then relies on the call rows)', async () => {
    await written(2);
    writeFileSync(path, '');
    expect((await readAnchorFile(path, keys))!.heads.size).to.equal(0);
  });
});
