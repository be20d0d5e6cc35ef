import type { EpisodeStore } from './index.js';

/** The outbox setting that holds the detector's remembered episodes. */
export const EPISODES_SETTING = 'detect.episodes';

/**
 * Keeps the detector's remembered episodes in the outbox's settings table, so a stillness or a
 * cold spell in progress, and the alerts already raised for it, survive a restart. Reads and
 * writes throw as the store does; the detector logs and carries on.
 */
export function settingsEpisodeStore(settings: {
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
}): EpisodeStore {
  return {
    load: () => settings.getSetting(EPISODES_SETTING),
    save: (snapshot) => settings.setSetting(EPISODES_SETTING, snapshot),
  };
}
