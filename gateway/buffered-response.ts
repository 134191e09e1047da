/**
 * The members of a fetch `Response` the gateway and Apollo's RemoteGraphQLDataSource read (`ok`,
 * `status`, `statusText`, `url`, `headers`, `text()`, `json()`, `clone()`), over a body already read
 * whole. A subgraph answer is one small JSON document: a WHATWG `Response` would wrap it in a
 * readable stream only to be read back at once, twice per call with in-flight dedupe.
 */
export class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  bodyUsed = false;

  constructor(
    private readonly raw: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly url = '',
  ) {
    this.ok = status >= 200 && status < 300;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.raw;
  }

  async json(): Promise<unknown> {
    this.bodyUsed = true;
    return JSON.parse(this.raw);
  }

  clone(): BufferedResponse {
    return new BufferedResponse(this.raw, this.status, this.statusText, new Headers(this.headers), this.url);
  }

  /** As the `Response` type the fetch-shaped code expects. */
  asResponse(): Response {
    return this as unknown as Response;
  }
}
