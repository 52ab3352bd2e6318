// node + piscina counterpart of clone_cost.ets (arguments cross by structured clone).
import Piscina from 'piscina';
import os from 'node:os';
const pool = new Piscina({
  filename: new URL('./work.mjs', import.meta.url).href,
  maxThreads: os.availableParallelism(),
});
function makeGraph(count) {
  const nodes = [];
  for (let i = 0; i < count; i++) nodes.push({ v: i, name: 'node' + i });
  return { nodes };
}
async function measure(label, count) {
  const g = makeGraph(count);
  await pool.run(g, { name: 'rootValue' });
  const runs = 50;
  const t = Date.now();
  for (let i = 0; i < runs; i++) await pool.run(g, { name: 'rootValue' });
  console.log(`${label}_us: ${Math.round((Date.now() - t) * 1000 / runs)}`);
}
await measure('clone_100kb', 3400);
await measure('clone_1mb', 34000);
await pool.destroy();
