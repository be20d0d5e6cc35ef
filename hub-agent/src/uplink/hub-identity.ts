import type { Logger } from 'pino';
import type { SettingsTable } from '../store/hub-state.js';
import type { OutboxStore } from '../store/outbox.js';
import type { UplinkCredentials } from './uplink.js';

/**
 * The seq the cloud's numbering starts above for the hub identity in `credentials`. The cloud
 * numbers each hub identity's events from 1. When the hub is paired again (a new hub id), uploads
 * continue under the new identity from its cursor: readings not yet uploaded still go, for the
 * same home. Paired to another senior's home, the previous home's backlog stays on this hub (it is
 * someone else's record) and only what happens from now on is uploaded.
 * @returns the base, and whether the identity just changed (what was sent early no longer counts).
 */
export function seqBaseFor(
  credentials: UplinkCredentials,
  deps: { outbox: OutboxStore; settings: SettingsTable; now: () => number; log: Logger },
): { base: number; switched: boolean } {
  const { outbox, settings } = deps;
  const previous = settings.get('uplink.hubId');
  if (previous === credentials.hubId)
    return { base: Number(settings.get('uplink.seqBase') ?? 0), switched: false };
  const sameHome = previous === undefined || settings.get('uplink.seniorId') === (credentials.seniorId ?? '');
  let base = 0;
  if (previous !== undefined) {
    if (!sameHome) {
      const withheld = outbox.lastSeq() - outbox.ackedThroughSeq();
      // A deliberate handover, not an upload: the previous home's readings are kept here, not sent.
      outbox.acknowledge(outbox.lastSeq(), deps.now());
      deps.log.warn(
        { withheld, previousHub: previous },
        "paired to another home: the previous home's backlog stays on this hub",
      );
    }
    base = outbox.ackedThroughSeq();
  }
  // The hub id last: it marks the switch as done, so a crash in between only repeats it.
  settings.set('uplink.seqBase', String(base));
  settings.set('uplink.seniorId', credentials.seniorId ?? '');
  settings.set('uplink.hubId', credentials.hubId);
  return { base, switched: true };
}
