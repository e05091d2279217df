import type { SafeStorage } from 'electron';

/**
 * Remembered secrets (a sudo password the admin asks the app to keep) are stored only
 * encrypted by the OS keyring. On Linux, safeStorage falls back to `basic_text` (a
 * hard-coded key) when no keyring exists: that is plain text in disguise, so it is refused.
 */
export function secretStorageState(
  safeStorage: Pick<SafeStorage, 'isEncryptionAvailable'> & { getSelectedStorageBackend?: () => string },
  platform: NodeJS.Platform = process.platform,
): 'encrypted' | 'unavailable' {
  if (!safeStorage.isEncryptionAvailable()) return 'unavailable';
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') return 'unavailable';
  }
  return 'encrypted';
}
