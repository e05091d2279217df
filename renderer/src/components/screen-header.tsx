import { Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** The top of every screen: its title (the page's h1, focused on arrival) and one sentence of purpose. */
export function ScreenHeader({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div style={{ marginBottom: 24 }}>
      <Title order={1} size="h2" tabIndex={-1} style={{ outline: 'none' }}>
        {title}
      </Title>
      <Text c="dimmed" mt={6} maw={720}>
        {children}
      </Text>
    </div>
  );
}
