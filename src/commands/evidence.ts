// `callwarden evidence <call-id>` and `evidence --all [--since 7d]`: whether a call's consent evidence proves what it says.

import { anchorKey, judgeCallEvidence, type CallEvidenceReport } from '../store';
import { parseSince, UsageError } from './calls';
import type { CliCommand } from './command';
import { openRepository } from './open-repository';

/**
 * Exit codes: 0 verifies, 3 broken (tampered, deleted, unverifiable — or a call row or
 * recording without evidence), 4 nothing at all under this id. With --all: 0 when every
 * call verifies, 3 when any is broken.
 */
export const evidenceCommand: CliCommand<{ all?: boolean; since: string; json?: boolean }> = {
  name: 'evidence',
  summary: "a call's consent evidence and whether its seals, chain and anchor verify; --all for every call since a time",
  operands: '[call-id]',
  options: [
    { flags: '--all', description: 'verify every call since --since and print a summary (a daily audit job)' },
    { flags: '--since <when>', description: 'with --all: how far back (90m, 24h, 7d or an ISO date/time)', default: '7d' },
    { flags: '--json', description: 'one JSON object per evidence row, then one with the verdict' },
  ],
  exitCodes: {
    3: 'broken: a row edited, deleted, reordered or unsealed, the anchor disagrees, or a call/recording has no evidence',
    4: 'nothing at all under this id',
  },
  details: 'Read-only: never creates a database; says which file it looked for when there is none.',
  async run(config, { operands, options }, out) {
    const all = options.all === true;
    if (all ? operands.length > 0 : operands.length !== 1) throw new UsageError('usage: callwarden evidence <call-id> | callwarden evidence --all [--since 7d]');
    const db = await openRepository(config, { readOnly: true });
    try {
      const anchors = await db.readAnchors();
      if (!all) {
        const report = await judgeCallEvidence(db.repository, operands[0]!, anchors);
        if (options.json) {
          for (const row of report.rows) out(JSON.stringify(row));
          out(JSON.stringify({ callId: report.callId, verdict: report.verdict, reason: report.reason, warnings: report.warnings }));
        } else printReport(report, out);
        return report.verdict === 'verified' ? 0 : report.verdict === 'broken' ? 3 : 4;
      }
      const from = parseSince(options.since);
      const chains = new Set(await db.repository.listChainsSince(from));
      // Chains the anchor file saw in the window, even if every row about them is gone from the database.
      for (const line of anchors?.heads.values() ?? []) if (line.log === 'evidence' && line.at >= from.toISOString()) chains.add(line.chain);
      let verified = 0;
      let warned = 0;
      const broken: CallEvidenceReport[] = [];
      for (const callId of [...chains].sort()) {
        const report = await judgeCallEvidence(db.repository, callId, anchors);
        if (report.verdict === 'broken') {
          broken.push(report);
          out(`BROKEN   ${callId}  ${report.reason}`);
        } else if (report.verdict === 'verified') {
          verified++;
          if (report.warnings.length > 0) warned++;
        }
      }
      const access = await db.repository.accessLog.verify(accessAnchor(anchors));
      out(`access log: ${access.ok ? `verifies (${access.rows} row(s))` : `BROKEN at row ${access.brokenAt ?? '?'}: ${access.reason ?? ''}`}`);
      if (anchors) out(`anchor file ${config.evidence.anchorFile}: ${anchors.ok ? `${anchors.lines} line(s), intact` : `BROKEN at line ${anchors.brokenAt ?? '?'}: ${anchors.reason ?? ''}`}`);
      else out('anchor file: none (evidence.anchorFile not set or not written yet): deleted chains can only be found through calls and recordings');
      out(`evidence since ${from.toISOString()}: ${chains.size} call(s), ${verified} verify${warned > 0 ? ` (${warned} with warnings)` : ''}, ${broken.length} BROKEN`);
      return broken.length > 0 || !access.ok || (anchors !== undefined && !anchors.ok) ? 3 : 0;
    } finally {
      await db.close();
    }
  },
};

function accessAnchor(anchors: Awaited<ReturnType<Awaited<ReturnType<typeof openRepository>>['readAnchors']>>) {
  const line = anchors?.heads.get(anchorKey('access', 'access'));
  return line ? { seq: line.seq, hash: line.hash } : undefined;
}

function printReport(r: CallEvidenceReport, out: (line: string) => void): void {
  const call = r.call;
  if (call) {
    out(`call ${r.callId}: ${call.caller ?? '?'} → ${call.destination ?? '?'}${call.agentExtension ? `, agent ${call.agentExtension}` : ''}${call.group ? `, group ${call.group}` : ''}`);
  }
  for (const row of r.rows) out(`  #${String(row.seq).padStart(3)} ${row.at}  ${row.kind.padEnd(14)} ${describe(row.detail)}`);
  if (r.verdict === 'verified') {
    out(`evidence chain verifies: ${r.reason}`);
    for (const w of r.warnings) out(`  warning: ${w}`);
  } else if (r.verdict === 'broken') {
    out(`EVIDENCE CHAIN BROKEN${r.reason.startsWith('at row') ? ' ' : ': '}${r.reason}`);
    out('This call\'s evidence cannot prove why it was or was not recorded.');
  } else {
    out(`no consent evidence for ${r.callId}: ${r.reason}`);
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
