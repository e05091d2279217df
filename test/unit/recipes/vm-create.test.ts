import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDrbdResource } from '../../../provisioning/recipes/storage';
import { haIds, renderColocation, renderDrbdClone, renderOrder, renderVmPrimitive } from '../../../provisioning/recipes/vm/cluster-xml';
import { consoleLogPath, macFor, renderDomainXml } from '../../../provisioning/recipes/vm/domain-xml';
import { describeImage } from '../../../provisioning/recipes/vm/image';
import { startProblem, vmCreateSteps } from '../../../provisioning/recipes/vm/steps';
import { chooseMinor } from '../../../provisioning/recipes/vm-disk';
import { parseCrmMonitor } from '../../../provisioning/monitor/parse/crm-mon';
import { parseSizeMiB } from '../../../provisioning/util/size';
import { samplePair } from './sample-pair';

const pair = samplePair({ business: [{ bridge: 'br-biz', a: 'enp2s0', b: 'enp2s0' }] });

describe('vm create: the DRBD minor of a new disk', () => {
  const files = [renderDrbdResource('p', pair, 'lockstep', 'web1', 1), renderDrbdResource('p', pair, 'lockstep', 'db1', 2)].join('');
  it('the lowest minor from 1 that no resource of either node uses', () => {
    expect(chooseMinor([files, ''], 'new1')).toBe(3);
    expect(chooseMinor(['', renderDrbdResource('p', pair, 'lockstep', 'db1', 2)], 'new1')).toBe(1);
    expect(chooseMinor(['', ''], 'first')).toBe(1);
  });
  it('a rerun keeps the minor its resource already has', () => {
    expect(chooseMinor([files, files], 'db1')).toBe(2);
  });
});

describe('vm create: sizes as an admin types them', () => {
  it('binary units, a bare number is MiB', () => {
    expect(parseSizeMiB('512M')).toBe(512);
    expect(parseSizeMiB('1G')).toBe(1024);
    expect(parseSizeMiB('1.5GiB')).toBe(1536);
    expect(parseSizeMiB('20g')).toBe(20480);
    expect(parseSizeMiB('64')).toBe(64);
    expect(parseSizeMiB('1T')).toBe(1048576);
  });
  it('null for anything else', () => {
    for (const text of ['', 'big', '-1G', '0', '1 PB', '1e3M']) expect(parseSizeMiB(text)).toBeNull();
  });
});

describe('vm create: the libvirt definition', () => {
  const spec = { name: 'web1', memoryMiB: 2048, vcpus: 2, device: '/dev/drbd3', bridge: 'br-biz', mac: macFor('web1') };
  it('its disk is the DRBD device without the host cache, its console a file', () => {
    const xml = renderDomainXml(spec, 'kvm');
    expect(xml).toMatch(/^<domain type="kvm">/);
    expect(xml).toContain('<driver name="qemu" type="raw" cache="none" io="native"/>\n      <source dev="/dev/drbd3"/>');
    expect(xml).toContain(`<source path="${consoleLogPath('web1')}" append="on"/>`);
    expect(xml).toContain('<memory unit="MiB">2048</memory>\n  <vcpu>2</vcpu>');
    expect(xml).toContain('<source bridge="br-biz"/>');
    expect(xml).toContain('<cpu mode="host-model"/>');
  });
  it('emulated where the node has no /dev/kvm; no NIC when asked', () => {
    const xml = renderDomainXml({ ...spec, bridge: null }, 'qemu');
    expect(xml).toMatch(/^<domain type="qemu">/);
    expect(xml).not.toContain('<interface');
    expect(xml).not.toContain('host-model');
  });
  it('a stable, locally administered MAC per VM name', () => {
    expect(macFor('web1')).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macFor('web1')).toBe(macFor('web1'));
    expect(macFor('web2')).not.toBe(macFor('web1'));
  });
});

describe('vm create: the cluster configuration', () => {
  it('the VM runs only where its disk is Promoted, after the promotion', () => {
    expect(haIds('web1')).toEqual({ vm: 'vm-web1', clone: 'ms-web1', drbd: 'drbd-web1', colocation: 'col-web1', order: 'ord-web1' });
    expect(renderColocation('web1')).toBe('<rsc_colocation id="col-web1" rsc="vm-web1" with-rsc="ms-web1" with-rsc-role="Promoted" score="INFINITY"/>');
    expect(renderOrder('web1')).toBe('<rsc_order id="ord-web1" first="ms-web1" first-action="promote" then="vm-web1" then-action="start" kind="Mandatory"/>');
    const clone = renderDrbdClone('web1', 'web1');
    expect(clone).toContain('<nvpair id="ms-web1-promotable" name="promotable" value="true"/>');
    expect(clone).toContain('<nvpair id="drbd-web1-res" name="drbd_resource" value="web1"/>');
  });
  it('the VM resource is created stopped until its rules exist', () => {
    expect(renderVmPrimitive('web1', { targetRole: 'Stopped' })).toContain('<nvpair id="vm-web1-target-role" name="target-role" value="Stopped"/>');
    expect(renderVmPrimitive('web1')).not.toContain('target-role');
  });
  it('steps in order: disk, image, definition, cluster, running', () => {
    const steps = vmCreateSteps({ name: 'web1', memoryMiB: 512, vcpus: 1, network: true, disk: { name: 'web1', sizeMiB: 1024, minor: 1 }, image: null });
    expect(steps.map((step) => step.id)).toEqual(['vm-disk.volume', 'vm-disk.drbd-resource', 'vm-disk.initial-sync', 'vm.image', 'vm.definition', 'vm.cluster', 'vm.running']);
    // Without an image the image step does not apply; without DRBD nothing does.
    expect(steps[3]?.applicable({} as never, pair)).toBe(false);
    expect(steps.some((step) => step.applicable({} as never, { ...pair, storageAvailable: false }))).toBe(false);
  });
  it('running: judged from crm_mon (captured on the VM lab); a start still running is not running', () => {
    const none = parseCrmMonitor('<pacemaker-result><summary/><nodes/><resources/></pacemaker-result>');
    expect(startProblem(none, 'web1')).toBe('vm-web1 is not in the cluster');
    const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', 'vm-lab', name), 'utf8');
    expect(startProblem(parseCrmMonitor(fixture('crm_mon-vm-started.xml')), 'guest1')).toBeNull();
    expect(startProblem(parseCrmMonitor(fixture('crm_mon-vm-starting.xml')), 'guest1')).toBe('vm-guest1 is not running yet (Starting)');
  });
});

describe('vm create --image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-image-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a raw image: its size and sha256', async () => {
    const data = Buffer.alloc(70 * 1024 * 1024, 7);
    writeFileSync(join(dir, 'disk.raw'), data);
    expect(await describeImage(join(dir, 'disk.raw'))).toEqual({ path: join(dir, 'disk.raw'), sizeBytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  });
  it('refuses a qcow2 image with the conversion command, an empty or missing file', async () => {
    writeFileSync(join(dir, 'disk.qcow2'), Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(100)]));
    await expect(describeImage(join(dir, 'disk.qcow2'))).rejects.toMatchObject({ field: '--image', remedy: expect.stringContaining('qemu-img convert -O raw') });
    writeFileSync(join(dir, 'empty.raw'), '');
    await expect(describeImage(join(dir, 'empty.raw'))).rejects.toThrow(/is empty/);
    await expect(describeImage(join(dir, 'missing.raw'))).rejects.toThrow(/does not exist/);
  });
});
