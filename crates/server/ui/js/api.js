// The REST API, with the signed-in token as a bearer token. The token lives in sessionStorage
// only: it is gone when the tab closes.

const KEY = 'dragnet.token';

export const session = {
  token() {
    return sessionStorage.getItem(KEY);
  },
  signIn(token) {
    sessionStorage.setItem(KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// A path segment or query value.
export const enc = encodeURIComponent;

// Calls /api/v1{path}. `body` is sent as JSON, or as is when it is a Blob or File.
export async function api(path, { method = 'GET', body, contentType } = {}) {
  const headers = { Accept: 'application/json' };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof Blob) {
    headers['Content-Type'] = contentType || body.type || 'application/octet-stream';
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, 'network_error', `cannot reach the server: ${e.message}`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const err = data && data.error;
    throw new ApiError(
      response.status,
      (err && err.code) || `http_${response.status}`,
      (err && err.message) || `${method} /api/v1${path}: status ${response.status}`,
    );
  }
  return data;
}
