// check.mjs — runs relunet's exported ONNX models in onnxruntime (CPU) and compares them with
// relunet's own logits on the same images. Usage: node check.mjs CASES_DIR, where CASES_DIR
// holds manifest.json and the files it names (written by the relunet_tests case
// OnnxExport.OpenCvDnnMatchesRelunet when RELUNET_ONNX_CASES is set).
// Each case passes when max |logit difference| <= 1e-4 * max |relunet logit| and every image
// has the same top-1 class. Exits 0 if all pass, 1 if any fails, 77 (CTest's skip) when
// onnxruntime-node is not installed (npm ci in this directory).
import { readFileSync } from "node:fs";
import { join } from "node:path";

const kTolerance = 1e-4;

let ort;
try {
  ort = await import("onnxruntime-node");
} catch {
  console.log("onnxruntime-node is not installed (run: cd tests/onnxruntime && npm ci); skipping");
  process.exit(77);
}

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const floats = (file) => {
  const bytes = readFileSync(join(dir, file));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};
const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

let failed = 0;
for (const c of manifest) {
  const session = await ort.InferenceSession.create(join(dir, c.model), { graphOptimizationLevel: "disabled" });
  const images = new ort.Tensor("float32", floats(c.input), c.shape);
  const logits = (await session.run({ images })).logits.data;
  const expected = floats(c.logits);
  let scale = 0, diff = 0, sameTop1 = 0;
  for (let i = 0; i < expected.length; ++i) {
    scale = Math.max(scale, Math.abs(expected[i]));
    diff = Math.max(diff, Math.abs(logits[i] - expected[i]));
  }
  for (let n = 0; n < c.shape[0]; ++n) {
    const row = (a) => Array.from(a.subarray(n * c.classes, (n + 1) * c.classes));
    if (argmax(row(logits)) === argmax(row(expected))) ++sameTop1;
  }
  const ok = logits.length === expected.length && diff <= kTolerance * scale && sameTop1 === c.shape[0];
  if (!ok) ++failed;
  console.log(`${ok ? "ok  " : "FAIL"} ${c.name}: max |diff| ${diff.toExponential(2)}, ` +
              `relative ${(diff / scale).toExponential(2)}, same top-1 ${sameTop1}/${c.shape[0]}`);
}
process.exit(failed ? 1 : 0);
