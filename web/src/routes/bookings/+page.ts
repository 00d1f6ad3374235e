import { requireUser } from '#lib/guards.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => ({ user: await requireUser({ fetch, url }) });
