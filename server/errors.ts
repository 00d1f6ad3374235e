/**
 * Domain errors and the one table that maps their codes to HTTP statuses.
 * Services throw DomainError; the errors plugin renders the contract's error body.
 */

export const ERROR_STATUS = {
  // 400
  bad_request: 400,
  invalid_json: 400,
  invalid_parameters: 400,
  invalid_cursor: 400,
  invalid_token: 400,
  // 401
  unauthorized: 401,
  invalid_credentials: 401,
  totp_required: 401,
  invalid_totp: 401,
  invalid_refresh_token: 401,
  // 403
  forbidden: 403,
  email_unverified: 403,
  account_inactive: 403,
  two_factor_required: 403,
  // 404
  not_found: 404,
  // 409
  conflict: 409,
  email_taken: 409,
  two_factor_enabled: 409,
  two_factor_not_enabled: 409,
  two_factor_setup_required: 409,
  cannot_modify_self: 409,
  profile_incomplete: 409,
  // bookings and reviews
  slot_taken: 409,
  invalid_transition: 409,
  cutoff_passed: 409,
  lesson_not_over: 409,
  already_reviewed: 409,
  not_completed: 409,
  // 410
  token_expired: 410,
  // 413
  payload_too_large: 413,
  // 415
  unsupported_media_type: 415,
  // 422
  validation_failed: 422,
  weak_password: 422,
  invalid_code: 422,
  outside_availability: 422,
  // 429
  rate_limited: 429,
  // 500 / 503
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
    /** Extra response headers, e.g. Retry-After for rate limits. */
    readonly headers?: Record<string, string>,
    /** Overrides the table where the contract gives one code two statuses (invalid_token: 400, or 401 on refresh). */
    status?: number,
  ) {
    super(message);
    this.status = status ?? ERROR_STATUS[code];
  }
}

/** The error body of the contract. */
export type ErrorBody = { error: { code: string; message: string; fields?: FieldErrors } };

export function errorBody(code: string, message: string, fields?: FieldErrors): ErrorBody {
  return { error: fields && Object.keys(fields).length > 0 ? { code, message, fields } : { code, message } };
}

export const notFound = (what = 'Resource') => new DomainError('not_found', `${what} not found`);
export const unauthorized = (message = 'Authentication required') => new DomainError('unauthorized', message);
export const forbidden = (message = 'You are not allowed to do this') => new DomainError('forbidden', message);
export const invalid = (fields: FieldErrors, message = 'Some fields are invalid') =>
  new DomainError('validation_failed', message, fields);
