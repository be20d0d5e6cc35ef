// Live video from a senior's home, for the staff dashboard: plain RTCPeerConnection, no library.
// The hub makes the offer; this page answers. Signaling goes over the staff /ws as `signal`
// messages on topic `video:<sessionId>`; the video itself goes peer to peer (or through TURN).
//
//   import { startVideo } from '/video-player.js';
//   const player = startVideo({ seniorId, videoEl, socket, token, statusEl });
//   player.stop();

/** How long to wait for the hub's offer before deciding it did not hear us. */
const OFFER_TIMEOUT_MS = 8000;
/** A connection that stays `disconnected` this long is rebuilt. */
const DISCONNECTED_GRACE_MS = 5000;
/** Reconnection delays (ms); after the last, the player gives up and says so. */
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000];

/** Words a carer can act on, by what happened. */
const WORDS = {
  requesting: 'Asking the home for video…',
  connecting: 'Connecting to the camera…',
  playing: 'Live',
  reconnecting: 'The picture dropped; reconnecting…',
  ended: 'The video session ended.',
  privacy:
    'Live video is private. It opens only during an open alert or an active safety check, or when the senior has agreed to check-in video.',
  notFound: 'This senior is not one of yours, or no longer exists.',
  noHub: 'No hub is paired with this home, so there is no camera to open.',
  offline: "The home's hub is not answering: it may be offline or without internet.",
  limit: 'Too many people are watching this home right now. Try again when one of them stops.',
  camera: "The home's camera is not giving a picture.",
  failed: 'The video could not be started.',
};

const PATHS = {
  host: 'direct (same network)',
  srflx: 'direct (through the internet)',
  prflx: 'direct (through the internet)',
  relay: 'relayed (TURN)',
};

/**
 * Starts watching a senior's home.
 * @param {object} options
 * @param {string} options.seniorId
 * @param {HTMLVideoElement} options.videoEl
 * @param {WebSocket | (() => WebSocket)} options.socket the dashboard's /ws, or a way to open a new one
 * @param {string} options.token the staff access token (for POST /api/v1/seniors/:id/video-sessions)
 * @param {HTMLElement} [options.statusEl] where to show the state in words
 * @param {(state: string, words: string, detail?: object) => void} [options.onState]
 * @param {'all' | 'relay'} [options.iceTransportPolicy] 'relay' forces TURN (tests, strict networks)
 * @param {string} [options.apiBase] default: this origin
 * @returns {{ stop(): void, readonly state: string, readonly sessionId: string | null }}
 */
export function startVideo(options) {
  const { seniorId, videoEl, token } = options;
  const apiBase = options.apiBase ?? '';
  let state = 'idle';
  let stopped = false;
  let attempt = 0;
  /** @type {{ id: string, pc: RTCPeerConnection, timers: number[], pending: RTCIceCandidateInit[], haveOffer: boolean } | null} */
  let session = null;
  /** @type {WebSocket | null} */
  let socket = null;

  function show(next, words, detail) {
    state = next;
    if (options.statusEl) {
      options.statusEl.textContent = words;
      options.statusEl.dataset.state = next;
    }
    options.onState?.(next, words, detail);
  }

  function openSocket() {
    socket = typeof options.socket === 'function' ? options.socket() : options.socket;
    socket.addEventListener('message', onSocketMessage);
    socket.addEventListener('close', onSocketClose);
    return socket;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function whenOpen(ws) {
    if (ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('close', () => reject(new Error('socket closed')), { once: true });
    });
  }

  async function begin() {
    if (stopped) return;
    show('requesting', WORDS.requesting);
    let response;
    try {
      response = await fetch(`${apiBase}/api/v1/seniors/${encodeURIComponent(seniorId)}/video-sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    } catch {
      return retry(WORDS.offline);
    }
    const body = await response.json().catch(() => ({}));
    if (stopped) return;
    if (!response.ok) {
      const code = body?.error?.code;
      if (response.status === 403 && body?.error?.details?.reason === 'PRIVACY')
        return show('refused', WORDS.privacy, { code: 'PRIVACY' });
      if (response.status === 404) return show('refused', WORDS.notFound, { code });
      if (code === 'HUB_OFFLINE') return show('refused', WORDS.noHub, { code });
      return show('error', body?.error?.message ?? WORDS.failed, { code });
    }
    if (!socket || socket.readyState > WebSocket.OPEN) openSocket();
    try {
      await whenOpen(socket);
    } catch {
      return retry(WORDS.offline);
    }
    const pc = new RTCPeerConnection({
      iceServers: body.iceServers,
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    });
    session = { id: body.sessionId, pc, timers: [], pending: [], haveOffer: false };
    const current = session;
    const topic = `video:${current.id}`;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (event) => {
      videoEl.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      videoEl.muted = true;
      videoEl.playsInline = true;
      videoEl.play().catch(() => {});
    };
    pc.onicecandidate = (event) => {
      if (event.candidate?.candidate)
        send({
          type: 'signal',
          topic,
          data: {
            kind: 'candidate',
            candidate: event.candidate.candidate,
            mid: event.candidate.sdpMid ?? '0',
          },
        });
    };
    pc.onconnectionstatechange = () => {
      if (session !== current) return;
      if (pc.connectionState === 'connected') {
        attempt = 0;
        show('playing', WORDS.playing, { sessionId: current.id });
      }
      if (pc.connectionState === 'failed') reconnect();
      if (pc.connectionState === 'disconnected')
        current.timers.push(
          setTimeout(
            () => session === current && pc.connectionState !== 'connected' && reconnect(),
            DISCONNECTED_GRACE_MS,
          ),
        );
    };
    send({ type: 'subscribe', topic });
    show('connecting', WORDS.connecting, { sessionId: current.id, why: body.why });
    current.timers.push(
      setTimeout(() => session === current && !current.haveOffer && retry(WORDS.offline), OFFER_TIMEOUT_MS),
    );
  }

  async function onSignal(data) {
    const current = session;
    if (!current || !data) return;
    const { pc } = current;
    try {
      if (data.kind === 'offer') {
        // The hub repeats its offer until it hears an answer; the first one counts.
        if (current.haveOffer) return;
        current.haveOffer = true;
        await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
        for (const c of current.pending.splice(0)) await pc.addIceCandidate(c);
        await pc.setLocalDescription(await pc.createAnswer());
        send({
          type: 'signal',
          topic: `video:${current.id}`,
          data: { kind: 'answer', sdp: pc.localDescription.sdp },
        });
      } else if (data.kind === 'candidate') {
        const candidate = { candidate: data.candidate, sdpMid: data.mid };
        if (pc.remoteDescription) await pc.addIceCandidate(candidate);
        else current.pending.push(candidate);
      } else if (data.kind === 'connected') {
        const path = PATHS[data.candidateType] ?? data.candidateType;
        show(
          state === 'playing' ? 'playing' : state,
          `${state === 'playing' ? WORDS.playing : WORDS.connecting} · ${path}`,
          {
            candidateType: data.candidateType,
          },
        );
        if (options.statusEl) options.statusEl.dataset.path = data.candidateType;
      } else if (data.kind === 'refused') {
        close(false);
        const words =
          data.code === 'VIEWER_LIMIT'
            ? WORDS.limit
            : data.code === 'NO_CAMERA' || data.code === 'CAMERA_UNAVAILABLE'
              ? `${WORDS.camera} (${data.message})`
              : `${WORDS.failed} (${data.message})`;
        show('refused', words, { code: data.code });
      } else if (data.kind === 'ended') {
        close(false);
        show('ended', `${WORDS.ended} (${data.reason})`, { reason: data.reason });
      }
    } catch (error) {
      show('error', `${WORDS.failed} (${error.message})`);
      reconnect();
    }
  }

  function onSocketMessage(event) {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!session || message.topic !== `video:${session.id}`) return;
    if (message.type === 'signal') void onSignal(message.data);
    if (message.type === 'error') {
      close(false);
      show('error', `${WORDS.failed} (${message.data?.message ?? 'refused'})`);
    }
  }

  function onSocketClose() {
    socket = null;
    if (!stopped && session) retry(WORDS.reconnecting);
  }

  /** Ends the current session; `bye` tells the hub so it frees the camera at once. */
  function close(sayBye) {
    const current = session;
    session = null;
    if (!current) return;
    for (const t of current.timers) clearTimeout(t);
    if (sayBye) send({ type: 'signal', topic: `video:${current.id}`, data: { kind: 'bye' } });
    send({ type: 'unsubscribe', topic: `video:${current.id}` });
    current.pc.close();
  }

  function reconnect() {
    retry(WORDS.reconnecting);
  }

  function retry(words) {
    close(true);
    if (stopped) return;
    const delay = RETRY_DELAYS_MS[attempt++];
    if (delay === undefined) return show('offline', words);
    show('reconnecting', `${words} Trying again…`);
    setTimeout(() => void begin(), delay);
  }

  if (!(options.socket instanceof WebSocket) || options.socket.readyState <= WebSocket.OPEN) openSocket();
  void begin();

  return {
    stop() {
      stopped = true;
      close(true);
      socket?.removeEventListener('message', onSocketMessage);
      socket?.removeEventListener('close', onSocketClose);
      show('stopped', 'Video stopped.');
    },
    get state() {
      return state;
    },
    get sessionId() {
      return session?.id ?? null;
    },
  };
}
