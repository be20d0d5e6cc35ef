// The installer (install-hub.sh, run by hand or by hearth-update.service) records what it did in
// the data directory's release-state.json; the agent, new or rolled back, turns each record it has
// not seen before into a report for the cloud.
import { readFileSync, writeFileSync } from 'node:fs';
import type { AgentUpdateResult } from '@hearth/shared';
import { z } from 'zod';

/** release-state.json as install-hub.sh writes it. `version` is the release current afterwards. */
const InstallRecord = z.object({
  result: z.string(),
  version: z.string(),
  attempted: z.string(),
  reason: z.string().default(''),
  at: z.string(),
});

/** The installer's words → the contract's. `switched` (no restart possible) is no outcome yet. */
const statusOf: Record<string, AgentUpdateResult['status'] | undefined> = {
  installed: 'installed',
  upgraded: 'installed',
  'rolled-back': 'rolled_back',
  rejected: 'rejected',
  failed: 'failed',
};

export interface InstallOutcome {
  result: AgentUpdateResult;
  /** When the installer recorded it (ISO 8601). */
  at: string;
}

/**
 * Reads the installer's record once: answers it the first time it is seen (remembered in `seenFile`),
 * then null until the installer writes another. An unreadable record is answered as null (the
 * installer writes it by rename, so a half-written one is never seen).
 */
export function takeInstallOutcome(stateFile: string, seenFile: string): InstallOutcome | null {
  let text: string;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    return null;
  }
  let seen = '';
  try {
    seen = readFileSync(seenFile, 'utf8');
  } catch {
    // never seen one
  }
  if (text === seen) return null;
  const record = InstallRecord.safeParse(safeJson(text));
  writeFileSync(seenFile, text);
  if (!record.success) return null;
  const status = statusOf[record.data.result];
  if (!status) return null;
  const { attempted, version, reason } = record.data;
  return {
    at: record.data.at,
    result: {
      version: attempted,
      status,
      running: version,
      ...(reason && { detail: reason.slice(0, 500) }),
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
