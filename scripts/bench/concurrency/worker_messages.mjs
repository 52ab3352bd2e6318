// node worker_threads counterpart of worker_messages.ets.
import { Worker } from 'node:worker_threads';
let t = Date.now();
const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));', { eval: true });
let resolveNext = () => {};
w.on('message', (m) => resolveNext(m));
const roundTrip = (v) => new Promise((resolve) => { resolveNext = resolve; w.postMessage(v); });
await roundTrip({ warm: true });
const startup = Date.now() - t;
const n = 5000;
t = Date.now();
for (let i = 0; i < n; i++) await roundTrip({ i, text: 'hello' });
const latency = (Date.now() - t) * 1000 / n;
const burst = 50000;
let received = 0;
t = Date.now();
await new Promise((resolve) => {
  resolveNext = () => { received++; if (received === burst) resolve(); };
  for (let i = 0; i < burst; i++) w.postMessage(i);
});
const perSecond = burst / ((Date.now() - t) / 1000);
await w.terminate();
console.log(`worker_startup_ms: ${startup}`);
console.log(`round_trip_us: ${latency.toFixed(1)}`);
console.log(`messages_per_s: ${Math.round(perSecond)}`);
