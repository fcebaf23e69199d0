// One HTTP request to a vetted address (destination-guard.ts): the URL's host name is kept for
// the Host header and the TLS name check, the connection goes to the address that was checked.
// A deadline covers connect, headers and body; at most `maxBytes` of the answer are read, so a
// peer can neither hold a request open nor make us buffer without end. Follows no redirect.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { pinnedLookup, type VettedUrl } from './destination-guard.ts';

export interface PinnedRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string | number>;
  body?: string;
}

export interface PinnedOptions {
  timeoutMs: number;
  /** Stop reading the answer here; `complete` says whether it was all read. */
  maxBytes: number;
  /** Keep-alive agents of the caller; default a connection of its own. */
  agents?: { http: http.Agent; https: https.Agent };
  signal?: AbortSignal;
}

export interface PinnedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
}

/** The deadline passed before the answer was read. */
export class DeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs / 1000} s.`);
    this.name = 'DeadlineExceeded';
  }
}

/** `signal` aborted the request. */
export class RequestAborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'RequestAborted';
  }
}

export function requestPinned(
  vetted: VettedUrl,
  request: PinnedRequest,
  options: PinnedOptions,
): Promise<PinnedAnswer> {
  const secure = vetted.url.protocol === 'https:';
  const client = secure ? https : http;
  const agent = options.agents ? (secure ? options.agents.https : options.agents.http) : false;
  return new Promise<PinnedAnswer>((resolve, reject) => {
    if (options.signal?.aborted) return reject(new RequestAborted());
    const outgoing = client.request(vetted.url, {
      method: request.method,
      agent,
      lookup: pinnedLookup(vetted),
      headers:
        request.body === undefined
          ? request.headers
          : { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
    });
    const deadline = setTimeout(
      () => outgoing.destroy(new DeadlineExceeded(options.timeoutMs)),
      options.timeoutMs,
    );
    const onAbort = () => outgoing.destroy(new RequestAborted());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
    };
    outgoing.on('error', (err) => {
      settle();
      reject(err);
    });
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let finished = false;
      const done = (complete: boolean) => {
        if (finished) return;
        finished = true;
        settle();
        const body = Buffer.concat(chunks);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: complete ? body : body.subarray(0, options.maxBytes),
          complete,
        });
        // The rest is not wanted: drop the connection rather than read it into the pool.
        if (!complete) response.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > options.maxBytes) done(false);
      });
      response.on('end', () => done(true));
      response.on('error', (err) => {
        settle();
        reject(err);
      });
    });
    outgoing.end(request.body);
  });
}
