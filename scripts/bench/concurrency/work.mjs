// Task bodies for the node + piscina counterparts.
export function noop(x) {
  return x;
}

export function countPrimes([from, to]) {
  let count = 0;
  for (let n = Math.max(from, 2); n < to; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

export function rootValue(g) {
  return g.nodes[0].v;
}
