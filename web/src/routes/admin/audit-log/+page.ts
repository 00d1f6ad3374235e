import { api } from '#lib/api.ts';
import { failLoad, requireRole } from '#lib/guards.ts';
import { auditQuery, type AuditEntry, type AuditFilters, type Page } from '#lib/security.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
	await requireRole({ fetch, url }, ['admin']);
	const filters: AuditFilters = { actorId: url.searchParams.get('actorId') ?? '', action: url.searchParams.get('action') ?? '' };
	try {
		const page = await api.get<Page<AuditEntry>>(auditQuery(filters), { fetch });
		return { filters, page };
	} catch (err) {
		failLoad(err, url);
	}
};
