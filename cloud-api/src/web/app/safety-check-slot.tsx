// The safety-check button on the senior page: asks the home's robot to go and look, then shows each
// hop of the newest check as it happens, from the `safety-checks` topic of the staff socket. The
// topic's snapshot carries the hops so far, so a page opened (or reconnected) mid-check sees them too.
import type { SafetyCheck, SafetyCheckHop } from '@hearth/shared';
import { useEffect, useState } from 'preact/hooks';
import { clock } from './format.js';
import { type MessageKey, t } from './i18n.js';
import { ApiError } from './session.js';
import { type SeniorSlotProps, seniorSlots } from './slots.js';

const CLOSED = new Set(['done', 'undelivered', 'failed']);
const RECONNECT_MS = 2000;

const OUTCOME: Record<string, MessageKey> = {
  ok: 'outcomeOk',
  no_response: 'outcomeNoResponse',
  needs_help: 'outcomeNeedsHelp',
  not_found: 'outcomeNotFound',
  failed: 'outcomeFailed',
};
const REASON: Record<string, MessageKey> = {
  hub_offline: 'reasonHubOffline',
  robot_offline: 'reasonRobotOffline',
  robot_no_answer: 'reasonRobotNoAnswer',
};

/** One hop in words. */
export function hopText(hop: SafetyCheckHop): string {
  const room = hop.room ?? '—';
  switch (hop.status) {
    case 'requested':
      return t('hopRequested');
    case 'delivered':
      return t('hopDelivered');
    case 'sent':
      return t('hopSent', { robot: hop.robotId ?? '' }).replace(/\s+$/, '');
    case 'acknowledged':
    case 'accepted':
      return t('hopAcknowledged');
    case 'progress':
      if (hop.stage === 'moving') return t('hopMoving', { room });
      if (hop.stage === 'arrived') return t('hopArrived', { room });
      return t('hopChecking');
    case 'running':
      return t('hopRunning');
    case 'done': {
      const key = hop.outcome ? OUTCOME[hop.outcome] : undefined;
      const words = key ? t(key) : (hop.outcome ?? '');
      return t('hopDone', { outcome: hop.detail ? `${words} (${hop.detail})` : words });
    }
    case 'undelivered': {
      const key = hop.reason ? REASON[hop.reason] : undefined;
      return t('hopUndelivered', { reason: key ? t(key) : (hop.detail ?? '') });
    }
    case 'failed':
      return t('hopFailed', { detail: hop.detail ?? '' });
  }
}

/** The hops to show for a check: its history, or (from an older instance) just where it is now. */
function hopsOf(check: SafetyCheck): SafetyCheckHop[] {
  if (check.hops && check.hops.length > 0) return check.hops;
  return [
    {
      status: check.status,
      at: check.updatedAt,
      ...(check.outcome && { outcome: check.outcome }),
      ...(check.reason && { reason: check.reason }),
      ...(check.detail && { detail: check.detail }),
    },
  ];
}

/** The newest check of this senior on the staff socket, kept up to date while the page is open. */
function useNewestCheck(seniorId: string, session: SeniorSlotProps['session']) {
  const [check, setCheck] = useState<SafetyCheck | null>(null);
  useEffect(() => {
    setCheck(null);
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const take = (c: SafetyCheck) => {
      if (c.seniorId !== seniorId) return;
      setCheck((old) => (old && old.id !== c.id && old.createdAt > c.createdAt ? old : c));
    };
    const connect = async () => {
      const token = await session.token();
      if (stopped || !token) return;
      const proto = location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(token)}`);
      socket.onopen = () => socket?.send(JSON.stringify({ type: 'subscribe', topic: 'safety-checks' }));
      socket.onmessage = (event) => {
        let msg: { type?: string; topic?: string; data?: unknown };
        try {
          msg = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (msg.type === 'ping') socket?.send(JSON.stringify({ type: 'pong', topic: '' }));
        if (msg.topic !== 'safety-checks') return;
        if (msg.type === 'snapshot') {
          const checks = (msg.data as { checks?: SafetyCheck[] })?.checks ?? [];
          const newest = checks.filter((c) => c.seniorId === seniorId)[0];
          if (newest) take(newest);
        } else if (msg.type === 'update') take(msg.data as SafetyCheck);
      };
      socket.onclose = () => {
        socket = null;
        if (!stopped) timer = setTimeout(() => void connect(), RECONNECT_MS);
      };
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [seniorId, session]);
  return [check, setCheck] as const;
}

function SafetyCheckPanel({ seniorId, session }: SeniorSlotProps) {
  const [check, setCheck] = useNewestCheck(seniorId, session);
  const [asking, setAsking] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const running = check !== null && !CLOSED.has(check.status);

  const ask = async () => {
    setAsking(true);
    setRefusal(null);
    try {
      const created = await session.api<{ id: string }>(`/seniors/${seniorId}/safety-checks`, 'POST', {});
      // The hops arrive on the socket; the newest check is this one from now on.
      const now = new Date().toISOString();
      setCheck((old) =>
        old?.id === created.id
          ? old
          : {
              id: created.id,
              seniorId,
              requestedBy: session.me?.id ?? null,
              status: 'requested',
              outcome: null,
              detail: null,
              hops: [{ status: 'requested', at: now }],
              createdAt: now,
              updatedAt: now,
            },
      );
    } catch (err) {
      setRefusal(
        err instanceof ApiError && err.code === 'HUB_OFFLINE'
          ? t('safetyCheckHubOffline')
          : t('safetyCheckRefused', { message: (err as Error).message }),
      );
    } finally {
      setAsking(false);
    }
  };

  const hops = check ? hopsOf(check) : [];
  const latest = refusal ?? (hops.length > 0 ? hopText(hops[hops.length - 1]!) : t('safetyCheckNone'));
  return (
    <div
      class="safety-check"
      data-status={refusal ? 'refused' : (check?.status ?? 'none')}
      data-check-id={check?.id}
    >
      <button
        type="button"
        onClick={() => void ask()}
        disabled={asking || running}
        aria-busy={asking || running}
      >
        {running ? t('safetyCheckRunning') : t('safetyCheckSend')}
      </button>
      <p role="status" aria-live="polite" aria-atomic="true" class={refusal ? 'refusal' : undefined}>
        {latest}
      </p>
      {hops.length > 0 && (
        <ol class="hops" aria-label={t('safetyCheck')}>
          {hops.map((hop, i) => (
            <li key={`${i}-${hop.status}`} data-hop={hop.status}>
              <time dateTime={hop.at}>{clock(hop.at)}</time> {hopText(hop)}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

seniorSlots.safetyCheck = (props) => <SafetyCheckPanel {...props} />;
