// Page guards for `load` functions: who is signed in, as the server sees it right now.
import { error, redirect } from '@sveltejs/kit';
import { api, ApiError, type Role, type User } from './api.ts';
import { session } from './session.svelte.ts';

type LoadContext = { fetch: typeof fetch; url: URL };

/** The signed-in user, or a redirect to sign-in that comes back here. */
export async function requireUser({ fetch, url }: LoadContext): Promise<User> {
	try {
		const user = await api.get<User>('/me', { fetch });
		session.set(user);
		return user;
	} catch (err) {
		if (err instanceof ApiError && err.status === 401) {
			session.clear();
			redirect(307, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
		}
		if (err instanceof ApiError) error(err.status >= 400 ? err.status : 503, err.message);
		throw err;
	}
}

/** The signed-in user if they have one of `roles` (the server checks again on every call), else a 403 page. */
export async function requireRole(context: LoadContext, roles: Role[]): Promise<User> {
	const user = await requireUser(context);
	if (!roles.includes(user.role)) error(403, 'This page is for administrators.');
	return user;
}

/** Turns an API failure inside a load into the error page (401 back to sign-in). */
export function failLoad(err: unknown, url: URL): never {
	if (err instanceof ApiError) {
		if (err.status === 401) redirect(307, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
		if (err.code === 'two_factor_required') error(403, 'Turn on two-factor authentication in Settings → Security to use the admin pages.');
		error(err.status >= 400 ? err.status : 503, err.message);
	}
	throw err;
}
