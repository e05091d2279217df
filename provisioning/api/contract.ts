import { z } from 'zod';
import { ActionRequestSchema, ActionResultSchema, VmCreateRequestSchema } from './actions';
import { PlanSchema, StepFailureSchema, StopPointSchema } from './apply-events';
import { EndpointSchema, LoginSchema } from './endpoint';
import { parseEndpoint } from './endpoint-parse';
import { LockstepError, type ErrorCode, type ErrorInfo } from './errors';
import { FindingSchema } from './finding';
import { InventorySchema } from './inventory';
import { AlertSchema, PairHistorySchema, PairStateSchema } from './monitor';
import { RoleSuggestionSchema } from './roles';
import { parseCidr, problemText, validateSiteField } from './site';
import { VerifyResultSchema } from './verify';
import type { LockstepEvent } from './events';

/**
 * THE contract between the engine and every front door (Electron IPC, the web bridge,
 * tests): each call is named, takes one object argument and returns one result, both
 * described by zod schemas. The doors parse every argument with these schemas before
 * the engine sees it, so a malformed value is refused the same way everywhere.
 */

/** An error as it crosses a door; mirrors `ErrorInfo` in errors.ts. */
export const ErrorInfoSchema = z.object({
  code: z.string() as z.ZodType<ErrorCode>,
  message: z.string(),
  remedy: z.string(),
  field: z.string().optional(),
  host: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * What every door returns instead of throwing: Electron strips the properties of
 * errors that cross IPC, and HTTP has no exceptions, so errors travel as data.
 */
export type Envelope<T> =
  { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: ErrorInfo };

/** A host-key fingerprint as OpenSSH prints it (`ssh-keygen -lf`). */
export const FingerprintSchema = z
  .string()
  .trim()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}=?$/,
    'Expected SHA256: followed by 43 base64 characters, as `ssh-keygen -lf` prints it.',
  );

/** Correlates the events of one long call (discover, labUp, probe) with the call. */
export const OperationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'Expected letters, digits and dashes (at most 64).');

/** Passwords and passphrases: held in memory by the service for the call, never logged or stored. */
export const SecretsSchema = z
  .object({
    password: z.string().max(1024).optional(),
    passphrase: z.string().max(1024).optional(),
    sudoPassword: z.string().max(1024).optional(),
    /** The BMC (IPMI) password of node a and b, when the site fences with IPMI (Options screen). */
    bmcPasswords: z
      .object({ a: z.string().max(1024).optional(), b: z.string().max(1024).optional() })
      .strict()
      .optional(),
  })
  .strict();

/** What the app is and which door it came through (the renderer shows it, tests assert it). */
export const AppInfoSchema = z.object({
  product: z.literal('Lockstep'),
  version: z.string(),
  door: z.enum(['electron', 'web']),
  platform: z.string(),
  /** Lockstep's own known_hosts, where `trust` pins keys. */
  knownHostsPath: z.string(),
  /** Whether remembered secrets can be encrypted at rest (Electron safeStorage, not `basic_text`). */
  secretStorage: z.enum(['encrypted', 'unavailable']),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/** One server of the practice lab as the UI shows it. */
export const LabNodeSchema = z.object({
  name: z.string(),
  hostname: z.string(),
  address: z.string(),
  port: z.number().int(),
  running: z.boolean(),
  sshReady: z.boolean(),
});

/** The practice lab: state, its servers, and what a user needs to use it. */
export const LabStatusSchema = z.object({
  state: z.enum(['running', 'down', 'degraded', 'unsupported']),
  /** Why the lab cannot run here (`unsupported`), or what is half there (`degraded`). */
  reason: z.string().optional(),
  nodes: z.array(LabNodeSchema),
  siteFile: z.string().optional(),
  identityFile: z.string().optional(),
  knownHostsPath: z.string().optional(),
  managementSubnet: z.string().optional(),
  leftovers: z.array(z.string()),
});
export type LabStatusView = z.infer<typeof LabStatusSchema>;

/** What a server says before anyone logs in, plus what Lockstep already pinned for it. */
export const HostKeySchema = z.object({
  endpoint: EndpointSchema,
  banner: z.string(),
  keyType: z.string(),
  fingerprint: z.string(),
  rttMs: z.number(),
  /** `pinned`: the same key is in Lockstep's known_hosts; `mismatch`: a different one is (a hard stop). */
  trust: z.enum(['unknown', 'pinned', 'mismatch']),
  /** The fingerprint pinned earlier, when it differs from the one offered now. */
  pinnedFingerprint: z.string().optional(),
});
export type HostKey = z.infer<typeof HostKeySchema>;

/**
 * One row of a discovery (the `discover --json` row): an address and port and what it
 * said before any login, plus whether Lockstep already pinned the key it offered.
 */
export const DiscoveryRowSchema = z.object({
  /** The argument the row came from, as the user wrote it. */
  target: z.string(),
  name: z.string().nullable(),
  address: z.string().nullable(),
  port: z.number().int(),
  state: z.enum(['ssh', 'open-not-ssh', 'closed', 'no-answer', 'unresolved']),
  banner: z.string().nullable(),
  keyType: z.string().nullable(),
  fingerprint: z.string().nullable(),
  rttMs: z.number().nullable(),
  reason: z.string().nullable(),
  fromRange: z.boolean(),
  trust: z.enum(['unknown', 'pinned', 'mismatch']).optional(),
});
export type DiscoveryRow = z.infer<typeof DiscoveryRowSchema>;

export const DiscoverResultSchema = z.object({
  /** Rows a person sees: every SSH server, and every host named one by one. */
  rows: z.array(DiscoveryRowSchema),
  /** How many addresses were tried (a subnet is many). */
  scanned: z.number().int(),
  durationMs: z.number(),
});

export const TrustResultSchema = z.object({
  endpoint: EndpointSchema,
  keyType: z.string(),
  fingerprint: z.string(),
  knownHostsPath: z.string(),
  /** The same key was pinned before: nothing was written. */
  alreadyTrusted: z.boolean(),
});

/** One server's inventory (`provisioning/api/inventory.ts`), or why it could not be read. */
export const ProbeNodeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), endpoint: EndpointSchema, inventory: InventorySchema }),
  z.object({ ok: z.literal(false), endpoint: EndpointSchema, error: ErrorInfoSchema }),
]);
export type ProbeNode = z.infer<typeof ProbeNodeSchema>;

export const ProbeResultSchema = z.object({ nodes: z.array(ProbeNodeSchema) });

export const SiteFileResultSchema = z.object({
  path: z.string(),
  /** The site as the loader resolved it (defaults filled in). */
  site: z.record(z.string(), z.unknown()),
});

export const FieldCheckSchema = z.object({
  field: z.string(),
  valid: z.boolean(),
  /** What is wrong and what is expected, when `valid` is false. */
  message: z.string().optional(),
});
export type FieldCheck = z.infer<typeof FieldCheckSchema>;

/**
 * Checks one site-file field (`name`, `nodes[0].address`, `ssh.user`, …) with the site
 * format's own rules and words (`provisioning/api/site.ts`). Pure: the renderer calls
 * it as the user types, the service answers `validateSiteField` with it.
 */
export function checkSiteField(field: string, value: unknown): FieldCheck {
  const problems = validateSiteField(field, value);
  const first = problems[0];
  return first ? { field, valid: false, message: problemText(first) } : { field, valid: true };
}

/**
 * Checks one target of "Find servers" as typed: an address or hostname with an
 * optional port (`10.0.0.11`, `node-a:2222`, `[2001:db8::5]:22`) or an IPv4 subnet
 * (`10.0.0.0/24`). The scanner re-checks with its own limits (at most a /16).
 */
export function checkDiscoveryTarget(text: string): FieldCheck {
  const field = 'targets';
  const trimmed = text.trim();
  if (trimmed.includes('/')) {
    const [range = '', port] = trimmed.split(/:(?=\d+$)/);
    const cidr = parseCidr(range);
    if (!cidr)
      return { field, valid: false, message: `"${trimmed}" is not a subnet: write it as 10.0.0.0/24.` };
    if (cidr.family === 4 && cidr.prefix < 16) {
      return {
        field,
        valid: false,
        message: `A /${cidr.prefix} is too large to scan: give a /16 or smaller (e.g. ${cidr.network}/24).`,
      };
    }
    if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) {
      return { field, valid: false, message: `Port ${port} is out of range: give 1 to 65535.` };
    }
    return { field, valid: true };
  }
  try {
    parseEndpoint(trimmed, 22, 'address');
    return { field, valid: true };
  } catch (error) {
    const message = error instanceof LockstepError ? `${error.message} ${error.remedy}` : String(error);
    return { field, valid: false, message };
  }
}

const NoArgs = z.object({}).strict();

/**
 * The checks the practice lab's containers cannot pass (they share this computer's
 * kernel: no DRBD module, no disks of their own, usually no nested VT-x). The wizard
 * offers to go on past exactly these, as `scripts/demo.sh` does with `--allow-checks`.
 */
export const LAB_ALLOWED_CHECKS = ['cpu.virt-missing', 'disk.none-available', 'kmod.drbd-unavailable'] as const;

/** The site file a call works on (Start's "Open site file", or the practice lab's). */
const SitePathSchema = z.string().min(1).max(4096);

/** Check ids, as the catalogue spells them. */
const CheckIdsSchema = z.array(z.string().regex(/^[a-z]+\.[a-z0-9-]+$/, 'Expected a check id such as disk.none-available.')).max(200);

/** The area a check belongs to (`checks/catalogue.ts`), for grouping. */
export const CheckAreaSchema = z.enum(['ssh', 'host', 'disks', 'network', 'software', 'safety']);
export type CheckAreaView = z.infer<typeof CheckAreaSchema>;

/** A finding with its area, as the Validate screen groups it. */
export const AreaFindingSchema = FindingSchema.extend({ area: CheckAreaSchema });
export type AreaFinding = z.infer<typeof AreaFindingSchema>;

/** What `validate` returns: the findings, what the pair can host, and whether it may go on. */
export const ValidateResultSchema = z.object({
  findings: z.array(AreaFindingSchema),
  capacity: z.object({
    poolBytes: z.number().nullable(),
    vcpus: z.number().nullable(),
    memoryBytes: z.number().nullable(),
  }),
  connectionFailed: z.boolean(),
  failed: z.boolean(),
  /** The check ids that were run (`only`), or none for every check. */
  only: z.array(z.string()),
});
export type ValidateResult = z.infer<typeof ValidateResultSchema>;

export const PlanResultSchema = z.object({
  plan: PlanSchema,
  /** The `fail` findings accepted through `allowChecks`. */
  allowed: z.array(FindingSchema),
});
export type PlanResult = z.infer<typeof PlanResultSchema>;

/** How an install or a VM create ended (its events came over the event stream while it ran). */
export const ApplyResultSchema = z.object({
  runId: z.string(),
  journalPath: z.string(),
  outcome: z.enum(['ok', 'failed', 'cancelled']),
  counts: z.object({ changed: z.number().int(), noop: z.number().int(), failed: z.number().int() }),
  stoppedAt: StopPointSchema.nullable(),
  failure: StepFailureSchema.nullable(),
});
export type ApplyResultView = z.infer<typeof ApplyResultSchema>;

/** The console's first picture: the pair now, the alerts kept on disk, the last hour's charts. */
export const WatchResultSchema = z.object({
  state: PairStateSchema,
  recentAlerts: z.array(AlertSchema),
  history: PairHistorySchema,
});
export type WatchResult = z.infer<typeof WatchResultSchema>;

/** What "Test BMC of …" learned: it answered (true), it did not (false), or it could not be asked (null). */
export const BmcTestResultSchema = z.object({
  reachable: z.boolean().nullable(),
  detail: z.string(),
  /** The server that asked: the other node, the one that would fence through this BMC. */
  from: z.string(),
});
export type BmcTestResult = z.infer<typeof BmcTestResultSchema>;

/** A line of the fence agent's stdin: a line break would start another option. */
const oneLine = (text: string): boolean => !/[\r\n]/.test(text);

/** A site-file field checked with the site format's own rules (the message names what is expected). */
const siteFieldValue = <T extends z.ZodTypeAny>(schema: T, field: string) =>
  schema.superRefine((value, context) => {
    const check = checkSiteField(field, value);
    if (!check.valid) context.addIssue({ code: 'custom', message: (check.message ?? 'Invalid value.').replace(`${field}: `, '') });
  });

/** The arguments every site-file call shares. */
const siteCall = {
  sitePath: SitePathSchema,
  secrets: SecretsSchema.optional(),
  operationId: OperationIdSchema.optional(),
};

/** Every call of the contract: its argument and result schemas. */
export const calls = {
  appInfo: { args: NoArgs, result: AppInfoSchema },
  labStatus: { args: NoArgs, result: LabStatusSchema },
  labUp: { args: z.object({ operationId: OperationIdSchema.optional() }).strict(), result: LabStatusSchema },
  labDown: {
    args: z.object({ operationId: OperationIdSchema.optional() }).strict(),
    result: LabStatusSchema,
  },
  discover: {
    args: z
      .object({
        targets: z
          .array(z.string().trim().min(1, 'An empty target is not an address.').max(300))
          .min(1)
          .max(64),
        port: z.number().int().min(1).max(65535).optional(),
        operationId: OperationIdSchema.optional(),
      })
      .strict(),
    result: DiscoverResultSchema,
  },
  readHostKey: { args: z.object({ endpoint: EndpointSchema }).strict(), result: HostKeySchema },
  trust: {
    args: z.object({ endpoint: EndpointSchema, fingerprint: FingerprintSchema }).strict(),
    result: TrustResultSchema,
  },
  probe: {
    args: z
      .object({
        nodes: z.array(EndpointSchema).min(1).max(2),
        login: LoginSchema.strict(),
        secrets: SecretsSchema.optional(),
        operationId: OperationIdSchema.optional(),
      })
      .strict(),
    result: ProbeResultSchema,
  },
  loadSiteFile: {
    args: z.object({ path: z.string().min(1).max(4096) }).strict(),
    result: SiteFileResultSchema,
  },
  validateSiteField: {
    args: z.object({ field: z.string().min(1).max(200), value: z.unknown() }).strict(),
    result: FieldCheckSchema,
  },
  /**
   * Steps 5–6: what `lockstep init` would decide for these two servers (roles found by
   * probing the wire, private-link addresses, pool disks), with the evidence; changes nothing.
   */
  suggestSite: {
    args: z
      .object({
        nodes: z.array(EndpointSchema).length(2),
        login: LoginSchema.strict(),
        secrets: SecretsSchema.optional(),
        /** The pair name, when the user has given a valid one (probing does not depend on it). */
        name: z.string().max(64).optional(),
        operationId: OperationIdSchema.optional(),
      })
      .strict(),
    result: RoleSuggestionSchema,
  },
  /**
   * Step 7's hand-over: writes the site the wizard edited (a site-file mapping, checked
   * with the site format's own rules) as a commented YAML file Lockstep owns, so that
   * Validate, Plan, Install and the CLI (`-c`) all work on the same file.
   */
  saveSite: {
    args: z
      .object({
        site: z.record(z.string(), z.unknown()),
        /** Why values were chosen, by field, written as comments (`lockstep init`'s notes). */
        notes: z.record(z.string(), z.string().max(2000)).optional(),
      })
      .strict(),
    result: SiteFileResultSchema,
  },
  /** Step 11: the proof after an install (quorum, services, DRBD, fencing); changes nothing. */
  verifyPair: {
    args: z.object({ ...siteCall }).strict(),
    result: VerifyResultSchema,
  },
  /** Step 8: every check (or `only` these) on both servers; changes nothing. */
  validate: {
    args: z.object({ ...siteCall, only: CheckIdsSchema.optional() }).strict(),
    result: ValidateResultSchema,
  },
  /** Step 9: what apply would change on each server; changes nothing. */
  plan: {
    args: z.object({ ...siteCall, allowChecks: CheckIdsSchema.optional() }).strict(),
    result: PlanResultSchema,
  },
  /** Step 10: the install; its `ApplyEvent`s stream as `apply` events with this operation id. */
  apply: {
    args: z.object({ ...siteCall, operationId: OperationIdSchema, allowChecks: CheckIdsSchema.optional() }).strict(),
    result: ApplyResultSchema,
  },
  /** Cancels a running call (apply, createVm, plan, validate, a watch) at its next safe point. */
  cancel: {
    args: z.object({ operationId: OperationIdSchema }).strict(),
    result: z.object({ cancelled: z.boolean() }),
  },
  /**
   * Step 12: starts watching the pair; returns its state now, then streams `monitor`
   * events with this operation id until `cancel` (one watch at a time: a new one ends the last).
   */
  watchPair: {
    args: z
      .object({ ...siteCall, operationId: OperationIdSchema, intervalSeconds: z.number().int().min(1).max(3600).optional() })
      .strict(),
    result: WatchResultSchema,
  },
  /**
   * A console action (node to maintenance and back, migrate a VM, change a VM's level),
   * run by the engine as inspect → change or no-op → apply → verify; `dryRun` stops
   * after inspecting and returns what it would do.
   */
  runAction: {
    args: z
      .object({ ...siteCall, action: ActionRequestSchema, dryRun: z.boolean().optional() })
      .strict(),
    result: ActionResultSchema,
  },
  /**
   * The console's "Create VM" (`lockstep vm create`): a VM on a mirrored disk at a level,
   * run by the engine as steps like the install; its `ApplyEvent`s stream as `apply`
   * events with this operation id, `cancel` stops it at a safe point, and its journal
   * is kept per VM beside the install's.
   */
  createVm: {
    args: z
      .object({ ...siteCall, operationId: OperationIdSchema, request: VmCreateRequestSchema, allowChecks: CheckIdsSchema.optional() })
      .strict(),
    result: ApplyResultSchema,
  },
  /**
   * Options' "Test BMC of …": asks one BMC for its power state with `fence_ipmilan -o
   * status` on the other node of the pair (the one that would fence through it); the
   * password goes to the agent's stdin only and is never logged or returned.
   */
  testBmc: {
    args: z
      .object({
        nodes: z.array(EndpointSchema).length(2),
        login: LoginSchema.strict(),
        secrets: SecretsSchema.optional(),
        /** Whose BMC: node a's is asked from b, b's from a. */
        node: z.enum(['a', 'b']),
        bmc: z
          .object({
            address: siteFieldValue(z.string().trim().min(1).max(255), 'nodes[0].bmc.address'),
            port: z.number().int().min(1).max(65535).optional(),
            user: siteFieldValue(z.string().min(1).max(64), 'nodes[0].bmc.user').refine(oneLine, 'Expected one line.'),
          })
          .strict(),
        password: z.string().min(1, 'Give the BMC password.').max(1024).refine(oneLine, 'A BMC password cannot contain a line break.'),
        operationId: OperationIdSchema.optional(),
      })
      .strict(),
    result: BmcTestResultSchema,
  },
  /** Marks an alert of the site's pair acknowledged, in its event log on disk. */
  ackAlert: {
    args: z.object({ sitePath: SitePathSchema, alertId: z.string().min(1).max(300) }).strict(),
    result: z.object({ alert: AlertSchema, alreadyAcknowledged: z.boolean() }),
  },
} as const;

/** The names of the calls, in a stable order (preload, routes and tests enumerate them). */
export type CallName = keyof typeof calls;
export const callNames = Object.keys(calls) as CallName[];

/** What a caller passes (defaults not yet applied). */
export type CallArgs<N extends CallName> = z.input<(typeof calls)[N]['args']>;
/** What the engine sees after parsing. */
export type ParsedArgs<N extends CallName> = z.output<(typeof calls)[N]['args']>;
export type CallResult<N extends CallName> = z.output<(typeof calls)[N]['result']>;

/** The engine's side: one function per call, throwing `LockstepError` on failure. */
export type LockstepApi = { readonly [N in CallName]: (args: ParsedArgs<N>) => Promise<CallResult<N>> };

/**
 * What a door hands the renderer (`window.lockstep` in Electron, the HTTP client on the
 * web): every call returns an envelope, and one event stream carries progress.
 */
export type LockstepBridge = {
  readonly [N in CallName]: (args: CallArgs<N>) => Promise<Envelope<CallResult<N>>>;
} & {
  /** Subscribes to engine events; returns the unsubscribe function. */
  readonly onEvent: (listener: (event: LockstepEvent) => void) => () => void;
};

/** Whether a string names a call of the contract (doors check before dispatching). */
export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

/** The IPC channel of a call (Electron): one fixed channel per name, never a generic one. */
export function channelOf(name: CallName): `lockstep:${CallName}` {
  return `lockstep:${name}`;
}

/** The single channel that carries engine events from main to the renderer. */
export const EVENT_CHANNEL = 'lockstep:event';

/** The header that carries the web bridge's session token. */
export const TOKEN_HEADER = 'x-lockstep-token';
