// `callwarden evidence <call-id>`: the call's consent evidence chain, and whether it verifies.

import type { CliCommand } from './command';
import { describeDatabase, openRepository } from './open-repository';

/** Exit codes: 0 the chain verifies, 3 it is broken (tampered or deleted rows), 4 no evidence at all. */
export const evidenceCommand: CliCommand<{ json?: boolean }> = {
  name: 'evidence',
  summary: "a call's consent evidence and whether its hash chain verifies",
  operands: '<call-id>',
  options: [{ flags: '--json', description: 'one JSON object per evidence row, then one with the verification' }],
  exitCodes: { 3: 'the chain is broken (a row was edited or deleted)', 4: 'no evidence for this call' },
  details: 'Read-only: never creates a database; says which file it looked for when there is none.',
  async run(config, { operands, options }, out) {
    const callId = operands[0]!;
    const db = await openRepository(config, { readOnly: true });
    try {
      const [call, rows, check] = await Promise.all([
        db.repository.getCall(callId),
        db.repository.listEvidence(callId),
        db.repository.verifyEvidence(callId),
      ]);
      const none = rows.length === 0 && check.rows === 0;
      const code = none ? 4 : check.ok ? 0 : 3;
      if (options.json) {
        for (const row of rows) out(JSON.stringify(row));
        out(JSON.stringify({ callId, verifies: check.ok && !none, rows: check.rows, brokenAt: check.brokenAt ?? null, reason: check.reason ?? null }));
        return code;
      }
      if (call) {
        out(`call ${callId}: ${call.caller ?? '?'} → ${call.destination ?? '?'}${call.agentExtension ? `, agent ${call.agentExtension}` : ''}${call.group ? `, group ${call.group}` : ''}`);
      }
      if (none) {
        out(`no consent evidence for call ${callId} in ${describeDatabase(config)}${call ? '' : ' (and no such call there)'}`);
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
  },
};

function describe(detail: unknown): string {
  if (detail && typeof detail === 'object') {
    const d = detail as Record<string, unknown>;
    if (typeof d.reason === 'string') return `${d.reason}${d.decision !== undefined ? ` (${JSON.stringify(d.decision)})` : ''}`;
    return JSON.stringify(detail);
  }
  return String(detail);
}
