// Sound and desktop notifications. Browsers allow sound only after a gesture, so the carer's
// "start shift" click unlocks it and asks for notification permission in the same gesture.
import { t } from './i18n.js';
import type { LiveAlert } from './model.js';

/** How often a critical alert nobody has acknowledged sounds again. */
const REPEAT_MS = 6000;

/** A short two-tone chime as a WAV data URL, made here so the page needs no sound file. */
function chime(): string {
  const rate = 8000;
  const samples = Math.round(rate * 0.5);
  const bytes = new Uint8Array(44 + samples);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, s: string) => {
    for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i);
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate, true);
  view.setUint16(32, 1, true);
  view.setUint16(34, 8, true);
  text(36, 'data');
  view.setUint32(40, samples, true);
  for (let i = 0; i < samples; i++) {
    const f = i < samples / 2 ? 880 : 660;
    const envelope = Math.min(1, (samples - i) / 400, i / 80);
    bytes[44 + i] = 128 + Math.round(90 * envelope * Math.sin((2 * Math.PI * f * i) / rate));
  }
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `data:audio/wav;base64,${btoa(binary)}`;
}

/** Whether this change should ring this carer: the cloud says so in `ring`; absent means yes. */
export const ringsMe = (a: LiveAlert): boolean => a.ring !== false;

export class Ringer {
  private audio: HTMLAudioElement | null = null;
  private repeater: ReturnType<typeof setInterval> | undefined;
  private critical: () => boolean = () => false;

  /** Whether the shift has started (sound unlocked). */
  get started(): boolean {
    return this.audio !== null;
  }

  /**
   * Called from the "start shift" click: unlocks sound, asks for notification permission, and from
   * then on repeats the sound while `pendingCritical()` says a critical alert rings unanswered.
   */
  async startShift(pendingCritical: () => boolean): Promise<void> {
    this.critical = pendingCritical;
    this.audio = new Audio(chime());
    const permission =
      typeof Notification !== 'undefined' && Notification.permission === 'default'
        ? Notification.requestPermission()
        : Promise.resolve(undefined);
    await Promise.allSettled([this.audio.play(), permission]);
    clearInterval(this.repeater);
    this.repeater = setInterval(() => {
      if (this.critical()) this.sound();
    }, REPEAT_MS);
  }

  stop(): void {
    clearInterval(this.repeater);
    this.audio = null;
  }

  /** Sounds once and shows a desktop notification that stays until the carer deals with it. */
  ring(alert: LiveAlert, seniorName: string, onOpen: () => void): void {
    this.sound();
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const n = new Notification(`${t(`severity_${alert.severity}`)}: ${seniorName}`, {
      body: alert.message,
      tag: alert.id,
      requireInteraction: true,
    });
    n.onclick = () => {
      window.focus();
      onOpen();
      n.close();
    };
  }

  private sound(): void {
    if (!this.audio) return;
    this.audio.currentTime = 0;
    this.audio.play().catch(() => {});
  }
}
