// The browser side of the JSON API: GETs, and the controls' POSTs (with the custom header the server requires).

/** An API error as the server answers it: `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError('ERR_BAD_ANSWER', `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new ApiError(typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`, typeof error?.message === 'string' ? error.message : response.statusText);
  }
  return body as T;
}

/** GETs an API path as JSON. */
export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

/** POSTs to an API path with `X-Executor: 1`; `body` is sent as is (already JSON text) or not at all. */
export async function post<T>(path: string, body?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', headers: { 'X-Executor': '1', 'Content-Type': 'application/json' }, credentials: 'same-origin', ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw new ApiError('ERR_NETWORK', (error as Error).message);
  }
  return answer<T>(response);
}
