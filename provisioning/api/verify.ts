import { z } from 'zod';
import { StorageStateSchema } from './monitor';

/**
 * The proof after an install (PRODUCT.md flow step 11): the cluster is quorate with
 * both members, the services run, mirrored storage is ready, and how the pair is
 * fenced. Read-only: what the wizard's Verify screen shows, each line with its reason.
 */

/** One line of the proof, as the screen lists it. */
export const VerifyCheckSchema = z.object({
  /** Stable id: `cluster.quorum`, `cluster.pacemaker`, `services`, `storage.drbd`, `fencing`. */
  id: z.string(),
  title: z.string(),
  status: z.enum(['pass', 'info', 'warn', 'fail']),
  /** What was seen, in words (per server where it differs). */
  detail: z.string(),
  /** What to do, when the line is not a pass. */
  remedy: z.string().optional(),
});
export type VerifyCheck = z.infer<typeof VerifyCheckSchema>;

/** A service on one server and what systemd says about it (`active`, `inactive`, `failed`, …). */
export const ServiceStateSchema = z.object({
  /** What people call it: `corosync`, `pacemaker`, `libvirtd`, `xen`. */
  name: z.string(),
  /** The unit (or tool) that was asked. */
  unit: z.string(),
  state: z.string(),
});
export type ServiceState = z.infer<typeof ServiceStateSchema>;

/** One server as Verify saw it. */
export const VerifyNodeSchema = z.object({
  key: z.enum(['a', 'b']),
  address: z.string(),
  name: z.string().nullable(),
  reachable: z.boolean(),
  /** Why the server could not be read. */
  problem: z.string().optional(),
  /** This server's partition is quorate (null: corosync does not answer). */
  quorate: z.boolean().nullable(),
  /** Members corosync sees from this server. */
  members: z.array(z.string()),
  services: z.array(ServiceStateSchema),
  /** DRBD module version loaded on this server; null when none is loaded. */
  drbdVersion: z.string().nullable(),
});
export type VerifyNode = z.infer<typeof VerifyNodeSchema>;

export const VerifyResultSchema = z.object({
  pair: z.string(),
  checkedAt: z.string(),
  /** No line failed. */
  passed: z.boolean(),
  checks: z.array(VerifyCheckSchema),
  nodes: z.tuple([VerifyNodeSchema, VerifyNodeSchema]),
  storage: z.array(StorageStateSchema),
  fencing: z.object({
    mode: z.enum(['ipmi', 'none']),
    /** Pacemaker has stonith enabled and a fence device. */
    configured: z.boolean(),
    acknowledgedNone: z.boolean(),
  }),
});
export type VerifyResult = z.infer<typeof VerifyResultSchema>;
