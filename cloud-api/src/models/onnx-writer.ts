import { HOURS_PER_WEEK } from '@hearth/shared';
import onnxProto from 'onnx-proto';
import { type Baseline, scoreWithBaseline, TOP_K } from './baseline.js';

const { onnx } = onnxProto;

/** Opset every graph is written for: onnxruntime-node (1.30) runs it, and ReduceMean still takes `axes` as an attribute. */
export const OPSET = 13;
/** Value of the `hearth.format` metadata entry; the hub refuses a model without it. */
export const MODEL_FORMAT = 'hearth-anomaly/1';

/** The check a hub runs before trusting a model: this input must give this score. */
export interface ModelProbe {
  hourOfWeek: number;
  behaviour: number[];
  score: number;
}

export interface OnnxModelInfo {
  seniorId: string;
  /** ISO time the model was trained. */
  trainedAt: string;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

function valueInfo(name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Writes the baseline as an ONNX model. Input `features` [batch, D] is the shared feature vector
 * (behaviour features, then the hour-of-week one-hot). Because the one-hot picks a row, the
 * hour's mean and inverse spread are plain MatMuls against [D, B] tables:
 *
 *   x        = features · P        (P selects the behaviour features)
 *   expected = features · M        (M holds the usual value per hour-of-week)
 *   z        = (x − expected) · (features · S)   (S holds 1/spread per hour-of-week)
 *   score    = sqrt(mean(top-k of z²))   (the few strongest deviations, see TOP_K)
 *
 * Outputs: `score` [batch], `contributions` = z [batch, B], `expected` [batch, B].
 * Metadata (`hearth.*`) carries the feature spec, names, threshold and a probe.
 */
export function writeOnnxModel(baseline: Baseline, info: OnnxModelInfo): Uint8Array {
  const B = baseline.names.length;
  const D = B + HOURS_PER_WEEK;
  const P = new Float32Array(D * B);
  const M = new Float32Array(D * B);
  const S = new Float32Array(D * B);
  for (let i = 0; i < B; i++) P[i * B + i] = 1;
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    for (let i = 0; i < B; i++) {
      M[(B + h) * B + i] = baseline.mean[h * B + i] as number;
      S[(B + h) * B + i] = 1 / (baseline.std[h * B + i] as number);
    }
  }
  const node = (
    opType: string,
    input: string[],
    output: string[],
    attribute: onnxProto.onnx.IAttributeProto[] = [],
  ) => ({
    opType,
    input,
    output,
    name: output[0],
    attribute,
  });

  const graph: onnxProto.onnx.IGraphProto = {
    name: 'hearth_routine_baseline',
    initializer: [
      tensor('select', [D, B], P),
      tensor('usual', [D, B], M),
      tensor('inv_spread', [D, B], S),
      {
        name: 'top_k',
        dims: [1],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: [Math.min(TOP_K, B)],
      },
    ],
    input: [valueInfo('features', ['batch', D])],
    output: [
      valueInfo('score', ['batch']),
      valueInfo('contributions', ['batch', B]),
      valueInfo('expected', ['batch', B]),
    ],
    node: [
      node('MatMul', ['features', 'select'], ['observed']),
      node('MatMul', ['features', 'usual'], ['expected']),
      node('MatMul', ['features', 'inv_spread'], ['hour_inv_spread']),
      node('Sub', ['observed', 'expected'], ['deviation']),
      node('Mul', ['deviation', 'hour_inv_spread'], ['contributions']),
      node('Mul', ['contributions', 'contributions'], ['squared']),
      node(
        'TopK',
        ['squared', 'top_k'],
        ['top_squared', 'top_indices'],
        [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      ),
      node(
        'ReduceMean',
        ['top_squared'],
        ['mean_squared'],
        [
          { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] },
          { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
        ],
      ),
      node('Sqrt', ['mean_squared'], ['score']),
    ],
  };

  const metadata: Record<string, string> = {
    'hearth.format': MODEL_FORMAT,
    'hearth.senior_id': info.seniorId,
    'hearth.trained_at': info.trainedAt,
    'hearth.trained_from': new Date(baseline.from).toISOString(),
    'hearth.trained_to': new Date(baseline.to).toISOString(),
    'hearth.samples': String(baseline.samples),
    'hearth.feature_spec': JSON.stringify(baseline.spec),
    'hearth.feature_names': JSON.stringify(baseline.names),
    'hearth.threshold': String(baseline.threshold),
    'hearth.probe': JSON.stringify(probeFor(baseline)),
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'hearth-cloud',
    producerVersion: '1',
    domain: 'care.hearth',
    docString: `Routine baseline of senior ${info.seniorId}`,
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A vector a little off the usual at Monday 10:00, and the score the model must give it. */
export function probeFor(baseline: Baseline): ModelProbe {
  const B = baseline.names.length;
  const hourOfWeek = 10;
  const x = new Float32Array(B + HOURS_PER_WEEK);
  for (let i = 0; i < B; i++) {
    const k = hourOfWeek * B + i;
    x[i] = (baseline.mean[k] as number) + ((i % 3) - 1) * (baseline.std[k] as number);
  }
  x[B + hourOfWeek] = 1;
  return { hourOfWeek, behaviour: Array.from(x.subarray(0, B)), score: scoreWithBaseline(baseline, x).score };
}
