/** The model library: the `model_library.json` catalog of a models directory (SPEC 7). No LibTorch. */
export { ModelLibrary, INDEX_FILE, INDEX_VERSION, MODEL_EXTENSIONS, readModelMetadata, pythonUtcNow } from './library';
export type { LibraryWarning, ModelLibraryOptions, ListOptions, SearchOptions, RepairResult, UnreadableModel, LibraryTransaction } from './library';
export type { ModelEntry, ModelEntrySortKey } from './entry';
export { ENTRY_FIELDS, entryFromMetadata } from './entry';
export { sanitizeFileName, uniqueFileName, modelExtension, MAX_NAME_CHARS, MAX_NAME_BYTES } from './file-name';
export type { LockOptions } from './lock';
export { pyJsonDumps, pyJsonParse, pyFloatRepr, JsonInt } from './py-json';
export type { PyJson } from './py-json';
export { resolveModel, matchModel } from './resolve';
export type { ResolvedModel, ResolveModelOptions, ModelMatch } from './resolve';
