import type { z } from 'zod';
import { calls, isCallName, type CallName, type Envelope, type LockstepApi } from '../api/contract';
import { toErrorInfo, type ErrorInfo } from '../api/errors';

/**
 * The one place where a door hands a call to the engine: the name is checked, the
 * argument is parsed with the contract's zod schema (so the engine only ever sees
 * valid input), the result is parsed too (so nothing outside the contract, such as a
 * secret, can leak through a door), and every failure becomes an envelope.
 */
export async function dispatch(api: LockstepApi, name: string, raw: unknown): Promise<DispatchOutcome> {
  if (!isCallName(name)) {
    return { kind: 'unknown-call', envelope: { ok: false, error: unknownCall(name) } };
  }
  const parsed = calls[name].args.safeParse(raw ?? {});
  if (!parsed.success) {
    return { kind: 'bad-arguments', envelope: { ok: false, error: badArguments(name, parsed.error) } };
  }
  try {
    const handler = api[name] as (args: unknown) => Promise<unknown>;
    const result: unknown = await handler(parsed.data);
    const checked = calls[name].result.safeParse(result);
    if (!checked.success) {
      return {
        kind: 'failed',
        envelope: {
          ok: false,
          error: {
            code: 'internal',
            message: `The engine returned a result for ${name} that does not match the contract (${describeIssue(checked.error)}).`,
            remedy:
              'This is a bug in Lockstep. Re-run with -v and attach the support bundle to a bug report.',
          },
        },
      };
    }
    return { kind: 'ok', envelope: { ok: true, result: checked.data } };
  } catch (error) {
    return { kind: 'failed', envelope: { ok: false, error: toErrorInfo(error) } };
  }
}

/** What happened to a call, so that a door can choose its status (HTTP 400/404, …). */
export interface DispatchOutcome {
  readonly kind: 'ok' | 'unknown-call' | 'bad-arguments' | 'failed';
  readonly envelope: Envelope<unknown>;
}

/** `nodes[1].host`: the path of a zod issue as a person reads a field name. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    const key = String(part);
    return text === '' ? key : `${text}.${key}`;
  }, '');
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const field = fieldPath(issue.path);
  return field ? `${field}: ${issue.message}` : issue.message;
}

function badArguments(name: CallName, error: z.ZodError): ErrorInfo {
  const issue = error.issues[0];
  const field = issue ? fieldPath(issue.path) : '';
  return {
    code: 'usage',
    ...(field && { field }),
    message: `Invalid argument to ${name}: ${describeIssue(error)}.`,
    remedy: 'Correct the value named in the field and try again.',
    details: { issues: error.issues.map((each) => ({ field: fieldPath(each.path), message: each.message })) },
  };
}

function unknownCall(name: string): ErrorInfo {
  return {
    code: 'usage',
    message: `There is no call named "${name.slice(0, 64)}".`,
    remedy: 'Use one of the calls of the Lockstep contract (provisioning/api/contract.ts).',
  };
}
