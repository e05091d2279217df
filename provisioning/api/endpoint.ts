import { z } from 'zod';

/**
 * Where a server's SSH listens. Hostnames, IPv4 and IPv6 literals are accepted; the
 * `HOST[:PORT]` and `[V6]:PORT` spellings of the CLI are parsed by `parseEndpoint`.
 */
export const EndpointSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

/** How to log in. Secrets are never part of this: they travel separately (see `Secrets`). */
export const LoginSchema = z.object({
  user: z.string().min(1),
  identityFile: z.string().optional(),
  /** Use the ssh-agent at SSH_AUTH_SOCK (default true when it is set). */
  agent: z.boolean().optional(),
});
export type Login = z.infer<typeof LoginSchema>;

/** Secrets held in memory only; never logged, never written, never on a command line. */
export interface Secrets {
  readonly password?: string;
  readonly passphrase?: string;
  readonly sudoPassword?: string;
  /** BMC (IPMI) passwords for fencing, per node: used by the fencing step, never by SSH. */
  readonly bmcPasswords?: { readonly a?: string; readonly b?: string };
}
