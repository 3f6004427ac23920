/** What a read of a torch.save file gives and is bounded by (read.ts and legacy.ts share these). */
import type { TorchStorage } from './tensor';
import type { UnpickleLimits } from './unpickler';
import type { PyValue } from './values';

/** Bounds on what a read may do. */
export interface TorchFileLimits extends UnpickleLimits {
  /** Memory the read may allocate beyond views of the file: `max(minMemoryBytes, memoryFactor * fileSize)`. */
  memoryFactor: number;
  minMemoryBytes: number;
}

export const DEFAULT_LIMITS: TorchFileLimits = {
  maxDepth: 1000,
  maxMemo: 1 << 22,
  maxIntBytes: 1024,
  memoryFactor: 8,
  minMemoryBytes: 64 << 20,
};

/** Options of {@link readTorchFile}. */
export interface ReadTorchFileOptions {
  /**
   * How tensor storages are read:
   * - `'view'` (default): views into the file buffer (no copy);
   * - `'copy'`: own copies (the file buffer can be freed);
   * - `'lazy'`: for a path, only the zip directory and `data.pkl` are read; each storage's bytes are read
   *   from the file on first `storage.bytes()` / `tensor.bytes()` (zip files only; legacy files are read whole);
   * - `'skip'`: storages carry dtype, size and device only; their bytes cannot be read (catalog use).
   */
  storages?: 'view' | 'copy' | 'lazy' | 'skip';
  /** Check each record's CRC-32 (PyTorch's reader does not). Default false. */
  verifyCrc?: boolean;
  /** Override safety limits. */
  limits?: Partial<TorchFileLimits>;
  /** What the file is, for file-system error messages (`cannot read model file ...`). Default `torch.save file`. */
  fileDescription?: string;
}

/** What {@link readTorchFile} returns. */
export interface TorchFile {
  /** The saved object. */
  value: PyValue;
  /** `zip` (PyTorch >= 1.6) or `legacy`. */
  format: 'zip' | 'legacy';
  /** The zip's top folder (`archive` of `archive/data.pkl`); empty for legacy files. */
  archiveName: string;
  /** Record names relative to the archive folder (zip only), in file order. */
  records: string[];
  /** Contents of the `version` record (zip), e.g. `3`. */
  version?: string;
  /** Byte order the storages were saved in. */
  byteOrder: 'little' | 'big';
  /** Every storage, in key order. */
  storages: TorchStorage[];
  /** Pickle protocol of the main pickle. */
  protocol: number;
}
