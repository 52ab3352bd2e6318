// node + piscina counterpart of speedup.ets.
import Piscina from 'piscina';
import os from 'node:os';
const pool = new Piscina({
  filename: new URL('./work.mjs', import.meta.url).href,
  maxThreads: os.availableParallelism(),
});
const limit = 1000000;
const parts = 64;
await pool.run([0, 10], { name: 'countPrimes' });
let t = Date.now();
const single = await pool.run([0, limit], { name: 'countPrimes' });
const oneThread = Date.now() - t;
t = Date.now();
const chunks = [];
for (let i = 0; i < parts; i++) {
  chunks.push(pool.run([(limit / parts) * i, (limit / parts) * (i + 1)], { name: 'countPrimes' }));
}
const split = (await Promise.all(chunks)).reduce((a, b) => a + b, 0);
const pooled = Date.now() - t;
if (split !== single) throw new Error('wrong answer');
console.log(`one_thread_ms: ${oneThread}`);
console.log(`pool_ms: ${pooled}`);
console.log(`speedup: ${(oneThread / pooled).toFixed(2)}`);
await pool.destroy();
