// The live video on the senior page: a button opens a session (the cloud decides whether privacy
// allows it and the player says why not), the player shows the state and the path in words.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from './i18n.js';
import { type SeniorSlotProps, seniorSlots } from './slots.js';
import { startVideo, type VideoPlayer } from './video-player.js';

function LiveVideo({ seniorId, session }: SeniorSlotProps) {
  const video = useRef<HTMLVideoElement>(null);
  const status = useRef<HTMLParagraphElement>(null);
  const player = useRef<VideoPlayer | null>(null);
  const [watching, setWatching] = useState(false);

  const stop = () => {
    player.current?.stop();
    player.current = null;
    setWatching(false);
  };
  // Leaving the page (or another senior) ends the session: the hub stops the camera.
  useEffect(() => stop, [seniorId]);

  const watch = async () => {
    const token = await session.token();
    if (!token || !video.current || !status.current) return;
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    player.current = startVideo({
      seniorId,
      token,
      videoEl: video.current,
      statusEl: status.current,
      // A fresh socket each (re)connect, with a token that is still valid.
      socket: () => new WebSocket(`${proto}://${location.host}/ws?token=${encodeURIComponent(token)}`),
    });
    setWatching(true);
  };

  return (
    <div class="live-video">
      <video ref={video} autoplay muted playsinline hidden={!watching} />
      <p ref={status} role="status" aria-live="polite" />
      <button type="button" onClick={() => (watching ? stop() : void watch())}>
        {watching ? t('stopVideo') : t('watchLive')}
      </button>
    </div>
  );
}

seniorSlots.videoPlayer = (props) => <LiveVideo {...props} />;
