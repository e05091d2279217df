import { z } from 'zod';

/**
 * A finding is the unit of every check result (PRODUCT.md "Check catalogue"): the id is
 * a stable catalogue id that scripts and the black-box checks depend on.
 */
export const SeveritySchema = z.enum(['pass', 'info', 'warn', 'fail']);
export type Severity = z.infer<typeof SeveritySchema>;

export const FindingSchema = z.object({
  id: z.string().regex(/^[a-z]+\.[a-z0-9-]+$/),
  severity: SeveritySchema,
  node: z.string().optional(),
  subject: z.string().optional(),
  message: z.string(),
  remedy: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;
