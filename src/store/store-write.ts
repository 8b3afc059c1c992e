// The writes that go through the write queue: plain JSON (they sit in the outbox file) and idempotent when replayed.

import { StoreRepository } from './store-repository';
import { CallUpsert, MonitorMode, MonitorSessionStart, RecordingPatch, RecordingUpsert } from './store-types';

export type StoreWrite =
  | { op: 'upsertCall'; call: CallUpsert }
  | { op: 'appendEvidence'; callId: string; kind: string; detail: unknown; at: string }
  | { op: 'upsertRecording'; recording: RecordingUpsert }
  | { op: 'updateRecording'; id: string; patch: RecordingPatch }
  | { op: 'startMonitorSession'; session: MonitorSessionStart }
  | { op: 'appendMonitorMode'; id: string; mode: MonitorMode; at: string }
  | { op: 'endMonitorSession'; id: string; at: string }
  /** A call ended: a chain for calls never handled, then the head to the anchor file. */
  | { op: 'closeEvidence'; callId: string }
  /** Nothing to apply: journaled only to learn whether the outbox can be written again. */
  | { op: 'probe' };

/** Applies one write; `writeId` (the outbox entry id) makes evidence appends exactly-once across replays. */
export async function applyStoreWrite(repository: StoreRepository, write: StoreWrite, writeId: string): Promise<void> {
  switch (write.op) {
    case 'upsertCall':
      await repository.upsertCall(write.call);
      return;
    case 'appendEvidence':
      await repository.appendEvidence(write.callId, write.kind, write.detail, { at: write.at, writeId });
      return;
    case 'upsertRecording':
      await repository.upsertRecording(write.recording);
      return;
    case 'updateRecording':
      await repository.updateRecording(write.id, write.patch);
      return;
    case 'startMonitorSession':
      await repository.startMonitorSession(write.session);
      return;
    case 'appendMonitorMode':
      await repository.appendMonitorMode(write.id, write.mode, write.at);
      return;
    case 'endMonitorSession':
      await repository.endMonitorSession(write.id, write.at);
      return;
    case 'closeEvidence':
      await repository.closeEvidence(write.callId, writeId);
      return;
    case 'probe':
      return;
    default: {
      const unknownWrite: never = write;
      throw new Error(`unknown store write ${JSON.stringify(unknownWrite)}`);
    }
  }
}
