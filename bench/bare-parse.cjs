// The practical limit for replay: read, decompress and JSON.parse every log file, nothing
// else, on as many threads as the replay uses. Plain JavaScript, no TypeScript loader.
//   node bench/bare-parse.cjs DIR JOBS   -> prints the number of records
const { readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');
const { gunzipSync } = require('node:zlib');
const { Worker, isMainThread, parentPort } = require('node:worker_threads');

function parseFile(file) {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString('utf8')).Records.length;
}

if (!isMainThread) {
  parentPort.on('message', (file) => parentPort.postMessage(parseFile(file)));
} else {
  const [dir, jobsText = '1'] = process.argv.slice(2);
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.json(\.gz)?$/.test(e.name)) files.push(full);
    }
  };
  walk(dir);
  const queue = files.map((f) => ({ f, size: statSync(f).size })).sort((a, b) => b.size - a.size).map((x) => x.f);
  const jobs = Math.min(Number(jobsText), queue.length);
  let records = 0;
  let remaining = queue.length;
  for (let w = 0; w < jobs; w += 1) {
    const worker = new Worker(__filename);
    worker.on('message', (count) => {
      records += count;
      remaining -= 1;
      const next = queue.shift();
      if (next) worker.postMessage(next);
      else worker.terminate();
      if (remaining === 0) console.log(records);
    });
    worker.postMessage(queue.shift());
  }
}
