import type { SettingsTable } from '../store/hub-state.js';
import type { EpisodeStore } from './index.js';

/** The hub setting that holds the detector's remembered episodes. */
export const EPISODES_SETTING = 'detect.episodes';

/**
 * Keeps the detector's remembered episodes in the hub's settings table, so a stillness or a
 * cold spell in progress, and the alerts already raised for it, survive a restart. Reads and
 * writes throw as the store does; the detector logs and carries on.
 */
export function settingsEpisodeStore(settings: SettingsTable): EpisodeStore {
  return {
    load: () => settings.get(EPISODES_SETTING),
    save: (snapshot) => settings.set(EPISODES_SETTING, snapshot),
  };
}
