/**
 * The one error type of the torch-file reader and writer.
 */
import { SdaError } from '../errors';

/** Where in a file a problem was found, and what it is. */
export interface TorchFileErrorDetails {
  /** The file path, when reading or writing a path (absent for a byte buffer). */
  file?: string;
  /** The zip record (e.g. `archive/data.pkl`) or legacy section the problem is in. */
  record?: string;
  /** Byte offset of the problem, relative to the record (or to the file for container errors). */
  offset?: number;
}

/**
 * A torch.save file is malformed, unsafe to read, or a value cannot be written.
 * `reason` is the problem alone; `message` adds the file, record and offset.
 */
export class TorchFileError extends SdaError {
  readonly file?: string;
  readonly record?: string;
  readonly offset?: number;
  readonly reason: string;

  constructor(reason: string, details: TorchFileErrorDetails = {}, options?: { cause?: unknown }) {
    super('ERR_SDA_TORCH_FILE', formatMessage(reason, details), options);
    this.reason = reason;
    if (details.file !== undefined) this.file = details.file;
    if (details.record !== undefined) this.record = details.record;
    if (details.offset !== undefined) this.offset = details.offset;
  }

  /** A copy of this error with the file (and a default record) filled in. */
  withContext(details: TorchFileErrorDetails): TorchFileError {
    const merged: TorchFileErrorDetails = {
      file: this.file ?? details.file,
      record: this.record ?? details.record,
      offset: this.offset ?? details.offset,
    };
    return new TorchFileError(this.reason, merged, { cause: this.cause });
  }
}

function formatMessage(reason: string, d: TorchFileErrorDetails): string {
  const where: string[] = [];
  if (d.file !== undefined) where.push(d.file);
  if (d.record !== undefined) where.push(`record ${d.record}`);
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  return where.length > 0 ? `${where.join(', ')}: ${reason}` : reason;
}
