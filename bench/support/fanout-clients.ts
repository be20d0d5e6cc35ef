// Child process for the fan-out benchmark: holds N dashboard connections (its own file-descriptor
// budget), subscribes each to alerts, and reports when every one has received the probe alert.
// Talks to the parent over IPC: {ready} once subscribed, then {arrivals} with epoch-ms arrival times.
import WebSocket from 'ws';

const [url, token, countArg] = process.argv.slice(2);
const count = Number(countArg);
const now = () => performance.timeOrigin + performance.now();
const arrivals: number[] = [];
const sockets: WebSocket[] = [];

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url!.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token!)}`, {
      perMessageDeflate: false,
    });
    sockets.push(ws);
    ws.once('error', reject);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; data?: { kind?: string } };
      if (msg.type === 'snapshot') resolve();
      else if (msg.type === 'update' && msg.data?.kind === 'fanout_probe') {
        arrivals.push(now());
        if (arrivals.length === count) process.send?.({ arrivals });
      }
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', topic: 'alerts' })));
  });
}

for (let i = 0; i < count; i += 250) {
  await Promise.all(Array.from({ length: Math.min(250, count - i) }, open));
}
process.send?.({ ready: true });
process.on('message', (m: { stop?: boolean }) => {
  if (m.stop) {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
