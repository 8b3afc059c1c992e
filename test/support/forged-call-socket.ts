// A TCP peer on the daemon's outbound port that speaks the handshake as FreeSWITCH does: its reply to `connect` carries the (forged or hostile) channel data; api commands find no channel; +OK to everything else.

import { connect, type Socket } from 'node:net';
import { apiResponse, commandReply, connectReply } from '../../src/simulator/wire';

export function forgedCallSocket(port: number, channelData: Array<[string, string]>): Socket {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const command = text.slice(0, end);
      text = text.slice(end + 2);
      if (socket.destroyed) return;
      if (command === 'connect') socket.write(connectReply(channelData));
      else if (command.startsWith('api ')) socket.write(apiResponse('-ERR no such channel\n'));
      else socket.write(commandReply('+OK'));
    }
  });
  return socket;
}
