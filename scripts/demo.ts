// `npm run demo`: the whole system on one machine with embedded defaults. Starts the cloud
// (PGlite, in-process bus), creates two seniors through the API, pairs a simulated hub to
// each with the technician CLI exactly as in a real home, and runs them until Ctrl-C.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDemoCloud } from './demo-cloud.js';
import { ApiClient, freePort, hearth, type Program, startAgent, startRobotSim } from './local-stack.js';

const port = Number(process.env.PORT ?? 8080);
const dataRoot = resolve(process.env.HEARTH_DEMO_DIR ?? '.hearth/demo');
const simSpeed = Number(process.env.HEARTH_SIM_SPEED ?? 60);
const verbose = process.env.HEARTH_DEMO_VERBOSE === '1';

const seniors = [
  { name: 'Margaret Ellis', address: '14 Rowan Close, Flat 2', timezone: 'Europe/London' },
  { name: 'Arthur Bennett', address: '3 Mill Lane', timezone: 'Europe/London' },
];

const programs: Program[] = [];
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nStopping the demo…');
    for (const program of [...programs].reverse()) await program.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  // A fresh home every run: the demo is for looking around, not for keeping data.
  rmSync(dataRoot, { recursive: true, force: true });
  console.log('Starting the Hearth cloud (embedded PostgreSQL, in-process bus)…');
  const cloud = await startDemoCloud({
    dataDir: join(dataRoot, 'cloud'),
    port,
    echo: verbose ? '[cloud]' : undefined,
  });
  programs.push(cloud);

  const admin = new ApiClient(cloud.url);
  await admin.login('admin@demo.hearth', 'demo-admin');
  const staffList = await admin.request<{ staff: { id: string; email: string }[] }>('GET', '/api/v1/staff');
  const carer = staffList.staff.find((s) => s.email === 'staff@demo.hearth');
  if (!carer) throw new Error('the demo staff account is missing');

  for (const [index, senior] of seniors.entries()) {
    const created = await admin.request<{ id: string }>('POST', '/api/v1/seniors', senior);
    await admin.request('POST', `/api/v1/seniors/${created.id}/staff`, { staffId: carer.id });
    const { code } = await admin.request<{ code: string }>(
      'POST',
      `/api/v1/seniors/${created.id}/pairing-codes`,
    );
    const hubDir = join(dataRoot, `hub-${index + 1}`);
    // Both homes run on this one machine, whose identity every hub would otherwise report.
    const deviceId = `demo-hub-${index + 1}`;
    await hearth([
      'pair',
      '--cloud',
      cloud.url,
      '--code',
      code,
      '--data-dir',
      hubDir,
      '--device-id',
      deviceId,
      '--json',
    ]);
    // Each home's robot talks to its own hub's broker (Mosquitto may hold 1883 on this machine).
    const mqttPort = await freePort();
    programs.push(
      startAgent({
        dataDir: hubDir,
        simSpeed,
        args: ['--mqtt-port', String(mqttPort)],
        echo: verbose ? `[hub ${index + 1}]` : undefined,
      }),
    );
    programs.push(
      await startRobotSim({
        dataDir: hubDir,
        mqttPort,
        robotId: `robot-${index + 1}`,
        args: ['--rooms', 'hall=2000,kitchen=3000,living=3000,bedroom=4000,bathroom=4000'],
        echo: verbose ? `[robot ${index + 1}]` : undefined,
      }),
    );
    console.log(
      `  ${senior.name}: hub paired and running (simulated home, ${simSpeed}× speed), with its safety robot`,
    );
  }

  console.log(`
Hearth is running.
  Dashboard:  ${cloud.url}/
  Staff:      staff@demo.hearth / demo-staff   (sees both seniors)
  Admin:      admin@demo.hearth / demo-admin
  API docs:   ${cloud.url}/docs
The simulated pendants are pressed about once a minute; each press appears on the dashboard
within a second, and the home's robot goes to check on the senior. Press Ctrl-C to stop.`);

  for (const program of programs) {
    program.process.once('exit', (code) => {
      if (stopping) return;
      console.error(`A demo process stopped unexpectedly (exit ${code}). Its last lines:`);
      console.error(program.output.slice(-20).join('\n'));
      void shutdown(1);
    });
  }
} catch (error) {
  console.error(`The demo could not start: ${error instanceof Error ? error.message : String(error)}`);
  for (const program of programs) console.error(program.output.slice(-20).join('\n'));
  await shutdown(1);
}
