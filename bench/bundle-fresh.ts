/**
 * Exit 0 when the offline bundle in argv[2] carries every package the stack installs
 * (recipes/package-sets), 1 when it lacks one (or has no index): `bench/run.sh` then
 * rebuilds it, so that a package added to the stack does not fail the bench's applies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPackages } from '../provisioning/recipes/package-sets';

const dir = process.argv[2] ?? '';
let index = '';
try {
  index = readFileSync(join(dir, 'Packages'), 'utf8');
} catch {
  process.stderr.write(`bench: no bundle index in ${dir}\n`);
  process.exit(1);
}
const names = new Set([...index.matchAll(/^Package: (\S+)$/gm)].map((match) => match[1]));
const missing = allPackages().filter((choice) => !(typeof choice === 'string' ? [choice] : choice).some((name) => names.has(name)));
if (missing.length > 0) {
  process.stderr.write(`bench: the bundle in ${dir} lacks ${missing.map(String).join(', ')}\n`);
  process.exit(1);
}
