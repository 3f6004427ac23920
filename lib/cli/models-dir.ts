// Where the model library is now lives in lib/library/models-dir.ts (the queue's workers need it too);
// kept here for the command modules that import it from the CLI.
export * from '../library/models-dir';
