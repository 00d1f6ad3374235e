// Account security and administration: API types and small display helpers.
import type { User } from './api.ts';

export interface Page<T> {
	items: T[];
	nextCursor: string | null;
}

export interface SessionInfo {
	id: string;
	createdAt: string;
	lastUsedAt: string;
	ip: string | null;
	userAgent: string | null;
	current: boolean;
}

export interface TwoFactorSetup {
	secret: string;
	otpauthUri: string;
}

export interface AuditEntry {
	id: string;
	actorId: string | null;
	action: string;
	targetType: string | null;
	targetId: string | null;
	ip: string | null;
	userAgent: string | null;
	createdAt: string;
	metadata: Record<string, unknown>;
}

export type AdminUser = User;

export type UserFilters = { q: string; role: string; status: 'active' | 'inactive' };

/** The API query for the admin users list (the page keeps its filters in its URL: ?q=&role=&status=). */
export function userQuery(filters: UserFilters, cursor?: string | null): string {
	const params = new URLSearchParams({ limit: '25', active: String(filters.status === 'active') });
	if (filters.q) params.set('q', filters.q);
	if (filters.role) params.set('role', filters.role);
	if (cursor) params.set('cursor', cursor);
	return `/admin/users?${params}`;
}

export type AuditFilters = { actorId: string; action: string };

export function auditQuery(filters: AuditFilters, cursor?: string | null): string {
	const params = new URLSearchParams({ limit: '50' });
	if (filters.actorId) params.set('actorId', filters.actorId);
	if (filters.action) params.set('action', filters.action);
	if (cursor) params.set('cursor', cursor);
	return `/admin/audit-log?${params}`;
}

export const AUDIT_ACTIONS = [
	'user.registered',
	'auth.login',
	'auth.login_failed',
	'auth.logout',
	'auth.password_reset',
	'auth.password_changed',
	'auth.2fa_enabled',
	'auth.2fa_disabled',
	'session.revoked',
	'user.role_changed',
	'user.deactivated',
	'user.reactivated'
];

/** A short, human name for a browser from its user agent ("Firefox on Linux"); the raw string stays available. */
export function describeUserAgent(userAgent: string | null): string {
	if (!userAgent) return 'Unknown device';
	const browser =
		/Edg\//.test(userAgent) ? 'Edge'
		: /OPR\//.test(userAgent) ? 'Opera'
		: /Firefox\//.test(userAgent) ? 'Firefox'
		: /Chrome\//.test(userAgent) ? 'Chrome'
		: /Safari\//.test(userAgent) ? 'Safari'
		: /^curl\//.test(userAgent) ? 'curl'
		: null;
	const system =
		/Android/.test(userAgent) ? 'Android'
		: /iPhone|iPad|iOS/.test(userAgent) ? 'iOS'
		: /Windows/.test(userAgent) ? 'Windows'
		: /Mac OS X|Macintosh/.test(userAgent) ? 'macOS'
		: /Linux/.test(userAgent) ? 'Linux'
		: null;
	if (browser && system) return `${browser} on ${system}`;
	return browser ?? system ?? userAgent.slice(0, 60);
}

export function formatDateTime(iso: string): string {
	return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Groups a base32 secret in fours so it can be typed by hand. */
export function groupSecret(secret: string): string {
	return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}
