// A tiny stand-in for callwarden's outbound logic, enough to drive scenario tests end to end.

import { randomUUID } from 'node:crypto';
import { frameToEvent } from '../../src/esl/event';
import type { TestPeer } from './esl-test-client';

const PROMPT = '1 1 2 10000 # tone_stream://%(500,0,440) silence_stream://250 consent_digit [19] 10000';

async function execute(peer: TestPeer, uuid: string, app: string, arg: string): Promise<Record<string, string>> {
  const id = randomUUID();
  peer.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${app}\n${arg !== '' ? `execute-app-arg: ${arg}\n` : ''}event-lock: true\nEvent-UUID: ${id}\n\n`);
  const done = await peer.next((f) => {
    const ev = frameToEvent(f);
    return ev?.name === 'CHANNEL_EXECUTE_COMPLETE' && ev.headers['Application-UUID'] === id;
  }, `${app} complete`);
  return (frameToEvent(done)?.headers ?? {}) as Record<string, string>;
}

/**
 * One outbound connection: connect, myevents, linger, answer, the consent menu; on 1 it records
 * (stereo) and bridges to the agent, on 9 it only bridges; it closes after the linger notice.
 */
export async function consentCall(peer: TestPeer, agent = 'sofia/internal/1001@127.0.0.1:5080', recordDir = '/var/lib/freeswitch/recordings'): Promise<void> {
  const data = await peer.command('connect');
  const uuid = data.headers['Unique-ID'] ?? '';
  await peer.command('myevents');
  await peer.command('linger');
  await execute(peer, uuid, 'answer', '');
  const result = await execute(peer, uuid, 'play_and_get_digits', PROMPT);
  const digit = result['variable_consent_digit'];
  if (digit === '1') {
    await peer.command(`api uuid_setvar ${uuid} RECORD_STEREO true`);
    await peer.command(`api uuid_record ${uuid} start ${recordDir}/${uuid}.wav`);
  }
  if (digit === '1' || digit === '9') await execute(peer, uuid, 'bridge', agent);
  await peer.next((f) => f.headers['Content-Disposition'] === 'linger' || f.headers['Content-Type'] === 'text/disconnect-notice', 'linger notice');
  peer.close();
  await peer.whenClosed();
}
