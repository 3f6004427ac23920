/** The model library: the `model_library.json` catalog of a models directory (SPEC 7). No LibTorch. */
export { ModelLibrary, pythonUtcNow } from './library';
export { INDEX_FILE, INDEX_VERSION } from './index-file';
export { MODEL_EXTENSIONS } from './file-name';
export { readModelMetadata } from './repair';
export type { ModelLibraryOptions, ListOptions, SearchOptions, LibraryTransaction } from './library';
export type { LibraryWarning } from './index-store';
export type { RepairResult, UnreadableModel } from './repair';
export type { ModelEntry, ModelEntrySortKey } from './entry';
export { ENTRY_FIELDS, entryFromMetadata } from './entry';
export { sanitizeFileName, uniqueFileName, modelExtension, MAX_NAME_CHARS, MAX_NAME_BYTES } from './file-name';
export type { LockOptions } from './lock';
export { pyJsonDumps, pyJsonParse, pyFloatRepr, JsonInt } from './py-json';
export type { PyJson } from './py-json';
export { resolveModel, matchModel } from './resolve';
export type { ResolvedModel, ResolveModelOptions, ModelMatch, MatchModelOptions, MatchRule } from './resolve';
