// `callwarden evidence <call-id>` and `evidence --all [--since 7d]`: whether a call's consent evidence proves what it says.

import type { CallwardenConfig } from '../config';
import { anchorKey, judgeCallEvidence, type CallEvidenceReport } from '../store';
import { parseSince, UsageError } from './calls';
import { openRepository } from './open-repository';

const USAGE = 'usage: callwarden evidence <call-id> | callwarden evidence --all [--since 7d]';

/**
 * Exit codes: 0 verifies, 3 broken (tampered, deleted, unverifiable — or a call row or
 * recording without evidence), 4 nothing at all under this id. With --all: 0 when every
 * call verifies, 3 when any is broken.
 */
export async function evidenceCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  let all = false;
  let since = '7d';
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--all') all = true;
    else if (a === '--since') {
      if (args[i + 1] === undefined) throw new UsageError('--since needs a value (e.g. 7d)');
      since = args[++i]!;
    } else if (a.startsWith('--since=')) since = a.slice('--since='.length);
    else if (a.startsWith('--')) throw new UsageError(`evidence: unknown option "${a}"\n${USAGE}`);
    else ids.push(a);
  }
  if (all ? ids.length > 0 : ids.length !== 1) throw new UsageError(USAGE);
  const db = await openRepository(config);
  try {
    const anchors = await db.readAnchors();
    if (!all) {
      const report = await judgeCallEvidence(db.repository, ids[0]!, anchors);
      printReport(report, out);
      return report.verdict === 'verified' ? 0 : report.verdict === 'broken' ? 3 : 4;
    }
    const from = parseSince(since);
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
}

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
