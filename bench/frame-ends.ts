// Where each ESL frame of a byte stream as FreeSWITCH framed it ends (benches that cut or pick frames by their bytes).

/** The offset just past each frame: its header block, the blank line, then Content-Length bytes. */
export function frameEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headerEnd = bytes.indexOf('\n\n', at);
    if (headerEnd === -1) throw new Error(`no frame ends after byte ${at}`);
    const length = /^Content-Length: (\d+)$/m.exec(bytes.toString('latin1', at, headerEnd));
    at = headerEnd + 2 + (length ? Number(length[1]) : 0);
    ends.push(at);
  }
  return ends;
}
