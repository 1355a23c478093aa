'use strict';
// Cold loads for bench/run.ts, from a process as small as the measurement allows (see coldLoads
// there). Reads { rounds, targets: [{ file, env }] } on stdin; each round spawns one fresh `node`
// per target, in order, that requires the file and reports the require's own time; prints, per
// target, the spawn-to-exit times, the require times, and the first error (a target that fails
// once is not loaded again).
const { spawnSync } = require('node:child_process');

const { rounds, targets } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const results = targets.map(() => ({ processMs: [], requireMs: [] }));
for (let round = 0; round < rounds; round += 1) {
  targets.forEach((target, i) => {
    const into = results[i];
    if (into.error) return;
    // fs.writeSync on fd 1, not process.stdout: creating the stdout stream costs a fresh process
    // about 9 ms, which would be added to the empty handler and the targets alike and flatter
    // every ratio (the timed process should do nothing but start and load the handler).
    const script = `const t=performance.now();require(${JSON.stringify(target.file)});require('node:fs').writeSync(1,String(performance.now()-t))`;
    const started = performance.now();
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: target.env });
    const elapsed = performance.now() - started;
    if (child.status !== 0) {
      into.error = (child.stderr.split('\n').find((l) => /^\w*Error\b/.test(l)) ?? child.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
      return;
    }
    into.processMs.push(elapsed);
    into.requireMs.push(Number(child.stdout));
  });
}
process.stdout.write(JSON.stringify(results));
