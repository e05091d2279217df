import { Alert, Badge, Button, Card, Checkbox, Code, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { LAB_ALLOWED_CHECKS, type AreaFinding, type CheckAreaView } from '../../../provisioning/api/contract';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { StatusIcon, type StatusKind } from '../components/status-icon';
import { formatBytes, plural } from '../format';
import { allowedChecks, blockingFails, validationPassed } from '../store/pair-flow';
import { useWizard } from '../store/store-context';

const AREAS: readonly { id: CheckAreaView; title: string }[] = [
  { id: 'ssh', title: 'Connection and rights' },
  { id: 'host', title: 'Servers' },
  { id: 'disks', title: 'Disks' },
  { id: 'network', title: 'Network' },
  { id: 'software', title: 'Software' },
  { id: 'safety', title: 'Safety' },
];

const SEVERITY_ORDER: readonly AreaFinding['severity'][] = ['fail', 'warn', 'info', 'pass'];

/** Validate (step 8): every check on both servers, grouped, with a fix for each problem. */
export function ValidateScreen() {
  const validation = useWizard((state) => state.validation);
  const sitePath = useWizard((state) => state.sitePath);
  const siteIsLab = useWizard((state) => state.siteIsLab);
  const validate = useWizard((state) => state.validate);
  const setAllowLab = useWizard((state) => state.setAllowLab);
  const goTo = useWizard((state) => state.goTo);
  const makePlan = useWizard((state) => state.makePlan);
  const passed = useWizard((state) => validationPassed(state));
  const allowed = allowedChecks({ siteIsLab, validation });
  const result = validation.result;
  const firstRun = !result && !validation.error;

  useEffect(() => {
    if (firstRun && !validation.running && sitePath) void validate();
  }, [firstRun, validation.running, sitePath, validate]);

  const counts = { pass: 0, info: 0, warn: 0, fail: 0 };
  for (const finding of result?.findings ?? []) counts[finding.severity] += 1;
  const blocking = result ? blockingFails(result.findings, allowed) : [];
  const labFails = result?.findings.filter(
    (finding) => finding.severity === 'fail' && (LAB_ALLOWED_CHECKS as readonly string[]).includes(finding.id),
  );

  return (
    <section>
      <ScreenHeader title="Validate">
        Every check on both servers, read without changing anything. A failed check must be fixed before the
        install; a warning is worth reading.
      </ScreenHeader>

      <Card withBorder padding="md" mb="lg">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="lg">
            {result ? (
              <Group gap="md" role="status" aria-label="Check summary">
                <Summary kind="pass" count={counts.pass} word="passed" />
                <Summary kind="warn" count={counts.warn} word={counts.warn === 1 ? 'warning' : 'warnings'} />
                <Summary kind="fail" count={counts.fail} word="failed" />
                {counts.info > 0 && <Summary kind="info" count={counts.info} word={counts.info === 1 ? 'note' : 'notes'} />}
              </Group>
            ) : validation.running ? (
              <Group gap="sm" role="status">
                <Loader size="sm" />
                <Text size="sm">Checking both servers{validation.progress ? `: ${validation.progress}` : ''}…</Text>
              </Group>
            ) : (
              <Text size="sm" c="dimmed">
                Not run yet.
              </Text>
            )}
          </Group>
          <Button
            variant="light"
            onClick={() => void validate()}
            loading={validation.running && !validation.rerunning}
            disabled={validation.running || !sitePath}
          >
            Re-run all checks
          </Button>
        </Group>
        {sitePath && (
          <Text size="xs" c="dimmed" mt={8}>
            Site file <Code>{sitePath}</Code>
          </Text>
        )}
      </Card>

      {validation.error && <ErrorNotice error={validation.error} />}

      {result && (
        <Stack gap="lg">
          <Capacity capacity={result.capacity} />
          {AREAS.map((area) => {
            const findings = result.findings.filter((finding) => finding.area === area.id);
            if (findings.length === 0) return null;
            return <AreaCard key={area.id} title={area.title} findings={findings} allowed={allowed} />;
          })}
        </Stack>
      )}

      {result && (
        <Card withBorder padding="lg" mt="lg" component="section" aria-labelledby="validate-next">
          <Title order={2} size="h4" id="validate-next" mb="sm">
            Go on
          </Title>
          {siteIsLab && labFails && (
            <Checkbox
              mb="md"
              checked={validation.allowLab}
              onChange={(event) => setAllowLab(event.currentTarget.checked)}
              label="Go on past checks the practice lab cannot pass"
              description={`The lab's servers are containers on this computer: no hardware virtualization, no disks of their own, no DRBD module. Accepts only ${LAB_ALLOWED_CHECKS.join(', ')} (as the CLI's --allow-checks does); storage steps then report themselves not applicable.`}
            />
          )}
          {result.connectionFailed ? (
            <Alert color="red" variant="light" mb="md" title="A server could not be reached or logged into">
              Fix the connection (see Connection and rights above), then re-run the checks.
            </Alert>
          ) : blocking.length > 0 ? (
            <Alert color="red" variant="light" mb="md" title={`${plural(new Set(blocking.map((finding) => finding.id)).size, 'check')} must pass before the install`}>
              <Text size="sm">
                {[...new Set(blocking.map((finding) => finding.id))].join(', ')}: fix what each says, then re-run it.
              </Text>
            </Alert>
          ) : (
            <Text size="sm" mb="md" c="teal.8">
              Nothing stops the install{allowed.length > 0 ? ' (going on past the practice lab’s container-only checks)' : ''}.
            </Text>
          )}
          <Button
            disabled={!passed}
            onClick={() => {
              goTo('plan');
              void makePlan();
            }}
          >
            Continue to plan
          </Button>
        </Card>
      )}
    </section>
  );
}

function Summary({ kind, count, word }: { kind: StatusKind; count: number; word: string }) {
  return (
    <Group gap={6} wrap="nowrap">
      <StatusIcon kind={kind} size={20} />
      <Text size="sm" fw={500}>
        {count} {word}
      </Text>
    </Group>
  );
}

function Capacity({ capacity }: { capacity: { poolBytes: number | null; vcpus: number | null; memoryBytes: number | null } }) {
  const items: [string, string, string][] = [
    ['Mirrored storage', capacity.poolBytes === null ? '—' : formatBytes(capacity.poolBytes), 'the smaller server’s pool, less DRBD metadata'],
    ['Processors for VMs', capacity.vcpus === null ? '—' : plural(capacity.vcpus, 'vCPU'), 'one per server is kept for the host'],
    ['Memory for VMs', capacity.memoryBytes === null ? '—' : formatBytes(capacity.memoryBytes), 'the host keeps 2 GiB plus 5%'],
  ];
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="capacity-title">
      <Title order={2} size="h4" id="capacity-title" mb="xs">
        What the pair can host
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        A protected VM must fit on either server alone, so the smaller server decides.
      </Text>
      <SimpleGrid cols={3} spacing="lg">
        {items.map(([label, value, hint]) => (
          <div key={label}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
              {label}
            </Text>
            <Text size="xl" fw={650} aria-label={`${label}: ${value}`}>
              {value}
            </Text>
            <Text size="xs" c="dimmed">
              {hint}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Card>
  );
}

/** One area: its checks, worst first; each check with its per-server findings. */
function AreaCard({ title, findings, allowed }: { title: string; findings: readonly AreaFinding[]; allowed: readonly string[] }) {
  const ids = [...new Set(findings.map((finding) => finding.id))];
  const worst = (id: string): number =>
    Math.min(...findings.filter((finding) => finding.id === id).map((finding) => SEVERITY_ORDER.indexOf(finding.severity)));
  ids.sort((left, right) => worst(left) - worst(right));
  const areaWorst = SEVERITY_ORDER[Math.min(...ids.map(worst))] ?? 'pass';
  const headingId = `area-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={headingId}>
      <Group gap="sm" mb="sm">
        <StatusIcon kind={areaWorst} label={`${title}: ${areaWorst === 'pass' ? 'all passed' : areaWorst}`} />
        <Title order={2} size="h4" id={headingId}>
          {title}
        </Title>
        <Text size="sm" c="dimmed">
          {plural(ids.length, 'check')}
        </Text>
      </Group>
      <Stack gap={0} component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {ids.map((id) => (
          <CheckRow key={id} id={id} findings={findings.filter((finding) => finding.id === id)} allowed={allowed.includes(id)} />
        ))}
      </Stack>
    </Card>
  );
}

function CheckRow({ id, findings, allowed }: { id: string; findings: readonly AreaFinding[]; allowed: boolean }) {
  const validation = useWizard((state) => state.validation);
  const validate = useWizard((state) => state.validate);
  const rerunning = validation.rerunning === id;
  return (
    <li
      aria-label={`Check ${id}`}
      style={{ borderTop: '1px solid var(--mantine-color-gray-2)', padding: '10px 0' }}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="md">
        <Stack gap={8} style={{ flexGrow: 1, minWidth: 0 }}>
          {findings.map((finding, index) => (
            <Group key={`${finding.node ?? 'pair'}-${index}`} gap="sm" align="flex-start" wrap="nowrap">
              <StatusIcon kind={finding.severity} label={`${finding.severity === 'info' ? 'Note' : finding.severity === 'warn' ? 'Warning' : finding.severity === 'fail' ? 'Fail' : 'Pass'}${finding.node ? ` on ${finding.node}` : ''}`} />
              <div style={{ minWidth: 0 }}>
                <Group gap={6}>
                  <Code>{finding.id}</Code>
                  {finding.node && (
                    <Text size="xs" c="dimmed">
                      {finding.node}
                    </Text>
                  )}
                  {allowed && finding.severity === 'fail' && (
                    <Badge size="xs" variant="light" color="gray">
                      going on past it (practice lab)
                    </Badge>
                  )}
                </Group>
                <Text size="sm" mt={2}>
                  {finding.message}
                </Text>
                {finding.severity !== 'pass' && finding.remedy && (
                  <Text size="sm" c="dimmed" mt={2}>
                    <Text span fw={600} c="dark.4">
                      Fix:{' '}
                    </Text>
                    {finding.remedy}
                  </Text>
                )}
              </div>
            </Group>
          ))}
        </Stack>
        <Button
          variant="subtle"
          size="compact-sm"
          onClick={() => void validate([id])}
          loading={rerunning}
          disabled={validation.running}
          aria-label={`Re-run ${id}`}
          style={{ flexShrink: 0 }}
        >
          Re-run
        </Button>
      </Group>
    </li>
  );
}
