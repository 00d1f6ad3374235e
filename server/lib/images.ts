/**
 * Image re-encoding with sharp (libvips). Uploaded images are decoded and written anew, so what we serve is an
 * image we produced: metadata (EXIF, GPS) is dropped and no polyglot or script survives.
 */
import sharp from 'sharp';
import { DomainError } from '../errors.ts';

export const AVATAR_SIZE = 256;
/** Refuse decompression bombs: a 5 MB PNG can claim billions of pixels. 50 megapixels covers any camera photo. */
const MAX_INPUT_PIXELS = 50_000_000;

/** A square AVATAR_SIZE WebP, cropped to cover, upright (EXIF orientation applied). */
export async function toAvatarWebp(bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const output = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover', position: 'attention' })
      .webp({ quality: 82 })
      .toBuffer();
    return new Uint8Array(output);
  } catch {
    // The bytes start like an image but do not decode (truncated, corrupt, or too many pixels).
    throw new DomainError('unsupported_media_type', 'The image could not be read. Upload a PNG, JPEG or WebP photo.', { file: 'is not a readable image' });
  }
}
