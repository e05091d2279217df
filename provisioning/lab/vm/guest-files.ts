/**
 * Files the VM image carries for the lab: how a VM becomes one particular server at
 * first boot (the seed) and how its emulated private link behaves like a cable. They
 * are part of the image recipe: changing one changes the image's cache key.
 */

/** fw_cfg entry the seed arrives in (QEMU `-fw_cfg name=…,file=seed.tar`). */
export const SEED_FW_CFG_NAME = 'opt/org.lockstep/seed';

/** virtio-serial port through which a VM reports its private NIC's up/down to the peer's QEMU. */
export const CABLE_PORT_NAME = 'org.lockstep.cable';

/** QEMU device id of the private NIC (the target of `set_link`). */
export const CABLE_DEVICE_ID = 'cable';

/**
 * Reads the seed (a tar made by `lab up`: host keys, hostname, root's authorized key,
 * network files, the private NIC's MAC) from QEMU's fw_cfg and unpacks it over `/`,
 * once per system disk. No loop mounts, no nbd, no extra disk that probing would see.
 */
export const SEED_SCRIPT = `#!/bin/sh
# Lockstep VM lab: install this server's identity from the seed QEMU hands over.
set -eu
seed=/sys/firmware/qemu_fw_cfg/by_name/${SEED_FW_CFG_NAME}/raw
modprobe qemu_fw_cfg 2>/dev/null || true
i=0
while [ ! -r "$seed" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
if [ ! -r "$seed" ]; then
  echo "lockstep-seed: no seed at $seed" >&2
  exit 1
fi
cat "$seed" | tar -x -p -C / -f -
hostname "$(cat /etc/hostname)"
touch /etc/lockstep-seeded
echo "lockstep-seed: installed the seed for $(cat /etc/hostname)"
`;

export const SEED_UNIT = `[Unit]
Description=Lockstep VM lab seed (host keys, hostname, network, root key)
DefaultDependencies=no
After=local-fs.target systemd-remount-fs.service
Before=sysinit.target network-pre.target systemd-networkd.service ssh.service
Wants=network-pre.target
ConditionPathExists=!/etc/lockstep-seeded

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lockstep-seed

[Install]
WantedBy=sysinit.target
`;

/**
 * QEMU's NICs do not drop the far end's carrier when one end goes down, as a cable
 * does (the wire probe's carrier test relies on it). This agent watches the private
 * NIC and tells the peer's QEMU, through a virtio-serial port wired to the peer's
 * QMP monitor, to set the peer NIC's link to match.
 */
export const CABLE_SCRIPT = `#!/bin/bash
# Lockstep VM lab: make the emulated private link behave like a cable.
port=/dev/virtio-ports/${CABLE_PORT_NAME}
mac=$(cat /etc/lockstep/cable-mac 2>/dev/null) || exit 0
i=0
while [ ! -e "$port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
[ -e "$port" ] || { echo "lockstep-cable: no $port" >&2; exit 0; }
nic=
for dev in /sys/class/net/*; do
  [ "$(cat "$dev/address")" = "$mac" ] && nic=\${dev##*/}
done
[ -n "$nic" ] || { echo "lockstep-cable: no NIC with MAC $mac" >&2; exit 1; }
exec 3<>"$port"
cat <&3 >/dev/null &
state=
report() {
  if ip -o link show dev "$nic" | grep -q '[<,]UP[,>]'; then now=true; else now=false; fi
  [ "$now" = "$state" ] && return
  state=$now
  printf '{"execute":"qmp_capabilities"}\\n{"execute":"set_link","arguments":{"name":"${CABLE_DEVICE_ID}","up":%s}}\\n' "$now" >&3
  echo "lockstep-cable: $nic up=$now"
}
report
ip -o monitor link | while read -r line; do
  case "$line" in *" $nic:"*|*" $nic@"*) report ;; esac
done
`;

export const CABLE_UNIT = `[Unit]
Description=Lockstep VM lab: private link carrier follows the peer
After=lockstep-seed.service systemd-udevd.service

[Service]
ExecStart=/usr/local/sbin/lockstep-cable
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
`;

/** The system disk is the whole first virtio disk (no partition table): `mkfs.ext4 -d` made it. */
export const FSTAB = `# Lockstep VM lab
/dev/vda / ext4 rw,errors=remount-ro 0 1
`;

/** Root by key only, as on a fresh Debian server; lookups off (the lab has no DNS). */
export const SSHD_CONFIG = `# Lockstep VM lab
PermitRootLogin prohibit-password
UseDNS no
`;

/** Every guest file with its path in the image and mode (hashed into the image key). */
export const GUEST_FILES: readonly { readonly path: string; readonly text: string; readonly mode: number }[] =
  [
    { path: 'usr/local/sbin/lockstep-seed', text: SEED_SCRIPT, mode: 0o755 },
    { path: 'etc/systemd/system/lockstep-seed.service', text: SEED_UNIT, mode: 0o644 },
    { path: 'usr/local/sbin/lockstep-cable', text: CABLE_SCRIPT, mode: 0o755 },
    { path: 'etc/systemd/system/lockstep-cable.service', text: CABLE_UNIT, mode: 0o644 },
    { path: 'etc/fstab', text: FSTAB, mode: 0o644 },
    { path: 'etc/ssh/sshd_config.d/lockstep-lab.conf', text: SSHD_CONFIG, mode: 0o644 },
  ];
