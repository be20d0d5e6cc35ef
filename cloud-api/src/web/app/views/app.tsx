import { useEffect, useState } from 'preact/hooks';
import type { Dashboard } from '../controller.js';
import { ago } from '../format.js';
import { t } from '../i18n.js';
import { AdminPage } from './admin.js';
import { Board } from './board.js';
import { Inbox } from './inbox.js';
import { Login } from './login.js';
import { SeniorPage } from './senior.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** Re-renders every second, for ages and countdowns. */
function useTick(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function App({ dash }: { dash: Dashboard }) {
  const [, setVersion] = useState(0);
  useEffect(() => dash.model.subscribe(() => setVersion((n) => n + 1)), [dash]);
  const hash = useHash();
  const now = useTick();
  const me = dash.model.me;
  if (!me) {
    if (!dash.restored) return <main class="boot">{t('loading')}</main>;
    return <Login dash={dash} />;
  }
  const path = hash.slice(1);
  const technician = me.role === 'technician';
  let page: preact.ComponentChildren;
  if (path.startsWith('/seniors/')) page = <SeniorPage dash={dash} id={path.split('/')[2] ?? ''} now={now} />;
  else if (path.startsWith('/admin') || technician) page = <AdminPage dash={dash} path={path} now={now} />;
  else if (path === '/alerts') page = <Inbox dash={dash} now={now} />;
  else page = <Board dash={dash} now={now} />;
  return (
    <>
      <Header dash={dash} path={path} now={now} />
      <Banner dash={dash} now={now} />
      <main id="main">{page}</main>
    </>
  );
}

function Header({ dash, path, now }: { dash: Dashboard; path: string; now: number }) {
  const me = dash.model.me!;
  const c = dash.model.connection;
  const open = [...dash.model.alerts.values()].filter((a) => a.status === 'open').length;
  const link = (href: string, label: string, active: boolean) => (
    <a class="top-link" href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <header class="top">
      <a class="brand top-link" href="#/">
        {t('appName')}
      </a>
      <nav aria-label="main">
        {me.role !== 'technician' && link('#/', t('board'), path === '/' || path === '')}
        {me.role !== 'technician' &&
          link('#/alerts', open > 0 ? `${t('inbox')} (${open})` : t('inbox'), path === '/alerts')}
        {me.role === 'admin' && link('#/admin/staff', t('admin'), path.startsWith('/admin'))}
        {me.role === 'technician' && link('#/admin/pairing', t('devices'), true)}
      </nav>
      <div class="session">
        <span id="link-status" class={`link ${c.state}`} role="status">
          {c.state === 'live' ? t('live') : c.state === 'down' ? t('offline') : t('connecting')}
          {c.lastMessageAt !== null && (
            <small id="last-message"> · {t('lastMessage', { ago: ago(c.lastMessageAt, now) })}</small>
          )}
        </span>
        {me.role !== 'technician' &&
          (dash.model.shiftStarted ? (
            <span class="shift on">{t('shiftStarted')}</span>
          ) : (
            <button type="button" class="shift" onClick={() => void dash.startShift()}>
              {t('startShift')}
            </button>
          ))}
        <span class="who">{me.name}</span>
        <button type="button" class="quiet" onClick={() => void dash.session.signOut(false)}>
          {t('signOut')}
        </button>
        <button type="button" class="quiet" onClick={() => void dash.session.signOut(true)}>
          {t('signOutEverywhere')}
        </button>
      </div>
    </header>
  );
}

function Banner({ dash, now }: { dash: Dashboard; now: number }) {
  const c = dash.model.connection;
  if (c.state === 'down' && c.downSince !== null)
    return (
      <div id="connection-banner" class="banner down" role="alert">
        {t('connectionLost', { ago: ago(c.downSince, now) })}
      </div>
    );
  if (c.resumedAt !== null && now - c.resumedAt < 10_000)
    return (
      <div id="connection-banner" class="banner ok" role="status">
        {t('reconnected')}
      </div>
    );
  if (!dash.model.shiftStarted && dash.model.me?.role !== 'technician')
    return <div class="banner hint">{t('startShiftHint')}</div>;
  return null;
}
