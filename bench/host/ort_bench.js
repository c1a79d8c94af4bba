// Times a float32 model with onnxruntime-node on a deterministic input: load time and best/median run time.
// With PROFILE_RUNS > 0, a second session with onnxruntime's profiler runs that many times after the timing,
// and one line per node of its optimized graph follows the JSON: "N<TAB>flops<TAB>median ms<TAB>what" (flops of
// convolutions and matrix products, 2 per multiply-add, from the shapes the profiler records; 0 for others).
// With --serve (after the other arguments), it prints {load_ms, shape} after one warm-up run, then runs the
// model once per line read from stdin and prints that run's ms: the caller interleaves its own runs with these.
// usage: NODE_PATH=<ort-oracle>/node_modules node ort_bench.js MODEL.onnx THREADS [ITERS [PROFILE_RUNS]] [--serve]
const ort = require('onnxruntime-node');
const fs = require('fs');
const os = require('os');
const path = require('path');

/// Median kernel ms per node over `runs` profiled runs and the first one (the median leaves the cold run out).
async function profileNodes(model, opts, feedsOf, runs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ort-prof-'));
  const s = await ort.InferenceSession.create(model, { ...opts, enableProfiling: true, profileFilePrefix: path.join(dir, 'p') });
  const feeds = feedsOf(s);
  for (let i = 0; i <= runs; i++) await s.run(feeds);
  s.endProfiling();
  const nodes = {};
  const prod = (d) => d.reduce((a, b) => a * b, 1);
  const dims = (t) => (t ? Object.values(t)[0] : []);
  for (const f of fs.readdirSync(dir)) {
    for (const e of JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const n = e.name.slice(0, -'_kernel_time'.length), op = e.args.op_name || '';
      const ins = e.args.input_type_shape || [], out = dims((e.args.output_type_shape || [])[0]);
      let flops = 0, what = op;
      if (/Conv/.test(op) && ins.length >= 2) {
        const w = dims(ins[op === 'QLinearConv' ? 3 : 1]); // QLinearConv: x, x_scale, x_zp, w, ...
        flops = 2 * prod(out) * (prod(w) / w[0]);
        what = `${op} ${JSON.stringify(dims(ins[0]))} w ${JSON.stringify(w)}`;
      } else if (/Gemm|MatMul/.test(op) && ins.length >= 2) {
        const a = dims(ins[0]);
        flops = 2 * prod(out) * a[a.length - 1];
        what = `${op} ${JSON.stringify(a)} x ${JSON.stringify(dims(ins[1]))}`;
      }
      if (!nodes[n]) nodes[n] = { flops, durs: [], what };
      nodes[n].durs.push(e.dur / 1000);
    }
  }
  for (const n of Object.values(nodes)) n.ms = n.durs.sort((a, b) => a - b)[n.durs.length >> 1];
  fs.rmSync(dir, { recursive: true, force: true });
  return nodes;
}

(async () => {
  const [model, threadsStr, itersStr, profStr] = process.argv.slice(2).filter((a) => a !== '--serve');
  const threads = +(threadsStr || 0), iters = +(itersStr || 10), profRuns = +(profStr || 0);
  const opts = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
  if (threads > 0) { opts.intraOpNumThreads = threads; opts.interOpNumThreads = 1; }
  // Interleaved with another runtime's runs, onnxruntime's workers must not spin after a run (its default):
  // they would take the cores the other runtime's run needs.
  if (process.argv.includes('--serve')) opts.extra = { session: { intra_op: { allow_spinning: '0' } } };
  let t = process.hrtime.bigint();
  const s = await ort.InferenceSession.create(model, opts);
  const load = Number(process.hrtime.bigint() - t) / 1e6;
  const meta = s.inputMetadata ? s.inputMetadata[0] : null;
  let shape = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) : [1, 3, 224, 224];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const feedsOf = (sess) => ({ [sess.inputNames[0]]: new ort.Tensor('float32', x, shape) });
  const feeds = feedsOf(s);
  await s.run(feeds);
  if (process.argv.includes('--serve')) {
    console.log(JSON.stringify({ load_ms: load, shape }));
    for await (const line of require('readline').createInterface({ input: process.stdin })) {
      if (!line.trim()) continue;
      t = process.hrtime.bigint();
      await s.run(feeds);
      console.log(String(Number(process.hrtime.bigint() - t) / 1e6));
    }
    return;
  }
  const times = [];
  for (let i = 0; i < iters; i++) {
    t = process.hrtime.bigint();
    await s.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const out = { load_ms: load, best_ms: times[0], median_ms: times[iters >> 1], iters, shape };
  console.log(JSON.stringify(out));
  if (profRuns > 0)
    for (const n of Object.values(await profileNodes(model, opts, feedsOf, profRuns)))
      console.log(`N\t${n.flops}\t${n.ms}\t${n.what}`);
})().catch((e) => { console.error(String(e)); process.exit(1); });
