/**
 * `ModelEntry`: one model in the catalog (SPEC 7). camelCase in TypeScript; on disk the Python field
 * names, in the Python dataclass order.
 */
import { fieldKindProblem, type FieldKind, type ModelMetadata } from '../model/metadata';
import { JsonInt, type PyJson } from './py-json';

export interface ModelEntry {
  modelId: string;
  name: string;
  description: string;
  /** The file name, relative to the models directory. */
  filePath: string;
  fileSizeBytes: number;
  datasetName: string;
  datasetFileCount: number;
  datasetTotalDurationS: number;
  trainingDate: string;
  saveDate: string;
  trainingEpochs: number;
  finalTrainLoss: number;
  finalValLoss: number;
  hasAnalysis: boolean;
  nActiveComponents: number;
  tags: string[];
}

type Kind = FieldKind;

/** camelCase field -> [key on disk, kind], in the order the Python app writes them. */
export const ENTRY_FIELDS: ReadonlyArray<readonly [keyof ModelEntry, string, Kind]> = [
  ['modelId', 'model_id', 'str'],
  ['name', 'name', 'str'],
  ['description', 'description', 'str'],
  ['filePath', 'file_path', 'str'],
  ['fileSizeBytes', 'file_size_bytes', 'int'],
  ['datasetName', 'dataset_name', 'str'],
  ['datasetFileCount', 'dataset_file_count', 'int'],
  ['datasetTotalDurationS', 'dataset_total_duration_s', 'float'],
  ['trainingDate', 'training_date', 'str'],
  ['saveDate', 'save_date', 'str'],
  ['trainingEpochs', 'training_epochs', 'int'],
  ['finalTrainLoss', 'final_train_loss', 'float'],
  ['finalValLoss', 'final_val_loss', 'float'],
  ['hasAnalysis', 'has_analysis', 'bool'],
  ['nActiveComponents', 'n_active_components', 'int'],
  ['tags', 'tags', 'tags'],
];

/** Fields a search can sort by: the camelCase names or the Python (snake_case) names. */
export type ModelEntrySortKey = keyof ModelEntry | (typeof ENTRY_FIELDS)[number][1];

const BY_ANY_NAME = new Map<string, keyof ModelEntry>();
for (const [field, key] of ENTRY_FIELDS) {
  BY_ANY_NAME.set(field, field);
  BY_ANY_NAME.set(key, field);
}

/** The camelCase field for a camelCase or snake_case name; undefined when there is none. */
export function entryField(name: string): keyof ModelEntry | undefined {
  return BY_ANY_NAME.get(name);
}

/** An entry's fields for the metadata of a saved model. */
export function entryFromMetadata(m: ModelMetadata, filePath: string, fileSizeBytes: number): ModelEntry {
  return {
    modelId: m.modelId,
    name: m.name,
    description: m.description,
    filePath,
    fileSizeBytes,
    datasetName: m.datasetName,
    datasetFileCount: m.datasetFileCount,
    datasetTotalDurationS: m.datasetTotalDurationS,
    trainingDate: m.trainingDate,
    saveDate: m.saveDate,
    trainingEpochs: m.trainingEpochs,
    finalTrainLoss: m.finalTrainLoss,
    finalValLoss: m.finalValLoss,
    hasAnalysis: m.hasAnalysis,
    nActiveComponents: m.nActiveComponents,
    tags: [...m.tags],
  };
}

/**
 * An entry as read from disk, with what is needed to write it back unchanged: which numeric fields were
 * Python ints or floats (a hand-made or foreign entry may hold `36` in a float field) and unknown keys.
 */
export interface StoredEntry {
  entry: ModelEntry;
  /** Numeric fields whose stored Python type differs from the field's usual one. */
  numberKinds?: Map<string, 'int' | 'float'>;
  /** Keys this package does not know, kept and written back after the known ones. */
  extra?: Map<string, PyJson>;
}

/** Why a stored entry cannot be used (undefined when it can). */
export function storedEntryFromJson(id: string, v: PyJson): StoredEntry | string {
  if (!(v instanceof Map)) return 'is not an object';
  const out: Record<string, unknown> = {};
  let numberKinds: Map<string, 'int' | 'float'> | undefined;
  for (const [field, key, kind] of ENTRY_FIELDS) {
    const x = v.get(key);
    if (x === undefined) {
      if (key === 'model_id' || key === 'file_path') return `has no ${key}`;
      out[field] = kind === 'str' ? '' : kind === 'bool' ? false : kind === 'tags' ? [] : 0;
      continue;
    }
    switch (kind) {
      case 'str':
        if (typeof x !== 'string') return `${key} is not a string`;
        out[field] = x;
        break;
      case 'int':
      case 'float': {
        if (x instanceof JsonInt) {
          if (kind === 'int' && !Number.isSafeInteger(x.toNumber())) return `${key} ${x.value} is out of range (${INT_RANGE_TEXT})`;
          out[field] = x.toNumber();
          if (kind === 'float') (numberKinds ??= new Map()).set(key, 'int');
        } else if (typeof x === 'number') {
          out[field] = x;
          if (kind === 'int') (numberKinds ??= new Map()).set(key, 'float');
        } else {
          return `${key} is not a number`;
        }
        break;
      }
      case 'bool':
        if (typeof x !== 'boolean') return `${key} is not a bool`;
        out[field] = x;
        break;
      case 'tags':
        if (!Array.isArray(x) || x.some((t) => typeof t !== 'string')) return `${key} is not a list of strings`;
        out[field] = [...(x as string[])];
        break;
    }
  }
  if (out.modelId !== id) return `its model_id ${JSON.stringify(out.modelId)} differs from its key`;
  if (out.filePath === '' || /[/\\]/.test(out.filePath as string) || out.filePath === '.' || out.filePath === '..') {
    return `file_path ${JSON.stringify(out.filePath)} is not a file name in the models directory`;
  }
  let extra: Map<string, PyJson> | undefined;
  const known = new Set(ENTRY_FIELDS.map(([, k]) => k));
  for (const [k, x] of v) if (!known.has(k)) (extra ??= new Map()).set(k, x);
  const stored: StoredEntry = { entry: out as unknown as ModelEntry };
  if (numberKinds) stored.numberKinds = numberKinds;
  if (extra) stored.extra = extra;
  return stored;
}

/** The JSON object of a stored entry, in the Python field order. */
export function storedEntryToJson(s: StoredEntry): Map<string, PyJson> {
  const m = new Map<string, PyJson>();
  const e = s.entry;
  for (const [field, key, kind] of ENTRY_FIELDS) {
    const v = e[field];
    switch (kind) {
      case 'int':
      case 'float': {
        const n = v as number;
        const asKind = s.numberKinds?.get(key) ?? kind;
        m.set(key, asKind === 'int' && Number.isSafeInteger(n) ? new JsonInt(BigInt(n)) : n);
        break;
      }
      case 'tags':
        m.set(key, [...(v as string[])]);
        break;
      default:
        m.set(key, v as string | boolean);
    }
  }
  if (s.extra) for (const [k, x] of s.extra) m.set(k, x);
  return m;
}

/** The integers a catalog int field can hold here (JavaScript numbers are exact up to 2^53 - 1). */
export const INT_RANGE_TEXT = 'integers up to ±(2^53 - 1)';

/**
 * Why an entry made from a model file's metadata cannot be cataloged, naming the field as on disk and the
 * value (an int beyond what a number holds exactly, a wrong type); undefined when it can.
 */
export function entryProblem(e: ModelEntry): string | undefined {
  for (const [field, key, kind] of ENTRY_FIELDS) {
    const v = (e as unknown as Record<string, unknown>)[field];
    if (kind === 'int' && typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      return `${key} ${BigInt(v)} is out of range (${INT_RANGE_TEXT})`;
    }
    const problem = fieldKindProblem(kind, v);
    if (problem) return `${key} ${problem}`;
  }
  return undefined;
}

/** Checks a caller's entry (types and a usable file name); returns an error message or undefined. */
export function checkEntry(e: ModelEntry): string | undefined {
  for (const [field, , kind] of ENTRY_FIELDS) {
    const problem = fieldKindProblem(kind, (e as unknown as Record<string, unknown>)[field]);
    if (problem) return `entry.${field} ${problem}`;
  }
  if (e.modelId === '') return 'entry.modelId must not be empty';
  if (e.filePath === '' || /[/\\]/.test(e.filePath) || e.filePath === '.' || e.filePath === '..') {
    return 'entry.filePath must be a file name in the models directory (no folders)';
  }
  return undefined;
}

/** A deep copy (entries handed out can be changed by callers without touching the library). */
export function copyEntry(e: ModelEntry): ModelEntry {
  return { ...e, tags: [...e.tags] };
}
