/**
 * The Pacemaker configuration of a VM at level `ha`, as CIB XML. Ids derive from the VM
 * name (the contract restricts it), so that every action finds them again:
 * `vm-NAME` the VirtualDomain resource, `ms-NAME` the promotable DRBD clone of its disk,
 * `col-NAME`/`ord-NAME` the rules that run the VM only where, and after, its disk is
 * Primary. Pacemaker 2.1 role names (Promoted/Unpromoted).
 */

/** Where the domain XML lives on both nodes (VirtualDomain's `config`). */
export function vmConfigPath(vm: string): string {
  return `/etc/lockstep/vms/${vm}.xml`;
}

/** Lockstep's VirtualDomain resource of a VM. */
export function resourceIdFor(vm: string): string {
  return `vm-${vm}`;
}

/** The VM a resource of Lockstep's belongs to (`vm-web1`, `drbd-web1`, `ms-web1` → `web1`). */
export function vmOfResource(resource: string): string | undefined {
  return /^(?:vm|drbd|ms)-(.+)$/.exec(resource)?.[1];
}

/** The ids of everything `ha` creates for a VM with a mirrored disk. */
export function haIds(vm: string): { readonly vm: string; readonly clone: string; readonly drbd: string; readonly colocation: string; readonly order: string } {
  return { vm: resourceIdFor(vm), clone: `ms-${vm}`, drbd: `drbd-${vm}`, colocation: `col-${vm}`, order: `ord-${vm}` };
}

/**
 * The VirtualDomain primitive. `targetRole: 'Stopped'` creates it stopped, so that it
 * cannot start anywhere before the constraints that tie it to its disk exist;
 * `unmanaged` creates it watched but untouched, for a VM that already runs (`vm level ha`).
 */
export function renderVmPrimitive(vm: string, options: { targetRole?: 'Stopped'; unmanaged?: boolean } = {}): string {
  const id = resourceIdFor(vm);
  return [
    `<primitive id="${id}" class="ocf" provider="heartbeat" type="VirtualDomain">`,
    `  <instance_attributes id="${id}-ia">`,
    `    <nvpair id="${id}-config" name="config" value="${vmConfigPath(vm)}"/>`,
    `    <nvpair id="${id}-hypervisor" name="hypervisor" value="qemu:///system"/>`,
    `    <nvpair id="${id}-migration_transport" name="migration_transport" value="ssh"/>`,
    '  </instance_attributes>',
    `  <meta_attributes id="${id}-meta">`,
    `    <nvpair id="${id}-stickiness" name="resource-stickiness" value="100"/>`,
    ...(options.targetRole ? [`    <nvpair id="${id}-target-role" name="target-role" value="${options.targetRole}"/>`] : []),
    ...(options.unmanaged ? [`    <nvpair id="${id}-is-managed" name="is-managed" value="false"/>`] : []),
    '  </meta_attributes>',
    '  <operations>',
    `    <op id="${id}-monitor" name="monitor" interval="10s" timeout="30s"/>`,
    `    <op id="${id}-start" name="start" interval="0s" timeout="120s"/>`,
    `    <op id="${id}-stop" name="stop" interval="0s" timeout="120s"/>`,
    '  </operations>',
    '</primitive>',
  ].join('\n');
}

/** The promotable clone of the VM's DRBD resource (`ocf:linbit:drbd`): Primary on one node. */
export function renderDrbdClone(vm: string, drbdResource: string): string {
  const ids = haIds(vm);
  return [
    `<clone id="${ids.clone}">`,
    `  <meta_attributes id="${ids.clone}-meta">`,
    `    <nvpair id="${ids.clone}-promotable" name="promotable" value="true"/>`,
    `    <nvpair id="${ids.clone}-promoted-max" name="promoted-max" value="1"/>`,
    `    <nvpair id="${ids.clone}-promoted-node-max" name="promoted-node-max" value="1"/>`,
    `    <nvpair id="${ids.clone}-clone-max" name="clone-max" value="2"/>`,
    `    <nvpair id="${ids.clone}-clone-node-max" name="clone-node-max" value="1"/>`,
    `    <nvpair id="${ids.clone}-notify" name="notify" value="true"/>`,
    '  </meta_attributes>',
    `  <primitive id="${ids.drbd}" class="ocf" provider="linbit" type="drbd">`,
    `    <instance_attributes id="${ids.drbd}-ia"><nvpair id="${ids.drbd}-res" name="drbd_resource" value="${drbdResource}"/></instance_attributes>`,
    '    <operations>',
    `      <op id="${ids.drbd}-mon-p" name="monitor" interval="10s" role="Promoted" timeout="60s"/>`,
    `      <op id="${ids.drbd}-mon-u" name="monitor" interval="20s" role="Unpromoted" timeout="60s"/>`,
    `      <op id="${ids.drbd}-start" name="start" interval="0s" timeout="240s"/>`,
    `      <op id="${ids.drbd}-stop" name="stop" interval="0s" timeout="100s"/>`,
    `      <op id="${ids.drbd}-promote" name="promote" interval="0s" timeout="90s"/>`,
    `      <op id="${ids.drbd}-demote" name="demote" interval="0s" timeout="90s"/>`,
    '    </operations>',
    '  </primitive>',
    '</clone>',
  ].join('\n');
}

/** The VM runs only where its disk is Primary… */
export function renderColocation(vm: string): string {
  const ids = haIds(vm);
  return `<rsc_colocation id="${ids.colocation}" rsc="${ids.vm}" with-rsc="${ids.clone}" with-rsc-role="Promoted" score="INFINITY"/>`;
}

/** …and starts only after the disk has been promoted there. */
export function renderOrder(vm: string): string {
  const ids = haIds(vm);
  return `<rsc_order id="${ids.order}" first="${ids.clone}" first-action="promote" then="${ids.vm}" then-action="start" kind="Mandatory"/>`;
}
