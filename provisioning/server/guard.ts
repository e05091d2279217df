import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The web bridge's three locks, kept pure so that they are tested without a socket:
 * only 127.0.0.1 listens; the Host and Origin headers must name this very server
 * (a page on another site that rebinds its DNS name to 127.0.0.1 still sends its own
 * name); and every API request carries the random token printed at start.
 */

/** A fresh session token: 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of the presented token with the session's. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host values this server answers to. */
export function allowedHosts(port: number): readonly string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Why a request is refused before anything else looks at it, or undefined when it may go on. */
export function originProblem(headers: IncomingHttpHeaders, port: number): string | undefined {
  const hosts = allowedHosts(port);
  const host = headers.host?.toLowerCase();
  if (!host || !hosts.includes(host)) return `the Host header "${host ?? ''}" is not this server`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null' && !hosts.some((allowed) => origin === `http://${allowed}`)) {
    return `requests from ${origin} are not allowed`;
  }
  if (origin === 'null') return 'requests from opaque origins are not allowed';
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `cross-site requests (${site}) are not allowed`;
  return undefined;
}
