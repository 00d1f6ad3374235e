// IANA time zones for pickers, with the current UTC offset as a hint.

export function browserTimezone(): string {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
	} catch {
		return 'UTC';
	}
}

function allZones(): string[] {
	try {
		const zones = Intl.supportedValuesOf('timeZone');
		if (zones.length > 0) return zones;
	} catch {
		// Very old browsers: offer a few common zones.
	}
	return ['UTC', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Europe/London', 'Europe/Paris', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'];
}

function offsetLabel(zone: string, at: Date): string {
	try {
		const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' })
			.formatToParts(at)
			.find((p) => p.type === 'timeZoneName');
		return part ? part.value : '';
	} catch {
		return '';
	}
}

let cache: { value: string; label: string }[] | null = null;

/** Every supported zone, plus `include` (e.g. the saved value or the browser's zone) if the list lacks it. */
export function timezoneOptions(...include: (string | null | undefined)[]): { value: string; label: string }[] {
	if (!cache) {
		const now = new Date();
		const zones = new Set(allZones());
		zones.add('UTC');
		cache = [...zones].sort().map((zone) => {
			const offset = offsetLabel(zone, now);
			return { value: zone, label: `${zone.replaceAll('_', ' ')}${offset ? ` (${offset})` : ''}` };
		});
	}
	const extra = include.filter((z): z is string => !!z && !cache!.some((o) => o.value === z));
	if (extra.length === 0) return cache;
	return [...cache, ...extra.map((z) => ({ value: z, label: z.replaceAll('_', ' ') }))].sort((a, b) => a.value.localeCompare(b.value));
}
