// The prompts the default config references are exactly the files freeswitch/scripts/make-prompts.sh generates.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

describe('default prompts', () => {
  it('config/default.json names only files the prompt script writes, in a language it writes', () => {
    const script = readFileSync(join(root, 'freeswitch', 'scripts', 'make-prompts.sh'), 'utf8');
    const made = new Set([...script.matchAll(/^say (de|en) ([a-z-]+) /gm)].map((m) => `${m[1]}/${m[2]}.wav`));
    expect(made.size).to.equal(16);
    const config = JSON.parse(readFileSync(join(root, 'config', 'default.json'), 'utf8')) as {
      recording: { groups: Record<string, { prompts: Record<string, string> }> };
    };
    for (const group of Object.values(config.recording.groups)) {
      for (const file of Object.values(group.prompts)) {
        expect(file.startsWith('/usr/share/freeswitch/sounds/callwarden/'), file).to.equal(true);
        expect(made.has(`${basename(join(file, '..'))}/${basename(file)}`), file).to.equal(true);
      }
    }
  });
});
