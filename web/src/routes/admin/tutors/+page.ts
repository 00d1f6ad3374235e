import { api } from '#lib/api.ts';
import { failLoad, requireRole } from '#lib/guards.ts';
import type { ApprovalStatus, Page, TutorProfile } from '#lib/tutors.ts';
import type { PageLoad } from './$types';

const STATUSES: ApprovalStatus[] = ['draft', 'pending', 'approved', 'rejected'];

export const load: PageLoad = async ({ url, fetch }) => {
	await requireRole({ url, fetch }, ['admin']);
	// Pending first: that is the review queue. `all` shows every profile.
	const requested = url.searchParams.get('status') ?? 'pending';
	const status = STATUSES.includes(requested as ApprovalStatus) ? (requested as ApprovalStatus) : 'all';
	try {
		const query = status === 'all' ? '' : `?status=${status}`;
		const page = await api.get<Page<TutorProfile>>(`/admin/tutors${query}`, { fetch });
		return { status, page };
	} catch (err) {
		failLoad(err, url);
	}
};
