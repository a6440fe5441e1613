// SPDX-License-Identifier: LGPL-2.1-or-later
// What the console's end-to-end tests run against: the real wardbridged
// of the build tree with a temporary configuration and state directory,
// a TCP relay in front of it (so that a test can cut the event stream and
// bring it back), simulated ward boxes (gst-launch-1.0 sending a solid
// colour and a tone over RTP, as a box does) and a small API client.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const SCHEDULER_TOKEN = 'e2e-scheduler-token-0123456789abcdef';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freeTcpPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function udpPortFree(port) {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

// An even UDP port whose odd neighbour is free too (RTP and RTCP).
export async function freeRtpPort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 15000);
    if (await udpPortFree(port) && await udpPortFree(port + 1))
      return port;
  }
  throw new Error('no free UDP port pair');
}

// The example configuration's wards, with the test's own [hub], [http],
// [media], [store] and [auth].
export async function writeConfig(sourceRoot, dir, httpPort) {
  const example = await readFile(join(sourceRoot, 'config', 'wardbridged.conf'), 'utf8');
  const wards = [];
  let group = null;
  for (const raw of example.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '')
      continue;
    const header = line.match(/^\[(.+)\]$/);
    if (header) {
      group = header[1].startsWith('endpoint ') ? { id: header[1].slice(9), keys: {} } : null;
      if (group)
        wards.push(group);
      continue;
    }
    if (group) {
      const eq = line.indexOf('=');
      group.keys[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  const rtpMin = 20000 + 2 * Math.floor(Math.random() * 10000);
  const lines = [
    '# wardbridge console end-to-end test',
    '[hub]', 'public-address=127.0.0.1', `rtp-port-min=${rtpMin}`, `rtp-port-max=${rtpMin + 499}`,
    '[http]', 'address=127.0.0.1', `port=${httpPort}`,
    '[media]', 'width=640', 'height=360', 'framerate=10', 'video-bitrate-kbps=800', 'layout=grid',
    '[store]', `state-dir=${join(dir, 'state')}`,
    '[auth]', `admin-tokens=${ADMIN_TOKEN}`, `scheduler-tokens=${SCHEDULER_TOKEN}`,
  ];
  for (const ward of wards) {
    lines.push(`[endpoint ${ward.id}]`);
    for (const [key, value] of Object.entries(ward.keys))
      lines.push(`${key}=${value}`);
  }
  const path = join(dir, 'hub.conf');
  await writeFile(path, `${lines.join('\n')}\n`);
  return { path, wards: wards.map((w) => ({ id: w.id, ...w.keys })) };
}

// The hub: wardbridged on a port chosen now, ready when /healthz answers.
export async function startHub(binary, sourceRoot) {
  const dir = await mkdtemp(join(tmpdir(), 'wardbridge-e2e-'));
  let lastError = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeTcpPort();
    const config = await writeConfig(sourceRoot, dir, port);
    const log = [];
    const proc = spawn(binary, ['--config', config.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, G_MESSAGES_DEBUG: '' },
    });
    proc.stdout.on('data', (d) => log.push(d.toString()));
    proc.stderr.on('data', (d) => log.push(d.toString()));
    let exited = null;
    proc.on('exit', (code, signal) => { exited = { code, signal }; });

    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90000;   // generous: sanitizers, a loaded machine
    let readySince = null;
    while (Date.now() < deadline && !exited) {
      try {
        const r = await fetch(`${url}/healthz`);
        if (r.ok)
          return new Hub(proc, url, port, dir, config.wards, log);
      } catch {
        // not listening yet
      }
      // Ready (its log line) yet not answering HTTP: fail now rather than
      // after the long start-up wait.
      if (readySince === null && / ready: /.test(log.join('')))
        readySince = Date.now();
      if (readySince !== null && Date.now() - readySince > 5000) {
        proc.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
        throw new Error(`wardbridged is ready but does not answer HTTP:\n${log.join('')}`);
      }
      await sleep(200);
    }
    proc.kill('SIGKILL');
    lastError = new Error(`wardbridged did not come up (${JSON.stringify(exited)}):\n${log.join('')}`);
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

class Hub {
  constructor(proc, url, port, dir, wards, log) {
    Object.assign(this, { proc, url, port, dir, wards, log });
  }

  logText() {
    return this.log.join('');
  }

  // SIGTERM, as systemd stops it; resolves to how it exited.
  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 30000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
    return { code: this.proc.exitCode, signal: this.proc.signalCode };
  }
}

// JSON calls to the hub from the test itself (to check what the console
// did, and to act as a ward's box).
export async function call(baseUrl, token, method, path, body) {
  const init = { method, headers: { Authorization: `Bearer ${token}` } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: response.status, data, headers: response.headers };
}

// A relay in front of the hub.  cut(ms) drops every open connection (the
// event stream among them) and refuses new ones for @ms.
export class Relay {
  async start(targetPort) {
    this.sockets = new Set();
    this.refuseUntil = 0;
    this.server = net.createServer((client) => {
      if (Date.now() < this.refuseUntil) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  cut(ms) {
    this.refuseUntil = Date.now() + ms;
    for (const s of this.sockets)
      s.destroy();
  }

  async stop() {
    for (const s of this.sockets)
      s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// A ward's box: joins through the API with the ward's token and sends a
// solid colour (H.264) and a tone (Opus) to the hub's ports, receiving
// what the hub sends back on its own ports.
export class SimulatedWard {
  constructor(id, token, argb) {
    Object.assign(this, { id, token, argb, proc: null, log: [] });
  }

  async join(baseUrl) {
    const audioPort = await freeRtpPort();
    let videoPort = await freeRtpPort();
    while (Math.abs(videoPort - audioPort) < 2)
      videoPort = await freeRtpPort();
    // A box that is invited while the conference is still starting tries
    // again, as wardbridge-endpoint does.
    let status;
    let data;
    const deadline = Date.now() + 30000;
    for (;;) {
      ({ status, data } = await call(baseUrl, this.token, 'POST',
        `/api/v1/endpoints/${this.id}/join`, { audio_port: audioPort, video_port: videoPort }));
      if (status !== 409 || Date.now() > deadline)
        break;
      await sleep(500);
    }
    if (status !== 200)
      throw new Error(`${this.id}: join answered ${status}: ${JSON.stringify(data)}`);
    const hub = data.hub;
    const colour = `0x${this.argb.toString(16).padStart(8, '0')}`;
    const pipeline = [
      'videotestsrc', 'is-live=true', 'pattern=solid-color', `foreground-color=${colour}`, '!',
      'video/x-raw,width=320,height=180,framerate=10/1', '!',
      'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=10', 'bitrate=300', '!',
      'video/x-h264,profile=constrained-baseline', '!',
      'rtph264pay', 'pt=96', 'config-interval=1', '!',
      'udpsink', `host=${hub.host}`, `port=${hub.video_port}`, 'sync=false', 'async=false',
      'audiotestsrc', 'is-live=true', 'wave=sine', 'freq=440', '!',
      'audio/x-raw,rate=48000,channels=1', '!', 'opusenc', '!', 'rtpopuspay', 'pt=111', '!',
      'udpsink', `host=${hub.host}`, `port=${hub.audio_port}`, 'sync=false', 'async=false',
      'udpsrc', `port=${audioPort}`, 'address=127.0.0.1', '!', 'fakesink', 'async=false',
      'udpsrc', `port=${videoPort}`, 'address=127.0.0.1', '!', 'fakesink', 'async=false',
    ];
    this.proc = spawn('gst-launch-1.0', ['-q', ...pipeline], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => this.log.push(d.toString()));
    this.proc.stderr.on('data', (d) => this.log.push(d.toString()));
    return data;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null)
      return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGINT');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
