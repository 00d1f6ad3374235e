import { tick } from 'svelte';

/** After errors render, move focus to the first invalid field so keyboard and screen-reader users land on it. */
export async function focusFirstInvalid(form: HTMLFormElement | null | undefined): Promise<void> {
	await tick();
	const target = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
	target?.focus();
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_PASSWORD_LENGTH = 10;
