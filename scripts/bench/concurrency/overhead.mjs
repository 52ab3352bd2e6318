// node + piscina counterpart of overhead.ets.
import Piscina from 'piscina';
import os from 'node:os';
const pool = new Piscina({
  filename: new URL('./work.mjs', import.meta.url).href,
  maxThreads: os.availableParallelism(),
});
await Promise.all(Array.from({ length: 16 }, (_, i) => pool.run(i, { name: 'noop' })));
const sequential = 2000;
const inFlight = 20000;
let t = Date.now();
for (let i = 0; i < sequential; i++) {
  await pool.run(i, { name: 'noop' });
}
const latency = (Date.now() - t) * 1000 / sequential;
t = Date.now();
const all = [];
for (let i = 0; i < inFlight; i++) {
  all.push(pool.run(i, { name: 'noop' }));
}
await Promise.all(all);
console.log(`latency_us: ${latency.toFixed(1)}`);
console.log(`tasks_per_s: ${Math.round(inFlight / ((Date.now() - t) / 1000))}`);
await pool.destroy();
