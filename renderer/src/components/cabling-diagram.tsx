import { Group, Text } from '@mantine/core';
import { cablingLayout } from '../model/cabling';
import type { Role, RolesView } from '../model/roles';

/** The colour and line style of each role; the dash pattern means colour is never the only cue. */
export const ROLE_LOOK: Record<Role, { color: string; dash?: string; width: number; label: string }> = {
  management: { color: 'var(--mantine-color-blue-6)', width: 2.5, label: 'Management network (SSH, cluster link 2)' },
  private: { color: 'var(--mantine-color-violet-7)', width: 5, label: 'Private link (replication, cluster link 1)' },
  business: { color: 'var(--mantine-color-teal-7)', dash: '7 5', width: 2.5, label: 'Business network (bridged for VMs)' },
  unused: { color: 'var(--mantine-color-gray-5)', width: 2, label: 'Not used' },
};

/**
 * The cabling as a picture: the two servers, their ports by name, and the private
 * cable, management and business networks between them, coloured by role. The image's
 * accessible name says the same in words.
 */
export function CablingDiagram({ view }: { view: RolesView }) {
  const layout = cablingLayout(view);
  return (
    <figure style={{ margin: 0 }}>
      <svg
        role="img"
        aria-label={layout.description}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width="100%"
        style={{ maxWidth: layout.width, display: 'block', fontFamily: 'inherit' }}
      >
        {layout.bars.map((bar) => (
          <g key={bar.id}>
            <rect
              x={bar.x}
              y={bar.y}
              width={bar.width}
              height={bar.height}
              rx={6}
              fill="var(--mantine-color-gray-0)"
              stroke={ROLE_LOOK[bar.role].color}
              strokeWidth={1.5}
              strokeDasharray={ROLE_LOOK[bar.role].dash}
            />
            <text x={bar.x + bar.width / 2} y={bar.y + bar.height / 2 + 4} textAnchor="middle" fontSize={12} fontWeight={600} fill={ROLE_LOOK[bar.role].color}>
              {bar.label}
            </text>
          </g>
        ))}
        {layout.cables.map((cable) => (
          <path
            key={cable.id}
            d={cable.d}
            fill="none"
            stroke={ROLE_LOOK[cable.role].color}
            strokeWidth={ROLE_LOOK[cable.role].width}
            strokeDasharray={ROLE_LOOK[cable.role].dash}
            strokeLinecap="round"
          />
        ))}
        {layout.privateCaption && (
          <text x={layout.privateCaption.x} y={layout.privateCaption.y} textAnchor="middle" fontSize={12} fill={ROLE_LOOK.private.color}>
            {layout.privateCaption.lines.map((line, index) => (
              <tspan key={line} x={layout.privateCaption?.x} dy={index === 0 ? 0 : 15} fontWeight={index === 0 ? 700 : 400}>
                {line}
              </tspan>
            ))}
          </text>
        )}
        {layout.boxes.map((box) => (
          <g key={box.key}>
            <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={10} fill="var(--mantine-color-white)" stroke="var(--mantine-color-gray-6)" strokeWidth={1.5} />
            <text x={box.x + box.width / 2} y={box.y + 52} textAnchor="middle" fontSize={15} fontWeight={700} fill="var(--mantine-color-dark-7)">
              {box.title}
            </text>
            <text x={box.x + box.width / 2} y={box.y + 70} textAnchor="middle" fontSize={12} fill="var(--mantine-color-gray-7)">
              {box.subtitle}
            </text>
          </g>
        ))}
        {layout.ports.map((port) => (
          <g key={port.id}>
            <rect
              x={port.x - 6}
              y={port.y - 6}
              width={12}
              height={12}
              rx={2}
              fill={port.role === 'unused' ? 'var(--mantine-color-gray-2)' : ROLE_LOOK[port.role].color}
              stroke={ROLE_LOOK[port.role].color}
              strokeWidth={1.5}
            />
            <text x={port.labelX} y={port.labelY} textAnchor={port.anchor} fontSize={11} fontFamily="var(--mantine-font-family-monospace)" fill="var(--mantine-color-dark-6)">
              {port.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        <Group gap="lg" mt="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Legend">
          {(Object.keys(ROLE_LOOK) as Role[]).map((role) => (
            <Group key={role} gap={6} component="li" wrap="nowrap">
              <svg width={28} height={10} aria-hidden focusable="false">
                <line x1={2} y1={5} x2={26} y2={5} stroke={ROLE_LOOK[role].color} strokeWidth={ROLE_LOOK[role].width} strokeDasharray={ROLE_LOOK[role].dash} />
              </svg>
              <Text size="xs">{ROLE_LOOK[role].label}</Text>
            </Group>
          ))}
        </Group>
      </figcaption>
    </figure>
  );
}
