/**
 * The tags an encoded export carries, as Distill writes them (`audio/metadata.py`): artist (default
 * "Distill Generator"), album (default: the model's name), title, and the provenance fields
 * DISTILL_SEED, DISTILL_MODEL and DISTILL_PRESET. FLAC and Ogg hold them as Vorbis comments with
 * Distill's lower-case keys (`distill_seed=42`); MP3 as ID3v2 frames TPE1/TALB/TIT2 and TXXX frames
 * whose descriptions are the upper-case names. Empty values are left out, as Distill leaves them out;
 * artist and seed are always written.
 */
import { InvalidArgumentError } from '../../errors';

/** Tags for an encoded export; every field is optional (see {@link resolveTags} for the defaults). */
export interface ExportTags {
  /** Default "Distill Generator". */
  artist?: string;
  /** Default: the model's name. */
  album?: string;
  /** Default: none. */
  title?: string;
  /** DISTILL_SEED; default: the seed the result was made with. */
  seed?: number;
  /** DISTILL_MODEL; default: the model's name. */
  model?: string;
  /** DISTILL_PRESET; default: none. */
  preset?: string;
}

/** Every tag with its value decided: what the file will hold ('' = left out). */
export type ResolvedTags = Required<ExportTags>;

/** Distill's default artist (`DEFAULT_METADATA["artist"]`). */
export const DEFAULT_ARTIST = 'Distill Generator';

/** Longest tag value accepted, in UTF-16 units: far above any real title, far below what would cost. */
export const MAX_TAG_LENGTH = 4096;

const TEXT_KEYS = ['artist', 'album', 'title', 'model', 'preset'] as const;
const TAG_KEYS = new Set<string>([...TEXT_KEYS, 'seed']);

/** Refuses tags that are not an object of known keys with string values (seed: an integer). */
export function checkTags(tags: unknown): ExportTags {
  if (tags === undefined) return {};
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) throw new InvalidArgumentError(`tags must be an object; got ${JSON.stringify(tags)}`);
  const out: ExportTags = {};
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_KEYS.has(k)) throw new InvalidArgumentError(`unknown tag "${k}"; known: ${[...TAG_KEYS].join(', ')}`);
    if (v === undefined) continue;
    if (k === 'seed') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`tags.seed must be a non-negative integer; got ${JSON.stringify(v)}`);
      out.seed = v;
      continue;
    }
    if (typeof v !== 'string') throw new InvalidArgumentError(`tags.${k} must be a string; got ${JSON.stringify(v)}`);
    if (v.length > MAX_TAG_LENGTH) throw new InvalidArgumentError(`tags.${k} is too long: at most ${MAX_TAG_LENGTH} characters; got ${v.length}`);
    // ID3 ends text at NUL, so a NUL would cut the value short in MP3 files.
    if (v.includes('\u0000')) throw new InvalidArgumentError(`tags.${k} must not contain a NUL character`);
    out[k as (typeof TEXT_KEYS)[number]] = v;
  }
  return out;
}

/**
 * A model's name as a tag value, held to what checkTags lets user tags hold: NULs (which end ID3 text)
 * left out, and at most MAX_TAG_LENGTH UTF-16 units, cut between characters. A name comes from a model
 * file, which anyone can write: unbounded, a 9 M-character name overflowed FLAC's 24-bit block length.
 */
export function modelNameTag(name: string): string {
  const text = name.includes('\u0000') ? name.replaceAll('\u0000', '') : name;
  if (text.length <= MAX_TAG_LENGTH) return text;
  const last = text.charCodeAt(MAX_TAG_LENGTH - 1);
  // Do not keep the first half of a surrogate pair.
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_TAG_LENGTH - 1 : MAX_TAG_LENGTH);
}

/** The tags with Distill's defaults filled in (`build_export_metadata`); the model's name bounded as user tags are. */
export function resolveTags(tags: ExportTags, modelName: string, seedUsed: number): ResolvedTags {
  return {
    artist: tags.artist ?? DEFAULT_ARTIST,
    album: tags.album ?? modelNameTag(modelName),
    title: tags.title ?? '',
    seed: tags.seed ?? seedUsed,
    model: tags.model ?? modelNameTag(modelName),
    preset: tags.preset ?? '',
  };
}

/**
 * The Vorbis comments of FLAC and Ogg exports, in Distill's order and spelling (`_set_vorbis_tags`).
 * Distill writes the artist even when empty; so do we.
 */
export function vorbisComments(t: ResolvedTags): [string, string][] {
  const out: [string, string][] = [['artist', t.artist]];
  if (t.album) out.push(['album', t.album]);
  if (t.title) out.push(['title', t.title]);
  out.push(['distill_seed', String(t.seed)]);
  if (t.model) out.push(['distill_model', t.model]);
  if (t.preset) out.push(['distill_preset', t.preset]);
  return out;
}

/** The ID3v2 content of MP3 exports, as Distill's `_embed_id3` (TPE1, TALB, TIT2, TXXX:DISTILL_*). */
export interface Id3Tags {
  artist: string;
  album?: string;
  title?: string;
  /** TXXX frames: description and value. */
  userDefinedText: { description: string; value: string }[];
}

export function id3Tags(t: ResolvedTags): Id3Tags {
  const out: Id3Tags = { artist: t.artist, userDefinedText: [{ description: 'DISTILL_SEED', value: String(t.seed) }] };
  if (t.album) out.album = t.album;
  if (t.title) out.title = t.title;
  if (t.model) out.userDefinedText.push({ description: 'DISTILL_MODEL', value: t.model });
  if (t.preset) out.userDefinedText.push({ description: 'DISTILL_PRESET', value: t.preset });
  return out;
}
