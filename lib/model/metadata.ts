/** `metadata` of a saved model (SPEC 2): camelCase here, the Python field names on disk. */
import { ModelFormatError } from '../errors';
import { PyDict, type PyValue } from '../torchfile';

export interface ModelMetadata {
  /** uuid4; filled on save when empty. */
  modelId: string;
  name: string;
  description: string;
  datasetName: string;
  datasetFileCount: number;
  datasetTotalDurationS: number;
  /** ISO 8601. */
  trainingDate: string;
  /** ISO 8601 UTC; filled on save when empty. */
  saveDate: string;
  trainingEpochs: number;
  finalTrainLoss: number;
  finalValLoss: number;
  tags: string[];
  hasAnalysis: boolean;
  nActiveComponents: number;
}

/** The Python `ModelMetadata()` defaults. */
export function defaultMetadata(): ModelMetadata {
  return {
    modelId: '',
    name: 'Untitled Model',
    description: '',
    datasetName: '',
    datasetFileCount: 0,
    datasetTotalDurationS: 0,
    trainingDate: '',
    saveDate: '',
    trainingEpochs: 0,
    finalTrainLoss: 0,
    finalValLoss: 0,
    tags: [],
    hasAnalysis: false,
    nActiveComponents: 0,
  };
}

/** The Python type of a metadata or catalog field. */
export type FieldKind = 'str' | 'int' | 'float' | 'bool' | 'tags';
type Kind = FieldKind;

const KIND_TEXT: Record<FieldKind, string> = {
  str: 'a string',
  int: 'an integer',
  float: 'a number',
  bool: 'a boolean',
  tags: 'an array of strings',
};

/** Why a JS value cannot stand for a field of `kind` (undefined when it can). */
export function fieldKindProblem(kind: FieldKind, v: unknown): string | undefined {
  const ok =
    kind === 'str'
      ? typeof v === 'string'
      : kind === 'int'
        ? typeof v === 'number' && Number.isSafeInteger(v)
        : kind === 'float'
          ? typeof v === 'number'
          : kind === 'bool'
            ? typeof v === 'boolean'
            : Array.isArray(v) && v.every((t) => typeof t === 'string');
  return ok ? undefined : `must be ${KIND_TEXT[kind]}`;
}

/** camelCase field -> [snake_case key on disk, kind]. One table serves reading and writing. */
export const METADATA_FIELDS: ReadonlyArray<readonly [keyof ModelMetadata, string, Kind]> = [
  ['modelId', 'model_id', 'str'],
  ['name', 'name', 'str'],
  ['description', 'description', 'str'],
  ['datasetName', 'dataset_name', 'str'],
  ['datasetFileCount', 'dataset_file_count', 'int'],
  ['datasetTotalDurationS', 'dataset_total_duration_s', 'float'],
  ['trainingDate', 'training_date', 'str'],
  ['saveDate', 'save_date', 'str'],
  ['trainingEpochs', 'training_epochs', 'int'],
  ['finalTrainLoss', 'final_train_loss', 'float'],
  ['finalValLoss', 'final_val_loss', 'float'],
  ['tags', 'tags', 'tags'],
  ['hasAnalysis', 'has_analysis', 'bool'],
  ['nActiveComponents', 'n_active_components', 'int'],
];

function convert(v: PyValue, kind: Kind, key: string, file: string | undefined): unknown {
  const bad = (what: string) => new ModelFormatError(`metadata.${key} must be ${what}`, { file, key: `metadata.${key}` });
  switch (kind) {
    case 'str':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'int':
    case 'float': {
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
      if (Number.isNaN(n) && !(typeof v === 'number')) throw bad('a number');
      if (kind === 'int' && !Number.isInteger(n)) throw bad('an integer');
      return n;
    }
    case 'bool':
      if (typeof v !== 'boolean') throw bad('a bool');
      return v;
    case 'tags':
      if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) throw bad('a list of strings');
      return [...(v as string[])];
  }
}

/** Reads the `metadata` dict; missing fields take the Python defaults. */
export function metadataFromPy(value: PyValue | undefined, file?: string): ModelMetadata {
  const out = defaultMetadata();
  if (value === undefined || value === null) return out;
  if (!(value instanceof PyDict)) throw new ModelFormatError('metadata must be a dict', { file, key: 'metadata' });
  const target = out as unknown as Record<string, unknown>;
  for (const [field, key, kind] of METADATA_FIELDS) {
    const v = value.get(key);
    if (v !== undefined) target[field] = convert(v, kind, key, file);
  }
  return out;
}

/** The dict the Python app stores (`dataclasses.asdict(ModelMetadata)`: ints as ints, floats as floats). */
export function metadataToPy(m: ModelMetadata): PyDict {
  const d = new PyDict();
  for (const [field, key, kind] of METADATA_FIELDS) {
    const v = m[field];
    if (kind === 'int') d.set(key, BigInt(v as number));
    else if (kind === 'tags') d.set(key, [...(v as string[])]);
    else d.set(key, v as PyValue);
  }
  return d;
}
