import { api, ApiError, type User } from './api.ts';

export type SessionStatus = 'loading' | 'signed-in' | 'signed-out';

// Who is signed in, as the server sees it (GET /me with the session cookie).
class Session {
	user = $state<User | null>(null);
	status = $state<SessionStatus>('loading');
	#pending: Promise<User | null> | null = null;
	// Bumped by every explicit change (sign-in, sign-out) so a slower GET /me that started
	// before it cannot overwrite it with a stale answer.
	#version = 0;

	get signedIn(): boolean {
		return this.user !== null;
	}

	/** Load the current user once; concurrent callers share the request. Pass force to re-check. */
	load(force = false): Promise<User | null> {
		if (!force && this.status !== 'loading') return Promise.resolve(this.user);
		if (this.#pending) return this.#pending;
		const version = this.#version;
		this.#pending = api
			.get<User>('/me')
			.then((user) => {
				if (version !== this.#version) return this.user;
				this.set(user);
				return user;
			})
			.catch((err: unknown) => {
				if (version !== this.#version) return this.user;
				if (err instanceof ApiError && err.status === 401) {
					this.clear();
					return null;
				}
				// Server unreachable or failing: keep what we knew, but stop "loading".
				if (this.status === 'loading') this.status = 'signed-out';
				return this.user;
			})
			.finally(() => {
				this.#pending = null;
			});
		return this.#pending;
	}

	set(user: User): void {
		this.#version++;
		this.user = user;
		this.status = 'signed-in';
	}

	clear(): void {
		this.#version++;
		this.user = null;
		this.status = 'signed-out';
	}

	async logout(): Promise<void> {
		try {
			await api.post('/auth/logout');
		} catch {
			// Whatever the server says, the browser forgets the user.
		}
		this.clear();
	}
}

export const session = new Session();
