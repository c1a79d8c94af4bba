// Times a float32 model with onnxruntime-node on a deterministic input: load time and best/median run time.
// usage: NODE_PATH=<ort-oracle>/node_modules node ort_bench.js MODEL.onnx THREADS [ITERS]
const ort = require('onnxruntime-node');
(async () => {
  const [model, threadsStr, itersStr] = process.argv.slice(2);
  const threads = +(threadsStr || 0), iters = +(itersStr || 10);
  const opts = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
  if (threads > 0) { opts.intraOpNumThreads = threads; opts.interOpNumThreads = 1; }
  let t = process.hrtime.bigint();
  const s = await ort.InferenceSession.create(model, opts);
  const load = Number(process.hrtime.bigint() - t) / 1e6;
  const meta = s.inputMetadata ? s.inputMetadata[0] : null;
  let shape = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) : [1, 3, 224, 224];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', x, shape) };
  await s.run(feeds);
  const times = [];
  for (let i = 0; i < iters; i++) {
    t = process.hrtime.bigint();
    await s.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ load_ms: load, best_ms: times[0], median_ms: times[iters >> 1], iters, shape }));
})().catch((e) => { console.error(String(e)); process.exit(1); });
