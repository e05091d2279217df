import type { OsInfo } from '../api/inventory';
import { keyValueLines } from './parse-util';
import { FactParseError, type Fact } from './types';

/** The distribution and release (`os.unsupported`: Debian 12/13 only). */
export const osReleaseFact: Fact<OsInfo> = {
  id: 'os-release',
  command: 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
  parse(stdout) {
    const fields = keyValueLines(stdout);
    const id = fields.get('ID');
    if (!id) throw new FactParseError('os-release has no ID= line');
    return {
      id,
      idLike: (fields.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean),
      versionId: fields.get('VERSION_ID') || null,
      codename: fields.get('VERSION_CODENAME') || null,
      prettyName: fields.get('PRETTY_NAME') || fields.get('NAME') || id,
    };
  },
};
