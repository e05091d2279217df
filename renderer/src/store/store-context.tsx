import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { WizardActions, WizardState, WizardStore } from './wizard-store';

const StoreContext = createContext<WizardStore | undefined>(undefined);

/** Hands the wizard's store to the screens (one store per window; tests make their own). */
export function StoreProvider({ store, children }: { store: WizardStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** Reads a slice of the wizard's state; re-renders only when that slice changes. */
export function useWizard<T>(selector: (state: WizardState & WizardActions) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useWizard outside StoreProvider');
  return useStore(store, selector);
}
