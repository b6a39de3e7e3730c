import type { ErrorBody } from './bindings';

export class ApiError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
}

const FALLBACK: ErrorBody = {
  code: 'INTERNAL',
  message: 'Something went wrong inside the app. Nothing was lost; please try again.',
};

/** Whatever came back from IPC, as an ErrorBody. */
export function toErrorBody(e: unknown): ErrorBody {
  if (e instanceof ApiError) return e.body;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const { code, message, retry_after_secs } = e as ErrorBody;
    if (typeof code === 'string' && typeof message === 'string') {
      return retry_after_secs === undefined ? { code, message } : { code, message, retry_after_secs };
    }
  }
  return FALLBACK;
}

/** The sentence to show, with the next step when the code suggests one. */
export function describe(body: ErrorBody): string {
  switch (body.code) {
    case 'DISK_FULL':
    case 'STORAGE_ERROR':
    case 'DATABASE_ERROR':
    case 'CREDENTIAL_STORE_UNAVAILABLE':
      return `${body.message} If you need help right now, the crisis lines are one tap away.`;
    default:
      return body.message;
  }
}
