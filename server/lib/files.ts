/**
 * Uploaded files: the type is decided by the content (magic bytes), never by the name or the declared type,
 * and files are stored under UPLOAD_DIR with server-generated names, outside any public path.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { env } from '../env.ts';
import { DomainError } from '../errors.ts';

export type SniffedType = 'application/pdf' | 'image/png' | 'image/jpeg' | 'image/webp';

const EXTENSIONS: Record<SniffedType, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

export function sniff(bytes: Uint8Array): SniffedType | null {
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp'; // RIFF....WEBP
  return null;
}

/**
 * Reads an uploaded file and checks its size and sniffed type. Throws 413 payload_too_large or
 * 415 unsupported_media_type in the contract's format.
 */
export async function acceptUpload(
  file: File | undefined | null,
  rules: { maxBytes: number; types: SniffedType[]; field?: string },
): Promise<{ bytes: Uint8Array; type: SniffedType; extension: string; originalName: string }> {
  const field = rules.field ?? 'file';
  if (!file || typeof file === 'string') throw new DomainError('validation_failed', 'A file is required', { [field]: 'is required' });
  if (file.size > rules.maxBytes) {
    throw new DomainError('payload_too_large', `The file is larger than ${Math.round(rules.maxBytes / 1024 / 1024)} MB`, { [field]: 'is too large' });
  }
  if (file.size === 0) throw new DomainError('validation_failed', 'The file is empty', { [field]: 'is empty' });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = sniff(bytes);
  if (!type || !rules.types.includes(type)) {
    throw new DomainError('unsupported_media_type', `Only ${rules.types.map((t) => EXTENSIONS[t].toUpperCase()).join(', ')} files are accepted`, {
      [field]: 'has an unsupported type',
    });
  }
  return { bytes, type, extension: EXTENSIONS[type], originalName: sanitiseFilename(file.name || `upload.${EXTENSIONS[type]}`) };
}

/** A display name safe for Content-Disposition and HTML: no paths, no control or quote characters. */
export function sanitiseFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"<>|:*?\\]/g, '_').trim();
  return (cleaned || 'file').slice(0, 200);
}

const uploadRoot = () => resolve(env.uploadDir);

/** Stores bytes under UPLOAD_DIR/<folder>/<random>.<ext>; returns the path relative to UPLOAD_DIR. */
export async function storeFile(folder: string, bytes: Uint8Array, extension: string): Promise<string> {
  const relative = join(folder, `${crypto.randomUUID()}.${extension}`);
  const absolute = join(uploadRoot(), relative);
  await mkdir(dirname(absolute), { recursive: true });
  await Bun.write(absolute, bytes);
  return relative;
}

/** Resolves a stored relative path, refusing anything that escapes UPLOAD_DIR. */
export function storedFile(relative: string): ReturnType<typeof Bun.file> {
  const absolute = resolve(uploadRoot(), relative);
  if (!absolute.startsWith(uploadRoot() + '/')) throw new DomainError('not_found', 'File not found');
  return Bun.file(absolute);
}

export async function deleteStoredFile(relative: string): Promise<void> {
  const absolute = resolve(uploadRoot(), relative);
  if (absolute.startsWith(uploadRoot() + '/')) await rm(absolute, { force: true });
}

/** Content-Disposition for a download, with an RFC 5987 UTF-8 name. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
