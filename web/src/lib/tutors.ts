// Tutor profiles: API types, money formatting and the code lists the profile form offers.

export type ApprovalStatus = 'draft' | 'pending' | 'approved' | 'rejected';
export type DocumentKind = 'cv' | 'certificate';

export interface Money {
	amount: number;
	currency: string;
}

export interface Rating {
	average: number | null;
	count: number;
}

export interface TutorDocument {
	id: string;
	kind: DocumentKind;
	filename: string;
}

export interface TutorProfile {
	id: string;
	name: string;
	email: string;
	emailVerified: boolean;
	photoUrl: string | null;
	headline: string;
	bio: string;
	subjects: string[];
	hourlyRate: Money | null;
	languages: string[];
	country: string | null;
	city: string | null;
	online: boolean;
	inPerson: boolean;
	approvalStatus: ApprovalStatus;
	rejectionReason: string | null;
	submittedAt: string | null;
	reviewedAt: string | null;
	documents: TutorDocument[];
	rating: Rating;
	createdAt: string;
	updatedAt: string;
}

export interface PublicTutor {
	id: string;
	name: string;
	headline: string;
	bio: string;
	subjects: string[];
	hourlyRate: Money;
	languages: string[];
	country: string | null;
	city: string | null;
	online: boolean;
	inPerson: boolean;
	photoUrl: string | null;
	rating: Rating;
}

export interface Page<T> {
	items: T[];
	nextCursor: string | null;
}

export const STATUS_LABELS: Record<ApprovalStatus, string> = {
	draft: 'Draft',
	pending: 'Pending review',
	approved: 'Approved',
	rejected: 'Changes requested'
};

export const KIND_LABELS: Record<DocumentKind, string> = { cv: 'CV', certificate: 'Certificate' };

/** Digits after the decimal point of a currency (2 for USD, 0 for JPY, 3 for KWD). */
export function minorDigits(currency: string): number {
	try {
		return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
	} catch {
		return 2;
	}
}

/** "35.50" USD -> 3550; null when the text is not a positive amount with at most the currency's digits. */
export function toMinorUnits(text: string, currency: string): number | null {
	const digits = minorDigits(currency);
	const cleaned = text.trim().replace(',', '.');
	const pattern = digits > 0 ? new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`) : /^\d+$/;
	if (!pattern.test(cleaned)) return null;
	const [whole, fraction = ''] = cleaned.split('.');
	// String arithmetic: no floating point anywhere near money.
	const amount = Number(whole) * 10 ** digits + Number((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
	return Number.isSafeInteger(amount) && amount > 0 ? amount : null;
}

/** 3550 USD -> "35.50" (for an input field). */
export function fromMinorUnits(amount: number, currency: string): string {
	const digits = minorDigits(currency);
	if (digits === 0) return String(amount);
	const text = String(amount).padStart(digits + 1, '0');
	return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export function formatMoney(money: Money, locale?: string): string {
	const digits = minorDigits(money.currency);
	try {
		return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(money.amount / 10 ** digits);
	} catch {
		return `${fromMinorUnits(money.amount, money.currency)} ${money.currency}`;
	}
}

function displayNames(type: 'region' | 'language'): Intl.DisplayNames | null {
	try {
		return new Intl.DisplayNames(undefined, { type });
	} catch {
		return null;
	}
}

const regionNames = displayNames('region');
const languageNames = displayNames('language');

export const countryName = (code: string): string => regionNames?.of(code) ?? code;
export const languageName = (code: string): string => languageNames?.of(code) ?? code;

export function location(tutor: { city: string | null; country: string | null }): string {
	return [tutor.city, tutor.country ? countryName(tutor.country) : null].filter(Boolean).join(', ');
}

const words = (list: string) => list.trim().split(/\s+/);

/** ISO 3166-1 alpha-2 (the server accepts exactly these). */
export const COUNTRY_CODES = words(`
	AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
	CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
	GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
	KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
	MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
	SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
	UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
`);

/** ISO 639-1. */
export const LANGUAGE_CODES = words(`
	aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es
	et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki
	kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no
	nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te
	tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
`);

/** The currencies the rate picker offers first; any ISO 4217 code the server knows is accepted. */
export const CURRENCY_CODES = words(`
	USD EUR GBP CAD AUD NZD CHF SEK NOK DKK PLN CZK HUF RON BGN JPY CNY HKD SGD KRW INR IDR MYR PHP THB VND
	AED SAR ILS TRY ZAR NGN KES EGP MAD BRL MXN ARS CLP COP PEN UAH
`);

export function sortedOptions(codes: string[], name: (code: string) => string): { value: string; label: string }[] {
	return codes.map((code) => ({ value: code, label: name(code) })).sort((a, b) => a.label.localeCompare(b.label));
}
