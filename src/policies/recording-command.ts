// The recording commands policies hand to the one module that turns them into ESL (uuid_setvar, uuid_record, uuid_broadcast).

import type { AnnouncementKind } from './announcements';
import type { RecordVariable } from './recording-channels';

export type RecordingCommand =
  /** api uuid_setvar <leg> <name> <value> */
  | { readonly kind: 'setvar'; readonly leg: string; readonly name: RecordVariable; readonly value: 'true' | 'false' }
  /** api uuid_record <leg> start <path> */
  | { readonly kind: 'start'; readonly leg: string; readonly path: string }
  /** api uuid_record <leg> stop <path> */
  | { readonly kind: 'stop'; readonly leg: string; readonly path: string }
  /** api uuid_record <leg> mask <path> — the file keeps running with silence */
  | { readonly kind: 'mask'; readonly leg: string; readonly path: string }
  /** api uuid_record <leg> unmask <path> */
  | { readonly kind: 'unmask'; readonly leg: string; readonly path: string }
  /** api uuid_broadcast <leg> <file> aleg|both */
  | {
      readonly kind: 'announce';
      readonly leg: string;
      readonly id: string;
      readonly announcement: AnnouncementKind;
      readonly file: string;
      readonly to: 'aleg' | 'both';
    };
