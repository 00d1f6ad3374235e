import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { sql } from '../../../db/client.ts';
import { account, type SignedInAccount } from '../../support/admin.ts';
import { client } from '../../support/app.ts';
import { expectError } from '../accounts/helpers.ts';

// Each test signs several accounts in (argon2 hashing): generous under a loaded machine.
setDefaultTimeout(30_000);

const API = '/api/v1';

async function image(format: 'png' | 'jpeg' | 'webp', width = 640, height = 480): Promise<Uint8Array> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 90 } } });
  return new Uint8Array(await (format === 'png' ? base.png() : format === 'jpeg' ? base.jpeg() : base.webp()).toBuffer());
}

function upload(user: SignedInAccount, bytes: Uint8Array, name: string, type = 'image/png') {
  const form = new FormData();
  form.append('file', new File([new Uint8Array(bytes)], name, { type }));
  return user.api.request('PUT', `${API}/me/photo`, { raw: form, token: user.accessToken });
}

describe('PUT /me/photo', () => {
  test('a PNG: 200 {photoUrl}; GET serves a 256x256 WebP with nosniff and a locked-down CSP; /me shows it', async () => {
    const user = await account('student');
    const reply = await upload(user, await image('png'), 'me.png');
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['photoUrl']);
    expect(reply.body.photoUrl).toMatch(new RegExp(`^/api/v1/users/${user.id}/photo\\?v=`));

    const served = await fetch(`${user.api.baseUrl}${reply.body.photoUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(served.headers.get('cache-control')).toContain('public');
    const bytes = new Uint8Array(await served.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'webp', width: 256, height: 256 });

    // The cache picks up the change at once.
    const me = await user.api.get(`${API}/me`, { token: user.accessToken });
    expect(me.body.photoUrl).toBe(reply.body.photoUrl);
    // Public: no authentication needed, and without the version it is cached briefly only.
    const unversioned = await fetch(`${user.api.baseUrl}/api/v1/users/${user.id}/photo`);
    expect(unversioned.status).toBe(200);
    expect(unversioned.headers.get('cache-control')).not.toContain('immutable');
  });

  test('JPEG and WebP are accepted; a new photo replaces the old file', async () => {
    const user = await account('student');
    const first = await upload(user, await image('jpeg'), 'a.jpg', 'image/jpeg');
    expect(first.status).toBe(200);
    const [before] = await sql<{ photo_path: string }[]>`select photo_path from users where id = ${user.id}`;
    const second = await upload(user, await image('webp', 300, 900), 'b.webp', 'image/webp');
    expect(second.status).toBe(200);
    expect(second.body.photoUrl).not.toBe(first.body.photoUrl);
    const [after] = await sql<{ photo_path: string }[]>`select photo_path from users where id = ${user.id}`;
    const root = process.env.UPLOAD_DIR!;
    expect(existsSync(join(root, after!.photo_path))).toBe(true);
    expect(existsSync(join(root, before!.photo_path))).toBe(false);
    expect(after!.photo_path.startsWith('photos/')).toBe(true);
  });

  test('metadata is stripped (re-encoded)', async () => {
    const user = await account('student');
    const withExif = new Uint8Array(
      await sharp({ create: { width: 100, height: 100, channels: 3, background: 'blue' } })
        .jpeg()
        .withExif({ IFD0: { Copyright: 'secret-location-marker' } })
        .toBuffer(),
    );
    const reply = await upload(user, withExif, 'exif.jpg', 'image/jpeg');
    expect(reply.status).toBe(200);
    const served = new Uint8Array(await (await fetch(`${user.api.baseUrl}${reply.body.photoUrl}`)).arrayBuffer());
    expect(Buffer.from(served).includes('secret-location-marker')).toBe(false);
    expect((await sharp(served).metadata()).exif).toBeUndefined();
  });

  test('a JSON body is 415 (the photo is uploaded as multipart/form-data)', async () => {
    const user = await account('student');
    expectError(await user.api.put(`${API}/me/photo`, { file: 'iVBORw0KGgo=' }, { token: user.accessToken }), 415, 'unsupported_media_type');
    expect((await user.api.get(`${API}/me`, { token: user.accessToken })).body.photoUrl).toBeNull();
  });

  test('an HTML file named .png is 415', async () => {
    const user = await account('student');
    const html = new TextEncoder().encode('<!doctype html><script>alert(document.cookie)</script>');
    expectError(await upload(user, html, 'photo.png'), 415, 'unsupported_media_type');
  });

  test('a renamed executable is 415', async () => {
    const user = await account('student');
    const elf = new Uint8Array(64);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01]);
    expectError(await upload(user, elf, 'photo.png'), 415, 'unsupported_media_type');
    const mz = new Uint8Array(64);
    mz.set([0x4d, 0x5a, 0x90, 0x00]);
    expectError(await upload(user, mz, 'photo.jpg', 'image/jpeg'), 415, 'unsupported_media_type');
  });

  test('a PDF is 415 (allowed for documents, not for photos)', async () => {
    const user = await account('student');
    expectError(await upload(user, new TextEncoder().encode('%PDF-1.4\n%%EOF\n'), 'photo.png'), 415, 'unsupported_media_type');
  });

  test('a corrupt image with a PNG signature is 415', async () => {
    const user = await account('student');
    const bytes = new Uint8Array(1024);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expectError(await upload(user, bytes, 'broken.png'), 415, 'unsupported_media_type');
  });

  test('over 5 MB is 413, and nothing changes', async () => {
    const user = await account('student');
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(await image('png', 8, 8));
    expectError(await upload(user, big, 'big.png'), 413, 'payload_too_large');
    expect((await user.api.get(`${API}/me`, { token: user.accessToken })).body.photoUrl).toBeNull();
  });

  test('422 without a file; 401 without authentication', async () => {
    const user = await account('student');
    const form = new FormData();
    form.append('other', 'x');
    const missing = await user.api.request('PUT', `${API}/me/photo`, { raw: form, token: user.accessToken });
    expect(missing.status).toBe(422);
    const anonymousForm = new FormData();
    anonymousForm.append('file', new File([new Uint8Array(await image('png', 8, 8))], 'me.png', { type: 'image/png' }));
    const anonymous = await (await client()).request('PUT', `${API}/me/photo`, { raw: anonymousForm });
    expectError(anonymous, 401, 'unauthorized');
  });
});

describe('GET /users/{id}/photo', () => {
  test('404 for a user without a photo, for an unknown user and for a malformed id', async () => {
    const user = await account('student');
    const api = await client();
    expectError(await api.get(`${API}/users/${user.id}/photo`), 404, 'not_found');
    expectError(await api.get(`${API}/users/${crypto.randomUUID()}/photo`), 404, 'not_found');
    expectError(await api.get(`${API}/users/not-a-uuid/photo`), 404, 'not_found');
  });
});
