import { checkSiteField } from '../../../provisioning/api/contract';
import { problemText, type SiteProblem } from '../../../provisioning/api/site';

/**
 * What a form field says under itself: its own rule from the site format (the same
 * zod schema and words as the loader, through `checkSiteField`), else a rule that
 * spans fields (`validateSite` on the whole draft) that names this field.
 */
export function fieldMessage(field: string, value: unknown, problems: readonly SiteProblem[] = []): string | undefined {
  const own = checkSiteField(field, value);
  if (!own.valid) return own.message;
  const shared = problems.find((problem) => problem.field === field);
  return shared ? problemText(shared) : undefined;
}

/** The problems of the draft under a prefix (`network.`, `storage.`), for a screen's own summary. */
export function problemsUnder(problems: readonly SiteProblem[], ...prefixes: readonly string[]): SiteProblem[] {
  return problems.filter((problem) => prefixes.some((prefix) => problem.field === prefix || problem.field.startsWith(prefix)));
}
