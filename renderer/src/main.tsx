import './mantine-styles';
import './app.css';
import { MantineProvider, createTheme } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api/api';
import { browserNotifications } from './api/desktop-notifications';
import { App } from './app';
import { StoreProvider } from './store/store-context';
import { createWizardStore } from './store/wizard-store';

const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'Inter, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace',
  headings: { fontWeight: '650' },
});

const client = api();
const store = createWizardStore(client, undefined, browserNotifications(window));
client.onEvent((event) => store.getState().handleEvent(event));
void store.getState().init();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="light">
        <StoreProvider store={store}>
          <App />
        </StoreProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
