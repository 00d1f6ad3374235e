// Tiny typed client for the Lyceum JSON API (same origin, authenticated by the HttpOnly session cookie).

export const API_BASE = '/api/v1';

export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
	readonly status: number;
	readonly code: string;
	readonly fields: FieldErrors;
	readonly retryAfter: number | null;

	constructor(status: number, code: string, message: string, fields: FieldErrors = {}, retryAfter: number | null = null) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.fields = fields;
		this.retryAfter = retryAfter;
	}
}

export type Role = 'student' | 'tutor' | 'admin';

export interface User {
	id: string;
	email: string;
	name: string;
	role: Role;
	emailVerified: boolean;
	timezone: string;
	photoUrl: string | null;
	twoFactorEnabled: boolean;
	createdAt: string;
}

export interface LoginResponse {
	accessToken: string;
	refreshToken: string;
	expiresIn: number;
	user: User;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const FALLBACK_MESSAGES: Record<number, string> = {
	0: 'Could not reach the server. Check your connection and try again.',
	400: 'The request was not understood.',
	401: 'Please sign in to continue.',
	403: 'You are not allowed to do that.',
	404: 'Not found.',
	409: 'That conflicts with the current state. Reload and try again.',
	413: 'That is too large.',
	415: 'That file type is not supported.',
	422: 'Please correct the highlighted fields.',
	429: 'Too many attempts. Please wait a moment and try again.'
};

function fallbackMessage(status: number): string {
	return FALLBACK_MESSAGES[status] ?? 'Something went wrong on our side. Please try again.';
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function toApiError(res: Response): Promise<ApiError> {
	const retryHeader = res.headers.get('retry-after');
	const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
	let body: unknown = null;
	try {
		body = await res.json();
	} catch {
		// Not JSON (a proxy error page, for instance): fall back to the status.
	}
	const err = isRecord(body) && isRecord(body.error) ? body.error : null;
	const code = err && typeof err.code === 'string' ? err.code : `http_${res.status}`;
	const message = err && typeof err.message === 'string' && err.message ? err.message : fallbackMessage(res.status);
	const fields: FieldErrors = {};
	if (err && isRecord(err.fields)) {
		for (const [key, value] of Object.entries(err.fields)) {
			if (typeof value === 'string') fields[key] = value;
		}
	}
	return new ApiError(res.status, code, message, fields, retryAfter);
}

export interface RequestOptions {
	/** Pass SvelteKit's `fetch` when calling from a `load` function. */
	fetch?: typeof fetch;
}

async function request<T>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
	const url = path.startsWith('/api/') ? path : `${API_BASE}${path.startsWith('/') ? '' : '/'}${path}`;
	const headers: Record<string, string> = { accept: 'application/json' };
	let payload: BodyInit | undefined;
	if (body instanceof FormData) {
		payload = body;
	} else if (body !== undefined) {
		headers['content-type'] = 'application/json';
		payload = JSON.stringify(body);
	}

	let res: Response;
	try {
		res = await (options.fetch ?? fetch)(url, { method, headers, body: payload, credentials: 'same-origin' });
	} catch {
		throw new ApiError(0, 'network_error', fallbackMessage(0));
	}

	if (!res.ok) throw await toApiError(res);
	if (res.status === 204 || res.status === 205) return undefined as T;
	const text = await res.text();
	if (!text) return undefined as T;
	try {
		return JSON.parse(text) as T;
	} catch {
		throw new ApiError(res.status, 'invalid_response', 'The server sent an unexpected response.');
	}
}

export const api = {
	get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
	post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body, options),
	patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, body, options),
	put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
	delete: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('DELETE', path, body, options)
};

/** Split an error into what a form shows: inline field messages and a form-level message. */
export function formErrors(error: unknown): { message: string; fields: FieldErrors; code: string } {
	if (error instanceof ApiError) return { message: error.message, fields: error.fields, code: error.code };
	return { message: fallbackMessage(500), fields: {}, code: 'unknown' };
}

/** Only allow same-site relative paths as post-login destinations (no open redirects). */
export function safeNext(next: string | null | undefined, fallback = '/profile'): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
	return next;
}
