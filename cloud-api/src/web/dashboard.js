// Staff dashboard: signs in, keeps the alert list live over /ws, and resumes from its cursor after a drop.
const $ = (id) => document.getElementById(id);
const state = {
  access: null,
  refresh: null,
  staff: null,
  cursor: null,
  alerts: new Map(),
  seniors: new Map(),
  ws: null,
  retry: 0,
};

async function api(path, options = {}) {
  const res = await fetch(`/api/v1${path}`, {
    ...options,
    headers: {
      'content-type': 'application/json',
      ...(state.access && { authorization: `Bearer ${state.access}` }),
    },
  });
  if (res.status === 401 && state.refresh && path !== '/auth/refresh') {
    if (await refresh()) return api(path, options);
  }
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

async function refresh() {
  try {
    const out = await api('/auth/refresh', {
      method: 'POST',
      body: JSON.stringify({ refreshToken: state.refresh }),
    });
    state.access = out.accessToken;
    state.refresh = out.refreshToken;
    return true;
  } catch {
    state.access = state.refresh = null;
    $('status').textContent = 'signed out';
    $('board').hidden = true;
    $('login').hidden = false;
    return false;
  }
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $('login-error').textContent = '';
  try {
    const out = await api('/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
    });
    state.access = out.accessToken;
    state.refresh = out.refreshToken;
    state.staff = out.staff;
    $('login').hidden = true;
    $('board').hidden = false;
    $('who').textContent = `${out.staff.name} (${out.staff.role})`;
    await loadSeniors();
    connect();
    // Refresh the access token a minute before it expires.
    setInterval(refresh, Math.max(30, out.expiresIn - 60) * 1000);
  } catch (err) {
    $('login-error').textContent = err.message;
  }
});

async function loadSeniors() {
  try {
    const { seniors } = await api('/seniors');
    for (const s of seniors) state.seniors.set(s.id, s.name);
  } catch {
    // Names are a nicety; alerts still show with the senior's id.
  }
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(state.access)}`);
  state.ws = ws;
  ws.onopen = () => {
    state.retry = 0;
    $('status').textContent = 'live';
    const data = state.cursor === null ? {} : { cursor: state.cursor };
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'alerts', data }));
  };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === 'snapshot' && msg.topic === 'alerts') {
      if (!msg.data.resumed) state.alerts.clear();
      for (const a of msg.data.alerts) state.alerts.set(a.id, a);
      state.cursor = msg.data.cursor;
      render();
    } else if (msg.type === 'update' && msg.topic === 'alerts') {
      const before = state.alerts.get(msg.data.id);
      state.alerts.set(msg.data.id, { escalation: before?.escalation, ...msg.data });
      if (!state.seniors.has(msg.data.seniorId)) loadSeniors().then(render);
      state.cursor = Math.max(state.cursor ?? 0, msg.data.cursor);
      render();
    } else if (msg.type === 'shutdown') {
      $('status').textContent = 'server restarting…';
    } else if (msg.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong', topic: '' }));
    }
  };
  ws.onclose = () => {
    if (!state.access) return;
    $('status').textContent = 'reconnecting…';
    const delay = Math.min(10_000, 500 * 2 ** state.retry++) * (0.5 + Math.random() / 2);
    setTimeout(async () => {
      await refresh();
      if (state.access) connect();
    }, delay);
  };
}

function render() {
  const list = [...state.alerts.values()]
    .filter((a) => a.status !== 'resolved' || Date.now() - Date.parse(a.resolvedAt) < 10 * 60_000)
    .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt));
  const root = $('alerts');
  root.replaceChildren();
  if (list.length === 0) {
    const p = document.createElement('p');
    p.className = 'meta';
    p.id = 'empty';
    p.textContent = 'No open alerts.';
    root.append(p);
  }
  for (const a of list) {
    const div = document.createElement('div');
    div.className = `alert ${a.severity} ${a.status}`;
    div.dataset.alertId = a.id;
    const title = document.createElement('strong');
    title.textContent = `${a.kind} — ${a.message}`;
    const meta = document.createElement('div');
    meta.className = 'meta';
    const who = state.seniors.get(a.seniorId) ?? `senior ${a.seniorId.slice(0, 8)}`;
    const escalated = a.escalation ? ` · escalated (level ${a.escalation.level})` : '';
    meta.textContent = `${who} · ${a.severity} · ${a.status} · ${new Date(a.occurredAt).toLocaleString()}${escalated}`;
    div.append(title, meta);
    if (a.status === 'open')
      div.append(button('Acknowledge', () => api(`/alerts/${a.id}/ack`, { method: 'POST' })));
    if (a.status !== 'resolved') {
      div.append(
        button('Resolve', () => {
          const note = prompt('Resolution note (optional)') ?? '';
          return api(`/alerts/${a.id}/resolve`, { method: 'POST', body: JSON.stringify({ note }) });
        }),
      );
    }
    root.append(div);
  }
}

function button(label, action) {
  const b = document.createElement('button');
  b.textContent = label;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await action();
    } catch (err) {
      alert(err.message);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}
