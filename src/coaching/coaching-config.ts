// The `coaching` and `liveOps` config sections: their types, JSON schemas and the checks a schema cannot express.

/** The four eavesdrop modes, named after what the supervisor does (the agent leg is the target). */
export type CoachingMode = 'listen' | 'talkCaller' | 'whisperAgent' | 'conference';

export interface CoachingSupervisor {
  /** Agent extensions this supervisor may monitor. */
  readonly extensions: readonly string[];
  /** Recording groups (callwarden_group of the call) whose calls this supervisor may monitor. */
  readonly groups: readonly string[];
}

export interface CoachingConfig {
  /** Off until the operator switches it on (DESIGN: "coaching additionally needs its own explicit enablement"). */
  readonly enabled: boolean;
  /** The operator has read the legal notice for coaching (works council, agents informed). */
  readonly legalNoticeAcknowledged: boolean;
  /** Supervisor extension (the SIP user FreeSWITCH authenticated) → whom they may monitor. */
  readonly supervisors: Readonly<Record<string, CoachingSupervisor>>;
  /** DTMF key per mode; FreeSWITCH's own keys are 0 / 1 / 2 / 3 (see coaching-keys.ts). */
  readonly keys: Readonly<Record<CoachingMode, string>>;
  /** FreeSWITCH file strings (paths, tone_stream://, say:…) played to the supervisor. */
  readonly announcements: {
    /** Not allowed: coaching off, no legal notice, or not this supervisor's extension/group. */
    readonly refused: string;
    /** The extension is unknown or has no call right now. */
    readonly notAvailable: string;
    /**
     * The agent's call is on another FreeSWITCH node (of this daemon or another one): eavesdrop
     * only reaches channels of its own node. Absent: notAvailable is played.
     */
    readonly otherNode?: string;
  };
  /** A tone or short announcement the agent hears when monitoring starts. */
  readonly notifyAgent: { readonly enabled: boolean; readonly file: string };
}

/**
 * Live operations (record start/stop, listen) are served by the web server (src/web/, config
 * `web`) to users in the database (`callwarden users add`); this section says whether they
 * are on and how "listen" reaches the user's phone.
 */
export interface LiveOpsConfig {
  readonly enabled: boolean;
  /** originate endpoint for "listen"; `{extension}` is replaced (e.g. `user/{extension}@pbx.example.com`). */
  readonly listenEndpoint: string;
  /** The dialplan context that holds callwarden-coaching.xml (the answered phone dials *98*<ext> there). */
  readonly listenContext: string;
  /** How long the supervisor's phone may ring before "listen" gives up. */
  readonly ringSeconds: number;
}

const DIGIT = { type: 'string', pattern: '^[0-9*#]$' } as const;
const EXTENSION = { type: 'string', pattern: '^[0-9]{2,10}$' } as const;
const FILE = { type: 'string', minLength: 1, pattern: '^[^\\r\\n\\s]+$' } as const;

export const COACHING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['enabled', 'legalNoticeAcknowledged', 'supervisors', 'keys', 'announcements', 'notifyAgent'],
  properties: {
    enabled: { type: 'boolean' },
    legalNoticeAcknowledged: { type: 'boolean' },
    supervisors: {
      type: 'object',
      propertyNames: { pattern: '^[0-9]{2,10}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        // Either list is enough (a supervisor of one team's extensions needs no group); an
        // omitted one is empty (normaliseCoachingSupervisors), and giving neither is an error.
        required: [],
        properties: {
          extensions: { type: 'array', items: EXTENSION },
          groups: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' } },
        },
      },
    },
    keys: {
      type: 'object',
      additionalProperties: false,
      required: ['listen', 'talkCaller', 'whisperAgent', 'conference'],
      properties: { listen: DIGIT, talkCaller: DIGIT, whisperAgent: DIGIT, conference: DIGIT },
    },
    announcements: {
      type: 'object',
      additionalProperties: false,
      required: ['refused', 'notAvailable'],
      properties: { refused: FILE, notAvailable: FILE, otherNode: FILE },
    },
    notifyAgent: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'file'],
      properties: { enabled: { type: 'boolean' }, file: FILE },
    },
  },
} as const;

export const LIVE_OPS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['enabled', 'listenEndpoint', 'listenContext', 'ringSeconds'],
  properties: {
    enabled: { type: 'boolean' },
    listenEndpoint: { type: 'string', pattern: '^[^\\s{},]*\\{extension\\}[^\\s{},]*$' },
    listenContext: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    ringSeconds: { type: 'integer', minimum: 5, maximum: 120 },
  },
} as const;

/** Fills an omitted `extensions` or `groups` of each supervisor with [] (after the schema check). */
export function normaliseCoachingSupervisors(coaching: CoachingConfig): CoachingConfig {
  const supervisors = Object.fromEntries(
    Object.entries(coaching.supervisors as Record<string, Partial<CoachingSupervisor>>).map(([ext, s]) => [ext, { ...s, extensions: s.extensions ?? [], groups: s.groups ?? [] }]),
  );
  return { ...coaching, supervisors };
}

/** Cross-field rules, each problem naming its key (the schema has already passed). */
export function coachingConfigProblems(coaching: CoachingConfig | undefined): string[] {
  const problems: string[] = [];
  if (coaching) {
    for (const [ext, s] of Object.entries(coaching.supervisors)) {
      if (s.extensions.length === 0 && s.groups.length === 0) problems.push(`coaching.supervisors.${ext}: give extensions or groups (or both) this supervisor may monitor`);
    }
    const seen = new Map<string, string>();
    for (const [mode, key] of Object.entries(coaching.keys)) {
      const other = seen.get(key);
      if (other !== undefined) problems.push(`coaching.keys.${mode}: "${key}" is already the key of coaching.keys.${other}`);
      seen.set(key, mode);
    }
    // '*' ends eavesdrop in FreeSWITCH ("next channel"): as a mode key it would drop the supervisor.
    for (const [mode, key] of Object.entries(coaching.keys)) {
      if (key === '*') problems.push(`coaching.keys.${mode}: "*" ends eavesdrop in FreeSWITCH and cannot switch a mode`);
    }
  }
  return problems;
}
