import { describe, expect, it } from 'vitest';
import {
  cpuArch,
  cpuMismatch,
  cpuNested,
  cpuVirtMissing,
  hostNameDuplicate,
  memInsufficient,
  memMismatch,
  osUnsupported,
  timeSkew,
  timeUnsynced,
} from '../../../provisioning/checks/host';
import { Thresholds } from '../../../provisioning/checks/catalogue';
import {
  LAB,
  devMachineInventory,
  expectFinding,
  expectOne,
  factError,
  forNode,
  labContext,
  labInventory,
  labSite,
  mapInventory,
  run,
  vmInventory,
  withArchitecture,
  withBareMetal,
  withCpuFlags,
  withCpuModel,
  withCpuVirtualization,
  withHostname,
  withMemory,
  withNode,
  withOsVersion,
  withSection,
  withTimeSync,
} from './context';

const GiB = 1024 ** 3;

describe('os.unsupported', () => {
  it('passes Debian 12 on x86_64 (the lab)', () => {
    expectFinding(forNode(run(osUnsupported, labContext()), LAB.a)[0], {
      id: 'os.unsupported',
      severity: 'pass',
      node: LAB.a,
      words: ['Debian GNU/Linux 12 (bookworm)', 'x86_64', 'supported'],
    });
  });

  it('fails Debian 11', () => {
    const context = mapInventory(labContext(), 'b', (inv) =>
      withOsVersion(inv, '11', 'Debian GNU/Linux 11 (bullseye)'),
    );
    expectFinding(forNode(run(osUnsupported, context), LAB.b)[0], {
      id: 'os.unsupported',
      severity: 'fail',
      node: LAB.b,
      words: ['Debian GNU/Linux 11 (bullseye)', 'not supported', 'Debian 12 or 13 on amd64'],
    });
  });

  it('fails Debian 12 on another architecture', () => {
    const context = mapInventory(labContext(), 'a', (inv) => withArchitecture(inv, 'aarch64'));
    expectFinding(forNode(run(osUnsupported, context), LAB.a)[0], {
      id: 'os.unsupported',
      severity: 'fail',
      node: LAB.a,
      words: ['(aarch64)', 'not supported'],
    });
  });

  it('warns when /etc/os-release could not be read (the QEMU guest had none captured)', () => {
    const context = mapInventory(labContext(), 'a', () => vmInventory());
    expectFinding(forNode(run(osUnsupported, context), LAB.a)[0], {
      id: 'os.unsupported',
      severity: 'warn',
      node: LAB.a,
      words: ['Could not read /etc/os-release'],
    });
  });
});

describe('cpu.arch', () => {
  it('passes x86_64 (the lab)', () => {
    expectFinding(forNode(run(cpuArch, labContext()), LAB.b)[0], {
      id: 'cpu.arch',
      severity: 'pass',
      node: LAB.b,
      words: ['x86_64 processor'],
    });
  });

  it('fails another architecture, naming it', () => {
    const context = mapInventory(labContext(), 'b', (inv) => withArchitecture(inv, 'aarch64'));
    expectFinding(forNode(run(cpuArch, context), LAB.b)[0], {
      id: 'cpu.arch',
      severity: 'fail',
      node: LAB.b,
      words: ['aarch64', 'needs x86_64'],
    });
  });

  it('warns when the architecture could not be read', () => {
    const context = mapInventory(labContext(), 'a', () => vmInventory());
    expectFinding(forNode(run(cpuArch, context), LAB.a)[0], {
      id: 'cpu.arch',
      severity: 'warn',
      node: LAB.a,
      words: ['Could not read the architecture'],
    });
  });
});

describe('cpu.virt-missing', () => {
  it('passes AMD-V (the QEMU guest with -cpu max)', () => {
    const context = mapInventory(labContext(), 'a', () => vmInventory());
    expectFinding(forNode(run(cpuVirtMissing, context), LAB.a)[0], {
      id: 'cpu.virt-missing',
      severity: 'pass',
      node: LAB.a,
      words: ['AMD-V (svm) available'],
    });
  });

  it('passes Intel VT-x', () => {
    const context = mapInventory(labContext(), 'a', (inv) => withCpuVirtualization(inv, 'vmx'));
    expectFinding(forNode(run(cpuVirtMissing, context), LAB.a)[0], {
      id: 'cpu.virt-missing',
      severity: 'pass',
      node: LAB.a,
      words: ['Intel VT-x (vmx) available'],
    });
  });

  it('fails when the CPU shows neither vmx nor svm (the lab, and this machine)', () => {
    for (const [label, finding] of [
      [LAB.a, forNode(run(cpuVirtMissing, labContext()), LAB.a)[0]],
      [
        LAB.b,
        forNode(
          run(
            cpuVirtMissing,
            mapInventory(labContext(), 'b', () => devMachineInventory()),
          ),
          LAB.b,
        )[0],
      ],
    ] as const)
      expectFinding(finding, {
        id: 'cpu.virt-missing',
        severity: 'fail',
        node: label,
        words: ['no hardware virtualization', 'neither vmx nor svm'],
      });
  });

  it('warns when the CPU could not be read', () => {
    const context = mapInventory(labContext(), 'a', (inv) =>
      withSection(inv, 'cpu', factError('cpu', 'command not found: lscpu', 127)),
    );
    expectFinding(forNode(run(cpuVirtMissing, context), LAB.a)[0], {
      id: 'cpu.virt-missing',
      severity: 'warn',
      node: LAB.a,
      words: ['Could not read the CPU flags', 'lscpu'],
    });
  });
});

describe('cpu.nested', () => {
  it('passes bare metal', () => {
    const context = mapInventory(labContext(), 'a', withBareMetal);
    expectFinding(forNode(run(cpuNested, context), LAB.a)[0], {
      id: 'cpu.nested',
      severity: 'pass',
      node: LAB.a,
      words: ['bare metal'],
    });
  });

  it('warns when the server is itself a VM (the lab: kvm; the QEMU guest: qemu)', () => {
    expectFinding(forNode(run(cpuNested, labContext()), LAB.a)[0], {
      id: 'cpu.nested',
      severity: 'warn',
      node: LAB.a,
      words: ['runs under kvm', 'nested virtualization'],
    });
    const context = mapInventory(labContext(), 'b', () => vmInventory());
    expectFinding(forNode(run(cpuNested, context), LAB.b)[0], {
      id: 'cpu.nested',
      severity: 'warn',
      node: LAB.b,
      words: ['runs under qemu'],
    });
  });

  it('gives info when it cannot tell', () => {
    const context = mapInventory(labContext(), 'a', (inv) =>
      withSection(inv, 'virtualization', factError('virtualization', 'command not found', 127)),
    );
    expectFinding(forNode(run(cpuNested, context), LAB.a)[0], {
      id: 'cpu.nested',
      severity: 'info',
      node: LAB.a,
      words: ['Could not tell whether the server is virtual'],
    });
  });
});

describe('cpu.mismatch', () => {
  it('passes identical processors (the lab)', () => {
    expectOne(run(cpuMismatch, labContext()), {
      id: 'cpu.mismatch',
      severity: 'pass',
      words: ['same processor', 'Intel(R) Xeon(R) Processor'],
    });
  });

  it('warns at the ha level when the vendor differs (lab vs the AMD QEMU guest)', () => {
    const context = mapInventory(labContext(), 'b', () => vmInventory());
    expectOne(run(cpuMismatch, context), {
      id: 'cpu.mismatch',
      severity: 'warn',
      words: ['vendor GenuineIntel vs AuthenticAMD', 'CPU flags differ', 'features both share'],
    });
  });

  it('warns when only the model differs', () => {
    const context = mapInventory(labContext(), 'b', (inv) => withCpuModel(inv, 'Intel(R) Xeon(R) Gold 6338'));
    expectOne(run(cpuMismatch, context), {
      id: 'cpu.mismatch',
      severity: 'warn',
      words: ['model "Intel(R) Xeon(R) Processor" vs "Intel(R) Xeon(R) Gold 6338"'],
    });
  });

  it('fails at the ft level', () => {
    const context = mapInventory(
      labContext({ site: labSite('availability:\n  default: ft\n') }),
      'b',
      (inv) =>
        withCpuFlags(
          inv,
          labFlags().filter((flag) => flag !== 'avx2'),
        ),
    );
    expectOne(run(cpuMismatch, context), {
      id: 'cpu.mismatch',
      severity: 'fail',
      words: ['avx2 only on 10.211.0.11', 'identical CPUs'],
    });
  });

  // BUG: with 7 flags only on one side the message lists 5 and gives no "…", so two
  // differences vanish silently (the ellipsis counts both sides together, the lists cut each at 5).
  it('marks that more flags differ than it lists', () => {
    const dropped = labFlags().slice(-7);
    const context = mapInventory(labContext(), 'b', (inv) =>
      withCpuFlags(
        inv,
        labFlags().filter((flag) => !dropped.includes(flag)),
      ),
    );
    const [finding] = run(cpuMismatch, context);
    expect(finding?.message).toContain('…');
  });
});

function labFlags(): string[] {
  const cpu = labInventory('a').cpu;
  if ('error' in cpu) throw new Error('lab cpu unreadable');
  return cpu.flags;
}

describe('mem.insufficient', () => {
  it('passes 23.5 GiB (the lab)', () => {
    expectFinding(forNode(run(memInsufficient, labContext()), LAB.a)[0], {
      id: 'mem.insufficient',
      severity: 'pass',
      node: LAB.a,
      words: ['23.5 GiB of memory'],
    });
  });

  it('passes exactly 8 GiB', () => {
    const context = mapInventory(labContext(), 'a', (inv) => withMemory(inv, Thresholds.memoryWarnBytes));
    expect(forNode(run(memInsufficient, context), LAB.a)[0]?.severity).toBe('pass');
  });

  it('warns below 8 GiB', () => {
    const context = mapInventory(labContext(), 'a', (inv) => withMemory(inv, 6 * GiB));
    expectFinding(forNode(run(memInsufficient, context), LAB.a)[0], {
      id: 'mem.insufficient',
      severity: 'warn',
      node: LAB.a,
      words: ['6 GiB of memory', '8 GiB or more is recommended'],
    });
  });

  it('fails below 4 GiB (the 768 MiB QEMU guest)', () => {
    const context = mapInventory(labContext(), 'b', () => vmInventory());
    expectFinding(forNode(run(memInsufficient, context), LAB.b)[0], {
      id: 'mem.insufficient',
      severity: 'fail',
      node: LAB.b,
      words: ['706 MiB of memory', 'at least 4 GiB'],
    });
  });

  it('warns when memory could not be read', () => {
    const context = mapInventory(labContext(), 'a', (inv) =>
      withSection(inv, 'memory', factError('memory', 'exited with status 1')),
    );
    expectFinding(forNode(run(memInsufficient, context), LAB.a)[0], {
      id: 'mem.insufficient',
      severity: 'warn',
      node: LAB.a,
      words: ['Could not read memory'],
    });
  });
});

describe('mem.mismatch', () => {
  it('passes equal memory (the lab)', () => {
    expectOne(run(memMismatch, labContext()), {
      id: 'mem.mismatch',
      severity: 'pass',
      words: ['Memory matches', '23.5 GiB usable'],
    });
  });

  it('passes a 10% difference', () => {
    const context = mapInventory(labContext(), 'b', (inv) => withMemory(inv, Math.ceil(25276063744 * 0.9)));
    expect(run(memMismatch, context)[0]?.severity).toBe('pass');
  });

  it('warns above 10% and names the usable amount', () => {
    const context = mapInventory(labContext(), 'b', (inv) => withMemory(inv, 16 * GiB));
    expectOne(run(memMismatch, context), {
      id: 'mem.mismatch',
      severity: 'warn',
      words: ['23.5 GiB on 10.211.0.11', '16 GiB on 10.211.0.12', 'only 16 GiB is usable'],
    });
  });
});

describe('host.name-duplicate', () => {
  it('passes distinct names (the lab)', () => {
    expectOne(run(hostNameDuplicate, labContext()), {
      id: 'host.name-duplicate',
      severity: 'pass',
      words: ['lockstep-a', 'lockstep-b'],
    });
  });

  it('fails the same short name, whatever the domain and case', () => {
    const context = mapInventory(labContext(), 'b', (inv) => withHostname(inv, 'Lockstep-A.example.net'));
    const finding = expectOne(run(hostNameDuplicate, context), {
      id: 'host.name-duplicate',
      severity: 'fail',
      words: ['Both servers are called "lockstep-a"', 'could not tell its members apart'],
    });
    expect(finding.subject).toBe('lockstep-a');
  });
});

describe('time.skew', () => {
  it('passes the lab clocks (measured a few ms apart)', () => {
    expectOne(run(timeSkew, labContext()), {
      id: 'time.skew',
      severity: 'pass',
      words: [/The clocks differ by \d+\.\d+ ms/, '10.211.0.11 +', '10.211.0.12 +'],
    });
  });

  it('warns above 500 ms', () => {
    const [a] = labContext().nodes;
    const context = withNode(labContext(), 'b', { clockOffsetMs: (a.clockOffsetMs ?? 0) + 800 });
    expectOne(run(timeSkew, context), { id: 'time.skew', severity: 'warn', words: ['differ by 800 ms'] });
  });

  it('fails above 5000 ms, showing a clock behind with a minus sign', () => {
    const context = withNode(labContext(), 'b', { clockOffsetMs: -7000 });
    expectOne(run(timeSkew, context), {
      id: 'time.skew',
      severity: 'fail',
      words: [/differ by 7\.\d s/, '10.211.0.12 −7.0 s'],
    });
  });

  it('does not apply when a clock could not be read', () => {
    expect(run(timeSkew, withNode(labContext(), 'a', { clockOffsetMs: undefined }))).toEqual([]);
  });
});

describe('time.unsynced', () => {
  it('passes a clock synchronised by NTP', () => {
    const context = mapInventory(labContext(), 'a', (inv) => withTimeSync(inv, true, true));
    expectFinding(forNode(run(timeUnsynced, context), LAB.a)[0], {
      id: 'time.unsynced',
      severity: 'pass',
      node: LAB.a,
      words: ['synchronised by NTP'],
    });
  });

  it('warns when no NTP client runs (the lab)', () => {
    expectFinding(forNode(run(timeUnsynced, labContext()), LAB.b)[0], {
      id: 'time.unsynced',
      severity: 'warn',
      node: LAB.b,
      words: ['No NTP synchronisation'],
    });
  });

  it('warns when NTP is enabled but not synchronised yet', () => {
    const context = mapInventory(labContext(), 'a', (inv) => withTimeSync(inv, false, true));
    expectFinding(forNode(run(timeUnsynced, context), LAB.a)[0], {
      id: 'time.unsynced',
      severity: 'warn',
      node: LAB.a,
      words: ['enabled but the clock is not synchronised yet'],
    });
  });

  it('warns when timedatectl could not run (this machine has no systemd)', () => {
    const context = mapInventory(labContext(), 'a', () => devMachineInventory());
    expectFinding(forNode(run(timeUnsynced, context), LAB.a)[0], {
      id: 'time.unsynced',
      severity: 'warn',
      node: LAB.a,
      words: ['Could not read the time-sync state', 'not been booted with systemd'],
    });
  });
});
