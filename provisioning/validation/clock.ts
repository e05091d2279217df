import type { Transport } from '../ssh/types';

/**
 * Measures a server's clock against this computer's, NTP style: the server's reading
 * is compared with the midpoint of the round trip that fetched it. Two such offsets
 * give the skew between the servers without trusting either clock.
 */
export async function measureClockOffsetMs(
  transport: Transport,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const sentAt = Date.now();
  const result = await transport.exec('date +%s%N', { timeoutMs: 15_000, ...(signal && { signal }) });
  const receivedAt = Date.now();
  const nanoseconds = result.stdout.trim();
  if (result.code !== 0 || !/^\d{19}$/.test(nanoseconds)) return undefined;
  const serverMs = Number(BigInt(nanoseconds) / 1_000_000n);
  return serverMs - (sentAt + (receivedAt - sentAt) / 2);
}
