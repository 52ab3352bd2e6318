// node worker_threads counterpart of worker_memory.ets: 64 idle workers, each answers once.
import { Worker } from 'node:worker_threads';
const count = 64;
let ready = 0;
const workers = [];
for (let i = 0; i < count; i++) {
  const w = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));', { eval: true });
  w.on('message', () => {
    ready++;
    if (ready === count) {
      console.log(`workers: ${count}`);
      for (const x of workers) x.terminate();
    }
  });
  w.postMessage('ping');
  workers.push(w);
}
