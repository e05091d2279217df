import { z } from 'zod';

/**
 * What probing suggests for the wizard's "Network roles" and "Disks" (PRODUCT.md flow
 * steps 5 and 6): the same decisions `lockstep init` writes into a site file, with the
 * evidence behind them (what the wire probe saw), so the wizard can show them, explain
 * them and let the admin change them before anything is installed.
 */

/** A NIC and the address it has (management) or will get (private link). */
const NicAddressSchema = z.object({ nic: z.string(), address: z.string() });

/** Two NICs, one per server, that reached each other during the wire probe. */
export const WirePairSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** Each end saw only the other: a cable, not a switch. */
  direct: z.boolean(),
  speedMbps: z.number().nullable(),
});
export type WirePairView = z.infer<typeof WirePairSchema>;

export const RoleSuggestionSchema = z.object({
  /** The servers' host names (the cluster's node names when the site leaves them `auto`). */
  hostnames: z.object({ a: z.string(), b: z.string() }),
  /** The NIC carrying each server's SSH session, with that session's address. */
  management: z.object({ a: NicAddressSchema, b: NicAddressSchema }),
  /** The directly cabled pair the wire probe found, and the addresses it would get; null when none. */
  privateLink: z
    .object({
      a: NicAddressSchema,
      b: NicAddressSchema,
      subnet: z.string(),
      mtu: z.number().int(),
      speedMbps: z.number().nullable(),
      /** The carrier test confirmed the cable (null: it could not be run). */
      carrierConfirmed: z.boolean().nullable(),
    })
    .nullable(),
  /** The remaining connected NICs, bridged for VMs. */
  business: z.array(z.object({ bridge: z.string(), a: z.string(), b: z.string() })),
  /** The empty disks each server would give to the pool. */
  disks: z.object({ a: z.array(z.string()), b: z.array(z.string()) }),
  /** Every NIC pair that reached each other on the wire, best first. */
  wire: z.array(WirePairSchema),
  /** Why the wire could not be probed, when it could not. */
  wireProblem: z.string().optional(),
  /** Why each value was chosen, by site-file field (`network.private`, …), as `lockstep init` comments it. */
  notes: z.record(z.string(), z.string()),
  /** Usable mirrored capacity of the suggested disks (the smaller server's), when known. */
  poolBytes: z.number().nullable(),
});
export type RoleSuggestion = z.infer<typeof RoleSuggestionSchema>;
