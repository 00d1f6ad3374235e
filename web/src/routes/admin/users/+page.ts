import { api } from '#lib/api.ts';
import { failLoad, requireRole } from '#lib/guards.ts';
import { userQuery, type AdminUser, type Page, type UserFilters } from '#lib/security.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
	const me = await requireRole({ fetch, url }, ['admin']);
	const filters: UserFilters = {
		q: url.searchParams.get('q') ?? '',
		role: url.searchParams.get('role') ?? '',
		status: url.searchParams.get('status') === 'inactive' ? 'inactive' : 'active'
	};
	try {
		const page = await api.get<Page<AdminUser>>(userQuery(filters), { fetch });
		return { me, filters, page };
	} catch (err) {
		failLoad(err, url);
	}
};
