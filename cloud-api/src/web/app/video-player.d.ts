// Types of the self-contained player (video-player.js), which is also served as it is at
// /video-player.js for pages outside the dashboard.
export interface VideoPlayer {
  stop(): void;
  readonly state: string;
  readonly sessionId: string | null;
}

export function startVideo(options: {
  seniorId: string;
  videoEl: HTMLVideoElement;
  socket: WebSocket | (() => WebSocket);
  token: string;
  statusEl?: HTMLElement;
  onState?: (state: string, words: string, detail?: object) => void;
  iceTransportPolicy?: 'all' | 'relay';
  apiBase?: string;
}): VideoPlayer;
