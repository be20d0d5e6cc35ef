import { FeatureSpec, MAX_MODEL_BYTES } from '@hearth/shared';
import onnxProto from 'onnx-proto';
import { MODEL_FORMAT } from './onnx-writer.js';

const { onnx } = onnxProto;

/** What an uploaded model file declares about itself. */
export interface ModelFileInfo {
  featureSpec: FeatureSpec;
  threshold: number;
}

/** An uploaded file that is not a model the hubs can run; the message says what is wrong. */
export class ModelFileError extends Error {
  readonly code = 'INVALID_MODEL_FILE';
}

/**
 * Checks a model trained elsewhere before it is registered: an ONNX file with Hearth's metadata
 * (format, feature spec, threshold, probe) and a graph with the `features` input and the three
 * outputs the hub reads. The hub still probes it before use.
 * @throws ModelFileError
 */
export function inspectModelFile(bytes: Uint8Array): ModelFileInfo {
  if (bytes.byteLength === 0) throw new ModelFileError('the model file is empty');
  if (bytes.byteLength > MAX_MODEL_BYTES)
    throw new ModelFileError(`the model file is over ${MAX_MODEL_BYTES} bytes`);
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new ModelFileError(`not an ONNX file: ${(err as Error).message}`);
  }
  const meta = new Map((model.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  if (meta.get('hearth.format') !== MODEL_FORMAT) {
    throw new ModelFileError(
      `metadata hearth.format must be ${MODEL_FORMAT}, found ${meta.get('hearth.format') ?? 'none'}`,
    );
  }
  let spec: FeatureSpec;
  try {
    spec = FeatureSpec.parse(JSON.parse(meta.get('hearth.feature_spec') ?? ''));
  } catch {
    throw new ModelFileError('metadata hearth.feature_spec is missing or invalid');
  }
  const threshold = Number(meta.get('hearth.threshold'));
  if (!(threshold > 0)) throw new ModelFileError('metadata hearth.threshold must be a positive number');
  if (!meta.has('hearth.probe'))
    throw new ModelFileError('metadata hearth.probe is missing: the hub could not check the model');
  const inputs = (model.graph?.input ?? []).map((i) => i.name);
  const outputs = new Set((model.graph?.output ?? []).map((o) => o.name));
  if (!inputs.includes('features')) throw new ModelFileError('the graph needs an input named features');
  for (const name of ['score', 'contributions', 'expected']) {
    if (!outputs.has(name)) throw new ModelFileError(`the graph needs an output named ${name}`);
  }
  return { featureSpec: spec, threshold };
}
