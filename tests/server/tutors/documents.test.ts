import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from '../../../db/client.ts';
import { expectError } from '../accounts/helpers.ts';
import { client } from '../../support/app.ts';
import { API, ELF, HTML, JPEG, PDF, PNG, admin, pdfOfSize, pendingTutor, student, tutor, upload } from '../../support/factories.ts';

// Each test signs several users in (argon2 hashing): allow for a busy machine.
setDefaultTimeout(60_000);

const UPLOAD_DIR = process.env.UPLOAD_DIR!;

async function storedFilesOf(tutorId: string): Promise<string[]> {
  return readdir(join(UPLOAD_DIR, 'tutor-documents', tutorId)).catch(() => []);
}

describe('POST /tutors/me/documents', () => {
  test('201 {id, kind, filename} for a PDF CV, a PNG and a JPEG certificate; listed on the profile', async () => {
    const me = await tutor();
    const cv = await upload(me, { bytes: PDF, name: 'My CV.pdf', type: 'application/pdf' }, 'cv');
    expect(cv.status).toBe(201);
    expect(Object.keys(cv.body).sort()).toEqual(['filename', 'id', 'kind']);
    expect(cv.body).toMatchObject({ kind: 'cv', filename: 'My CV.pdf' });
    const png = await upload(me, { bytes: PNG, name: 'diploma.png', type: 'image/png' }, 'certificate');
    expect(png.status).toBe(201);
    // The type is decided by the content: a JPEG with a misleading name and declared type is still accepted, as a JPEG.
    const jpeg = await upload(me, { bytes: JPEG, name: 'scan.pdf', type: 'application/pdf' }, 'certificate');
    expect(jpeg.status).toBe(201);

    const profile = await me.api.get(`${API}/tutors/me`, { token: me.token });
    expect(profile.body.documents).toEqual([cv.body, png.body, jpeg.body]);

    // Stored under UPLOAD_DIR with server-generated names, never the uploader's.
    const files = await storedFilesOf(me.id);
    expect(files).toHaveLength(3);
    for (const file of files) expect(file).toMatch(/^[0-9a-f-]{36}\.(pdf|png|jpg)$/);
    const [row] = await sql<{ mime_type: string; storage_path: string }[]>`select mime_type, storage_path from tutor_documents where id = ${jpeg.body.id}`;
    expect(row!.mime_type).toBe('image/jpeg');
    expect(row!.storage_path).not.toContain('scan');
  });

  test('sanitises the file name', async () => {
    const me = await tutor();
    const reply = await upload(me, { bytes: PDF, name: '../../etc/"evil"<cv>.pdf', type: 'application/pdf' }, 'cv');
    expect(reply.status).toBe(201);
    expect(reply.body.filename).not.toContain('/');
    expect(reply.body.filename).not.toContain('"');
    expect(reply.body.filename).not.toContain('<');
  });

  test('415 for a renamed executable and for HTML named .png; nothing is stored', async () => {
    const me = await tutor();
    expectError(await upload(me, { bytes: ELF, name: 'cv.pdf', type: 'application/pdf' }, 'cv'), 415, 'unsupported_media_type');
    expectError(await upload(me, { bytes: HTML, name: 'certificate.png', type: 'image/png' }, 'certificate'), 415, 'unsupported_media_type');
    expect(await storedFilesOf(me.id)).toEqual([]);
    expect((await me.api.get(`${API}/tutors/me`, { token: me.token })).body.documents).toEqual([]);
  });

  test('415 for a JSON body (uploads are multipart/form-data); nothing is stored', async () => {
    const me = await tutor();
    expectError(await me.api.post(`${API}/tutors/me/documents`, { kind: 'cv', file: 'JVBERi0xLjQK' }, { token: me.token }), 415, 'unsupported_media_type');
    expect(await storedFilesOf(me.id)).toEqual([]);
  });

  test('413 for a file over 10 MB (and for a body over the server limit)', async () => {
    const me = await tutor();
    expectError(await upload(me, { bytes: pdfOfSize(10 * 1024 * 1024 + 1), name: 'big.pdf', type: 'application/pdf' }, 'cv'), 413, 'payload_too_large');
    expectError(await upload(me, { bytes: pdfOfSize(13 * 1024 * 1024), name: 'huge.pdf', type: 'application/pdf' }, 'cv'), 413, 'payload_too_large');
    // Exactly 10 MB is fine.
    expect((await upload(me, { bytes: pdfOfSize(10 * 1024 * 1024), name: 'ten.pdf', type: 'application/pdf' }, 'cv')).status).toBe(201);
    expect(await storedFilesOf(me.id)).toHaveLength(1);
  });

  test('422 for a missing file, an empty file or an unknown kind', async () => {
    const me = await tutor();
    const noFile = new FormData();
    noFile.append('kind', 'cv');
    expectError(await me.api.request('POST', `${API}/tutors/me/documents`, { raw: noFile, token: me.token }), 422, 'validation_failed', ['file']);
    expectError(await upload(me, { bytes: new Uint8Array(), name: 'empty.pdf' }, 'cv'), 422, 'validation_failed', ['file']);
    expectError(await upload(me, { bytes: PDF, name: 'cv.pdf' }, 'diploma'), 422, 'validation_failed', ['kind']);
  });

  test('at most 20 documents: 409 conflict for the 21st, and its file is not kept', async () => {
    const me = await tutor();
    for (let index = 0; index < 20; index++) {
      expect((await upload(me, { bytes: PDF, name: `certificate-${index}.pdf` }, 'certificate')).status).toBe(201);
    }
    expectError(await upload(me, { bytes: PDF, name: 'one-too-many.pdf' }, 'certificate'), 409, 'conflict');
    expect(await storedFilesOf(me.id)).toHaveLength(20);
  });

  test('403 for students, 401 anonymous', async () => {
    const someone = await student();
    expectError(await upload(someone, { bytes: PDF, name: 'cv.pdf' }, 'cv'), 403, 'forbidden');
    const form = new FormData();
    form.append('kind', 'cv');
    form.append('file', new File([PDF], 'cv.pdf'));
    expectError(await (await client()).request('POST', `${API}/tutors/me/documents`, { raw: form }), 401, 'unauthorized');
  });
});

describe('DELETE /tutors/me/documents/{id}', () => {
  test('204 removes the row and the file; 404 afterwards, for other tutors and for a malformed id', async () => {
    const me = await tutor();
    const other = await tutor();
    const cv = await upload(me, { bytes: PDF, name: 'wrong.pdf' }, 'cv');
    expect(await storedFilesOf(me.id)).toHaveLength(1);
    expectError(await other.api.delete(`${API}/tutors/me/documents/${cv.body.id}`, { token: other.token }), 404, 'not_found');
    const reply = await me.api.delete(`${API}/tutors/me/documents/${cv.body.id}`, { token: me.token });
    expect(reply.status).toBe(204);
    expect(await storedFilesOf(me.id)).toEqual([]);
    expect((await me.api.get(`${API}/tutors/me`, { token: me.token })).body.documents).toEqual([]);
    expectError(await me.api.delete(`${API}/tutors/me/documents/${cv.body.id}`, { token: me.token }), 404, 'not_found');
    expectError(await me.api.delete(`${API}/tutors/me/documents/not-a-uuid`, { token: me.token }), 404, 'not_found');
  });

  test('409 while the profile waits for review', async () => {
    const me = await pendingTutor();
    expectError(await me.api.delete(`${API}/tutors/me/documents/${me.documents[0].id}`, { token: me.token }), 409, 'conflict');
  });
});

describe('documents are private', () => {
  test('no public path serves them; only an admin session downloads them', async () => {
    const me = await tutor();
    const marker = `%PDF-1.4\n% private-marker-${crypto.randomUUID()}\n`;
    const cv = await upload(me, { bytes: new TextEncoder().encode(marker), name: 'cv.pdf', type: 'application/pdf' }, 'cv');
    expect(cv.status).toBe(201);
    const [row] = await sql<{ storage_path: string }[]>`select storage_path from tutor_documents where id = ${cv.body.id}`;
    const relative = row!.storage_path;
    const fileName = relative.split('/').pop()!;
    const anonymous = await client();
    const paths = [
      `/${relative}`,
      `/uploads/${relative}`,
      `/files/${relative}`,
      `/static/${relative}`,
      `/api/v1/${relative}`,
      `/api/v1/uploads/${relative}`,
      `/api/v1/files/${fileName}`,
      `${UPLOAD_DIR}/${relative}`,
      `/_app/../../${relative}`,
      `/..%2f..%2f${relative}`,
      `/api/v1/admin/tutors/${me.id}/documents/${cv.body.id}`,
    ];
    for (const path of paths) {
      const reply = await anonymous.get(path);
      expect(reply.text).not.toContain('private-marker');
      expect(reply.headers.get('content-type') ?? '').not.toContain('application/pdf');
    }
    // Authenticated but not an admin: the tutor themself, another tutor and a student.
    const other = await tutor();
    const someone = await student();
    for (const caller of [me, other, someone]) {
      const reply = await caller.api.get(`${API}/admin/tutors/${me.id}/documents/${cv.body.id}`, { token: caller.token });
      expectError(reply, 403, 'forbidden');
    }
    const boss = await admin();
    const download = await boss.api.get(`${API}/admin/tutors/${me.id}/documents/${cv.body.id}`, { token: boss.token });
    expect(download.status).toBe(200);
    expect(download.text).toBe(marker);
  });
});
