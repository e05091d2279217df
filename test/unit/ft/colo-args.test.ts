import { describe, expect, it } from 'vitest';
import {
  chardevAddress,
  coloPrimaryArgs,
  coloSecondaryArgs,
  migrationUri,
  nbdUri,
  overlayCreateArgs,
  type ColoGuest,
  type ColoWiring,
} from '../../../provisioning/ft/colo-args';

const unix = (name: string) => ({ type: 'unix' as const, path: `/run/colo/${name}` });
const wiring: ColoWiring = {
  mirror: unix('mirror.sock'),
  compareSecondary: unix('compare-sec.sock'),
  comparePrimary: unix('compare-pri.sock'),
  compareOut: unix('compare-out.sock'),
  nbd: unix('nbd.sock'),
  migration: unix('migration.sock'),
};
const guest: ColoGuest = {
  name: 'vm1',
  memoryMiB: 128,
  cpus: 1,
  accel: 'tcg',
  kernel: { kernel: '/k/vmlinuz', initrd: '/k/initrd.gz', append: 'console=ttyS0 quiet' },
  mac: '52:54:00:c0:10:01',
  netdev: 'user',
  diskFormat: 'raw',
};
const primary = coloPrimaryArgs(
  guest,
  { disk: '/vm/p.img', serialLog: '/vm/p.log', qmp: '/vm/p.qmp' },
  wiring,
);
const secondary = coloSecondaryArgs(
  guest,
  {
    disk: '/vm/s.img',
    serialLog: '/vm/s.log',
    qmp: '/vm/s.qmp',
    active: '/vm/active.qcow2',
    hidden: '/vm/hidden.qcow2',
  },
  wiring,
);

/** The values of every `flag` in an argument list. */
const values = (args: string[], flag: string) =>
  args.flatMap((arg, i) => (args[i - 1] === flag ? [arg] : []));

describe('coloPrimaryArgs', () => {
  it('puts the disk under a one-child quorum so that the replication child can join it', () => {
    expect(values(primary, '-drive')).toEqual([
      'if=none,id=colo-disk0,driver=quorum,read-pattern=fifo,vote-threshold=1,children.0.driver=raw,children.0.file.filename=/vm/p.img',
    ]);
    expect(values(primary, '-device')).toContain('virtio-blk-pci,id=vd0,drive=colo-disk0,addr=4');
  });

  it('wires the proxy: mirror out, the PVM’s packets through colo-compare, released packets back', () => {
    expect(values(primary, '-chardev')).toEqual([
      'socket,id=mirror0,path=/run/colo/mirror.sock,server=on,wait=off',
      'socket,id=compare1,path=/run/colo/compare-sec.sock,server=on,wait=off',
      'socket,id=compare0,path=/run/colo/compare-pri.sock,server=on,wait=off',
      'socket,id=compare0-0,path=/run/colo/compare-pri.sock',
      'socket,id=compare_out,path=/run/colo/compare-out.sock,server=on,wait=off',
      'socket,id=compare_out0,path=/run/colo/compare-out.sock',
    ]);
    expect(values(primary, '-object')).toEqual([
      'filter-mirror,id=m0,netdev=hn0,queue=tx,outdev=mirror0',
      'filter-redirector,id=redire0,netdev=hn0,queue=rx,indev=compare_out',
      'filter-redirector,id=redire1,netdev=hn0,queue=rx,outdev=compare0',
      'iothread,id=iothread1',
      'colo-compare,id=comp0,primary_in=compare0-0,secondary_in=compare1,outdev=compare_out0,iothread=iothread1',
    ]);
    // A server chardev must exist before the client that connects to it.
    const chardevs = values(primary, '-chardev');
    expect(chardevs.findIndex((c) => c.startsWith('socket,id=compare0,'))).toBeLessThan(
      chardevs.findIndex((c) => c.startsWith('socket,id=compare0-0,')),
    );
  });

  it('runs the guest as asked: TCG, memory, its kernel, serial and QMP on files and sockets', () => {
    expect(values(primary, '-accel')).toEqual(['tcg,tb-size=64']);
    expect(values(primary, '-m')).toEqual(['128M']);
    expect(values(primary, '-kernel')).toEqual(['/k/vmlinuz']);
    expect(values(primary, '-serial')).toEqual(['file:/vm/p.log']);
    expect(values(primary, '-qmp')).toEqual(['unix:/vm/p.qmp,server=on,wait=off']);
    expect(values(primary, '-netdev')).toEqual(['user,id=hn0']);
    expect(primary).not.toContain('-incoming');
  });

  it('uses KVM and -L firmware dirs when asked', () => {
    const kvm = coloPrimaryArgs(
      { ...guest, accel: 'kvm', firmwareDirs: ['/usr/share/qemu', '/usr/share/seabios'] },
      { disk: '/vm/p.img', serialLog: '/vm/p.log', qmp: '/vm/p.qmp' },
      wiring,
    );
    expect(values(kvm, '-accel')).toEqual(['kvm']);
    expect(values(kvm, '-cpu')).toEqual(['host']);
    expect(values(kvm, '-L')).toEqual(['/usr/share/qemu', '/usr/share/seabios']);
  });
});

describe('coloSecondaryArgs', () => {
  it('stacks quorum → replication (secondary) → active → hidden → its copy of the disk', () => {
    expect(values(secondary, '-drive')).toEqual([
      'if=none,id=parent0,driver=raw,file.filename=/vm/s.img',
      'if=none,id=childs0,driver=replication,mode=secondary,top-id=colo-disk0,file.driver=qcow2,file.file.filename=/vm/active.qcow2,file.backing.driver=qcow2,file.backing.file.filename=/vm/hidden.qcow2,file.backing.backing=parent0',
      'if=none,id=colo-disk0,driver=quorum,read-pattern=fifo,vote-threshold=1,children.0=childs0',
    ]);
  });

  it('connects to the primary’s proxy sockets (reconnecting) and waits for the migration stream', () => {
    expect(values(secondary, '-chardev')).toEqual([
      'socket,id=red0,path=/run/colo/mirror.sock,reconnect=1',
      'socket,id=red1,path=/run/colo/compare-sec.sock,reconnect=1',
    ]);
    expect(values(secondary, '-object')).toEqual([
      'filter-redirector,id=f1,netdev=hn0,queue=tx,indev=red0',
      'filter-redirector,id=f2,netdev=hn0,queue=rx,outdev=red1',
      'filter-rewriter,id=rew0,netdev=hn0,queue=all',
    ]);
    expect(values(secondary, '-incoming')).toEqual(['unix:/run/colo/migration.sock']);
  });

  it('presents the same hardware as the primary (checkpoints must load)', () => {
    const hardware = (args: string[]) =>
      ['-machine', '-accel', '-cpu', '-smp', '-m', '-netdev', '-kernel', '-initrd', '-append'].map((flag) =>
        values(args, flag),
      );
    expect(hardware(secondary)).toEqual(hardware(primary));
    const devices = (args: string[]) => values(args, '-device');
    expect(devices(secondary)).toEqual(devices(primary));
    expect(values(secondary, '-name')).toEqual(['vm1-secondary']);
  });
});

describe('endpoints', () => {
  it('writes unix and TCP endpoints for chardevs, migration and NBD', () => {
    expect(chardevAddress({ type: 'inet', host: '10.99.0.2', port: 9003 })).toBe('host=10.99.0.2,port=9003');
    expect(chardevAddress({ type: 'unix', path: '/run/a,b.sock' })).toBe('path=/run/a,,b.sock');
    expect(migrationUri({ type: 'inet', host: '10.99.0.2', port: 9998 })).toBe('tcp:10.99.0.2:9998');
    expect(nbdUri({ type: 'inet', host: '10.99.0.2', port: 9999 }, 'parent0')).toBe(
      'nbd://10.99.0.2:9999/parent0',
    );
    expect(nbdUri(unix('nbd.sock'), 'parent0')).toBe('nbd+unix:///parent0?socket=/run/colo/nbd.sock');
    expect(overlayCreateArgs('/vm/active.qcow2', 16777216)).toEqual([
      'create',
      '-f',
      'qcow2',
      '/vm/active.qcow2',
      '16777216',
    ]);
  });
});
