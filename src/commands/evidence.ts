// `callwarden evidence <call-id>`: the call's consent evidence chain, and whether it verifies.

import type { CallwardenConfig } from '../config';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

/** Exit codes: 0 the chain verifies, 3 it is broken (tampered or deleted rows), 4 no evidence at all. */
export async function evidenceCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  const [callId, ...rest] = args;
  if (!callId || rest.length > 0) throw new UsageError('usage: callwarden evidence <call-id>');
  const db = await openRepository(config);
  try {
    const [call, rows, check] = await Promise.all([
      db.repository.getCall(callId),
      db.repository.listEvidence(callId),
      db.repository.verifyEvidence(callId),
    ]);
    if (call) {
      out(`call ${callId}: ${call.caller ?? '?'} → ${call.destination ?? '?'}${call.agentExtension ? `, agent ${call.agentExtension}` : ''}${call.group ? `, group ${call.group}` : ''}`);
    }
    if (rows.length === 0 && check.rows === 0) {
      out(`no consent evidence for call ${callId}${call ? '' : ' (and no such call in the database)'}`);
      out('A call without evidence was not handled by callwarden (daemon down or socket dropped): nothing was recorded by it.');
      return 4;
    }
    for (const row of rows) out(`  #${String(row.seq).padStart(3)} ${row.at}  ${row.kind.padEnd(14)} ${describe(row.detail)}`);
    if (check.ok) {
      out(`evidence chain verifies: ${check.rows} row(s), each sealed with the SHA-256 of the one before`);
      return 0;
    }
    out(`EVIDENCE CHAIN BROKEN at row ${check.brokenAt ?? '?'}: ${check.reason ?? 'hash mismatch'}`);
    out('A row was edited or deleted after it was written; this chain cannot prove consent.');
    return 3;
  } finally {
    await db.close();
  }
}

function describe(detail: unknown): string {
  if (detail && typeof detail === 'object') {
    const d = detail as Record<string, unknown>;
    if (typeof d.reason === 'string') return `${d.reason}${d.decision !== undefined ? ` (${JSON.stringify(d.decision)})` : ''}`;
    return JSON.stringify(detail);
  }
  return String(detail);
}
