import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeFor } from '../../../provisioning/api/errors';
import { loadSiteFile } from '../../../provisioning/site/load';
import { loadError, siteFolder } from './helpers';

const TWO_NODES = `nodes:
  - address: 10.0.0.11
  - address: 10.0.0.12
`;

describe('loadSiteFile: the smallest file', () => {
  it('is valid as PRODUCT.md writes it and resolves to the documented defaults', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1
nodes:
  - address: 10.0.0.11
  - address: 10.0.0.12
ssh:
  user: root
  identityFile: ~/.ssh/id_ed25519
`);
    // `~` is the home folder: give it one that holds the key.
    const home = folder.home;
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'id_ed25519'), 'key');
    const { site } = loadSiteFile(path, { homeDir: home });
    expect(site).toEqual({
      name: 'pair1',
      nodes: [
        { address: '10.0.0.11', port: 22, name: 'auto', bmc: null },
        { address: '10.0.0.12', port: 22, name: 'auto', bmc: null },
      ],
      ssh: { user: 'root', identityFile: join(home, '.ssh', 'id_ed25519'), port: 22 },
      hypervisor: 'kvm',
      network: {
        management: { a: 'auto', b: 'auto' },
        private: { a: 'auto', b: 'auto', subnet: 'auto', mtu: 'auto' },
        business: 'auto',
      },
      storage: { disks: { a: 'auto', b: 'auto' }, wipe: [], volumeGroup: 'lockstep' },
      quorum: 'two_node',
      fencing: { mode: 'none', acknowledgeNoFencing: false },
      packages: { source: 'mirror' },
      availability: { default: 'ha' },
    });
  });

  it('needs only the name and two addresses (ssh-agent, user root)', () => {
    const folder = siteFolder();
    const { site } = loadSiteFile(folder.write(`name: pair1\n${TWO_NODES}`));
    expect(site.ssh).toEqual({ user: 'root', identityFile: null, port: 22 });
  });

  it('resolves a relative key file against the site file folder, and node ports from ssh.port', () => {
    const folder = siteFolder();
    const { site } = loadSiteFile(
      folder.write(
        `name: lab\nnodes:\n  - address: 127.0.0.1\n    port: 2222\n  - address: 127.0.0.1\nssh:\n  identityFile: id_test\n  port: 2223\n`,
      ),
    );
    expect(site.ssh.identityFile).toBe(join(folder.dir, 'id_test'));
    expect(site.nodes.map((node) => node.port)).toEqual([2222, 2223]);
  });
});

describe('loadSiteFile: every problem names file, line, column and field', () => {
  it('reports a bad address with the exact text', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1
nodes:
  - address: 10.0.0.11
  - address: 10.0.0.300
`);
    const { error, problems } = loadError(path);
    expect(error.code).toBe('config');
    expect(exitCodeFor(error.code)).toBe(2);
    expect(error.message).toBe(
      `${path}:4:5: nodes[1].address: expected an IPv4 or IPv6 address or a hostname, got "10.0.0.300". ` +
        'Fix: an IPv4 address is four numbers from 0 to 255 separated by dots, e.g. `10.0.0.11`.',
    );
    expect(error.field).toBe('nodes[1].address');
    expect(problems).toEqual([
      {
        file: path,
        line: 4,
        column: 5,
        field: 'nodes[1].address',
        message: 'expected an IPv4 or IPv6 address or a hostname, got "10.0.0.300"',
        expected: 'an IPv4 or IPv6 address or a hostname',
        got: '"10.0.0.300"',
        fix: 'an IPv4 address is four numbers from 0 to 255 separated by dots, e.g. `10.0.0.11`.',
        text: error.message,
      },
    ]);
  });

  it('reports an unknown key with the closest field, and not the "missing" field it shadows', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1
nodes:
  - adress: 10.0.0.11
  - address: 10.0.0.12
`);
    const { error } = loadError(path);
    expect(error.message).toBe(
      `${path}:3:5: nodes[0].adress: unknown field — did you mean \`address\`? Fix: rename \`adress\` to \`address\`.`,
    );
  });

  it('reports an unknown top-level field without a close match by listing what is accepted', () => {
    const folder = siteFolder();
    const { problems } = loadError(folder.write(`name: pair1\n${TWO_NODES}colour: blue\n`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 5, column: 1, field: 'colour', message: 'unknown field' });
    expect(problems[0]?.fix).toContain('the file accepts name, nodes, ssh, hypervisor');
  });

  it('reports a wrong type', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1\n${TWO_NODES}ssh:\n  port: "22"\n`);
    const { error } = loadError(path);
    expect(error.message).toBe(
      `${path}:6:3: ssh.port: expected an integer from 1 to 65535, got "22". Fix: write the number without quotes: \`22\`.`,
    );
  });

  it('reports a bad CIDR with the block it probably meant', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1\n${TWO_NODES}network:\n  private:\n    subnet: 10.99.0.1/30\n`);
    const { error } = loadError(path);
    expect(error.message).toBe(
      `${path}:7:5: network.private.subnet: expected an IPv4 or IPv6 CIDR block with room for two addresses (IPv4 /31 or larger), or \`auto\`, got "10.99.0.1/30". Fix: the address must be the first of the block: \`10.99.0.0/30\`.`,
    );
  });

  it('reports duplicate nodes at the second and names the line of the first', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1
nodes:
  - address: 10.0.0.11
  - address: 10.0.0.11
`);
    const { error, problems } = loadError(path);
    expect(problems[0]).toMatchObject({ line: 4, column: 5, field: 'nodes[1].address' });
    expect(error.message).toContain(`(nodes[0].address is at ${path}:3:5)`);
    expect(error.message).toContain('two servers on one host need different `port:` values');
  });

  it('allows one address twice with different ports (the practice lab)', () => {
    const folder = siteFolder();
    const file = `name: lab\nnodes:\n  - address: 127.0.0.1\n    port: 2222\n  - address: 127.0.0.1\n    port: 2223\n`;
    expect(loadSiteFile(folder.write(file)).site.nodes[1].port).toBe(2223);
  });

  it('refuses one node, pointing at the list', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1\nnodes:\n  - address: 10.0.0.11\n`);
    const { error } = loadError(path);
    expect(error.message).toBe(
      `${path}:2:1: nodes: expected exactly two servers, got 1. Fix: add the second server as another \`- address: …\` line.`,
    );
  });

  it('refuses three nodes, pointing at the third', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1\n${TWO_NODES}  - address: 10.0.0.13\n`);
    const { problems } = loadError(path);
    expect(problems).toMatchObject([{ line: 5, column: 5, field: 'nodes', got: '3' }]);
    expect(problems[0]?.fix).toContain('quorum: { witness: … }');
  });

  it('refuses a missing key file, naming the field and the resolved path', () => {
    const folder = siteFolder();
    const path = folder.write(
      `name: pair1\n${TWO_NODES}ssh:\n  user: root\n  identityFile: ~/.ssh/id_missing\n`,
    );
    const { error } = loadError(path, folder.home);
    expect(error.message).toBe(
      `${path}:7:3: ssh.identityFile: expected a readable private key file, got "~/.ssh/id_missing" (${join(folder.home, '.ssh', 'id_missing')} does not exist). ` +
        'Fix: write the path of your private key (e.g. `~/.ssh/id_ed25519`), or remove `identityFile:` to use ssh-agent.',
    );
  });

  it('refuses a public key given as the identity file', () => {
    const folder = siteFolder();
    folder.write('ssh-ed25519 AAAA test\n', 'id_test.pub');
    const { problems } = loadError(
      folder.write(`name: pair1\n${TWO_NODES}ssh:\n  identityFile: ./id_test.pub\n`),
    );
    expect(problems[0]?.fix).toBe('name the private key: `./id_test`.');
  });

  it('refuses a password anywhere and never repeats it', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1
nodes:
  - address: 10.0.0.11
    bmc: { address: 10.0.1.11, user: ADMIN, password: hunter2 }
  - address: 10.0.0.12
    bmc: { address: 10.0.1.12, user: ADMIN, password: prompt }
ssh:
  user: admin
  sudoPassword: hunter2
`);
    const { error, problems } = loadError(path);
    expect(JSON.stringify(error.toInfo())).not.toContain('hunter2');
    expect(problems.map((problem) => [problem.line, problem.field])).toEqual([
      [4, 'nodes[0].bmc.password'],
      [9, 'ssh.sudoPassword'],
    ]);
    expect(problems[0]?.text).toBe(
      `${path}:4:45: nodes[0].bmc.password: a password or other secret in the site file is refused: the file is meant to be shared and kept in git. ` +
        'Fix: remove it; write `password: { env: LOCKSTEP_BMC_A_PASSWORD }` and export that variable, or `password: prompt`.',
    );
    expect(problems[1]?.fix).toContain('LOCKSTEP_SUDO_PASSWORD');
  });

  it('reports a YAML syntax error with line and column', () => {
    const folder = siteFolder();
    const path = folder.write(
      `name: pair1\nnodes:\n  - address: 10.0.0.11\n  - address: [10.0.0.12\nssh: {}\n`,
    );
    const { problems } = loadError(path);
    expect(problems[0]).toMatchObject({ file: path, field: '', expected: 'valid YAML' });
    expect(problems[0]?.line).toBeGreaterThanOrEqual(4);
    expect(problems[0]?.text).toMatch(new RegExp(`^${path}:\\d+:\\d+: YAML syntax error: `));
  });

  it('reports a key written twice as a YAML error at the second one', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1\nname: pair2\n${TWO_NODES}`);
    const { problems } = loadError(path);
    expect(problems[0]).toMatchObject({ line: 2, column: 1 });
    expect(problems[0]?.fix).toBe('each field may appear once in a mapping; remove or rename one of them.');
  });

  it('refuses fencing none without the acknowledgement', () => {
    const folder = siteFolder();
    const path = folder.write(`name: pair1\n${TWO_NODES}fencing:\n  mode: none\n`);
    const { error } = loadError(path);
    expect(error.message).toBe(
      `${path}:6:3: fencing.mode: expected \`acknowledgeNoFencing: true\` with \`mode: none\`, got no acknowledgement. ` +
        'Fix: without fencing a split brain can corrupt data; give both nodes a `bmc:` and use `mode: ipmi`, or add `acknowledgeNoFencing: true` to accept the risk.',
    );
    const acknowledged = folder.write(
      `name: pair1\n${TWO_NODES}fencing: { mode: none, acknowledgeNoFencing: true }\n`,
      'ok.yaml',
    );
    expect(loadSiteFile(acknowledged).site.fencing).toEqual({ mode: 'none', acknowledgeNoFencing: true });
  });

  it('refuses a BMC on one node only', () => {
    const folder = siteFolder();
    const { problems } = loadError(
      folder.write(
        `name: pair1\nnodes:\n  - address: 10.0.0.11\n    bmc: { address: 10.0.1.11, user: ADMIN }\n  - address: 10.0.0.12\n`,
      ),
    );
    expect(problems).toMatchObject([{ line: 5, column: 5, field: 'nodes[1].bmc' }]);
  });

  it('refuses a wipe entry without model and serial', () => {
    const folder = siteFolder();
    const path = folder.write(
      `name: pair1\n${TWO_NODES}storage:\n  wipe:\n    - node: a\n      device: /dev/sdb\n`,
    );
    const { problems } = loadError(path);
    expect(problems.map((problem) => [problem.line, problem.column, problem.field])).toEqual([
      [7, 7, 'storage.wipe[0].model'],
      [7, 7, 'storage.wipe[0].serial'],
    ]);
    expect(problems[0]?.message).toBe(
      "missing; expected the disk's model exactly as `lockstep probe` shows it",
    );
  });

  it('lists every problem at once, in file order', () => {
    const folder = siteFolder();
    const path = folder.write(`name: Pair_1
nodes:
  - address: 10.0.0.11
  - address: 10.0.0.300
hypervisor: vmware
`);
    const { error, problems } = loadError(path);
    expect(problems.map((problem) => problem.field)).toEqual(['name', 'nodes[1].address', 'hypervisor']);
    expect(error.message.split('\n')[0]).toBe(`${path} has 3 problems:`);
    expect(problems[0]?.fix).toBe('e.g. `pair-1`.');
  });

  it('names the path of a missing file', () => {
    const folder = siteFolder();
    const missing = join(folder.dir, 'nope.yaml');
    const { error } = loadError(missing);
    expect(error.message).toBe(`Site file not found: ${missing}`);
    expect(error.field).toBe('--config');
  });

  it('refuses an empty file with the smallest file as the fix', () => {
    const folder = siteFolder();
    const { problems } = loadError(folder.write(''));
    expect(problems[0]).toMatchObject({ line: 1, column: 1, field: '' });
    expect(problems[0]?.fix).toContain('name: pair1');
  });
});
