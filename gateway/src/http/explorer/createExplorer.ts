import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

import type { Logger } from '@verograph/service';
import { printSchema, type GraphQLSchema } from 'graphql';

import type { ViewerAuthenticator } from '../../auth/viewerAuth.ts';
import { GatewayErrorCode } from '../../errors/gatewayErrors.ts';
import { buildExplorerBundle, type ExplorerAsset, type ExplorerBundle } from './buildExplorerBundle.ts';
import type { ExplorerExample } from './explorerExamples.ts';
import { EXPLORER_PATHS, explorerPage } from './explorerPage.ts';

export interface ExplorerOptions {
  readonly examples: readonly ExplorerExample[];
  /** The API schema the gateway serves right now: the published supergraph's, hot-reloaded with it. */
  readonly apiSchema: () => GraphQLSchema | undefined;
  /** GATEWAY_INTROSPECTION: when off, only a signed-in client may read the schema. */
  readonly introspection: boolean;
  readonly authenticator: ViewerAuthenticator;
  readonly logger: Logger;
  /** Builds the browser side; the default bundles it with esbuild (see buildExplorerBundle.ts). */
  readonly build?: () => Promise<ExplorerBundle>;
}

export interface Explorer {
  /** Answers a request for one of the explorer's paths and returns true; false for any other path. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>;
  /** The page itself, also what a browser opening /graphql gets. */
  sendPage(response: ServerResponse): void;
}

/**
 * GraphiQL at `/`: the page, its bundle (`/explorer/explorer.js|css`, built on first request and
 * kept in memory) and the API schema as SDL (`/schema.graphql`), which the page learns the
 * schema from, so docs and autocomplete work where introspection is off.
 */
export function createExplorer({
  examples,
  apiSchema,
  introspection,
  authenticator,
  logger,
  build = buildExplorerBundle,
}: ExplorerOptions): Explorer {
  const page = explorerPage(examples);
  let bundle: Promise<ExplorerBundle> | undefined;
  const loadBundle = (): Promise<ExplorerBundle> => {
    bundle ??= timed(build).then(({ result, ms }) => {
      logger.info({ ms: Math.round(ms) }, 'explorer bundle built');
      return result;
    });
    return bundle;
  };
  const gzipped = new WeakMap<ExplorerAsset, Buffer>();
  let printed: { readonly schema: GraphQLSchema; readonly sdl: string } | undefined;

  const sendPage = (response: ServerResponse): void => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.setHeader('content-security-policy', page.contentSecurityPolicy);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('cache-control', 'no-cache');
    response.end(page.html);
  };

  const sendAsset = async (
    request: IncomingMessage,
    response: ServerResponse,
    pick: (bundle: ExplorerBundle) => ExplorerAsset,
    contentType: string,
  ): Promise<void> => {
    let asset: ExplorerAsset;
    try {
      asset = pick(await loadBundle());
    } catch (error) {
      logger.error({ err: error }, 'the explorer bundle could not be built');
      return sendError(
        response,
        503,
        GatewayErrorCode.INTERNAL_SERVER_ERROR,
        'The explorer could not be built on this gateway (see its log); GraphQL itself still answers at /graphql. ' +
          'Install the dependencies with npm install (esbuild, graphiql and react come with the gateway).',
      );
    }
    response.setHeader('content-type', contentType);
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('cache-control', 'no-cache');
    response.setHeader('etag', asset.etag);
    response.setHeader('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === asset.etag) {
      response.statusCode = 304;
      return void response.end();
    }
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      // Compressed once, on the first request that accepts it.
      let body = gzipped.get(asset);
      if (body === undefined) gzipped.set(asset, (body = gzipSync(asset.body)));
      response.setHeader('content-encoding', 'gzip');
      return void response.end(request.method === 'HEAD' ? undefined : body);
    }
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  };

  const sendSchema = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!introspection) {
      // Introspection is off to keep the schema from anonymous eyes; the explorer shows it to signed-in clients.
      const authentication = await authenticator.authenticate(request.headers.authorization, { remember: false });
      if (!authentication.ok || authentication.viewerId === undefined) {
        response.setHeader('www-authenticate', 'Bearer');
        return sendError(
          response,
          401,
          GatewayErrorCode.UNAUTHENTICATED,
          `${authentication.ok ? 'No bearer token was sent.' : authentication.message} Introspection is off on this gateway, ` +
            'so its schema is shown to signed-in clients only: send "Authorization: Bearer <token>" ' +
            '(in the explorer, open it as /#token=<token> or set the header), or read schema/api.graphql.',
        );
      }
    }
    const schema = apiSchema();
    if (!schema) {
      return sendError(
        response,
        503,
        GatewayErrorCode.INTERNAL_SERVER_ERROR,
        'The gateway has not loaded its supergraph yet; retry in a moment.',
      );
    }
    if (printed?.schema !== schema) printed = { schema, sdl: printSchema(schema) };
    response.setHeader('content-type', 'text/plain; charset=utf-8');
    response.setHeader('x-content-type-options', 'nosniff');
    response.setHeader('cache-control', introspection ? 'no-cache' : 'private, no-store');
    response.end(request.method === 'HEAD' ? undefined : printed.sdl);
  };

  return {
    sendPage,
    async handle(request, response, url) {
      const route = routes[url.pathname];
      if (route === undefined) return false;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('allow', 'GET, HEAD');
        sendError(
          response,
          405,
          GatewayErrorCode.BAD_REQUEST,
          `${url.pathname} is served with GET; send GraphQL to ${EXPLORER_PATHS.graphql}.`,
        );
        return true;
      }
      switch (route) {
        case 'page':
          sendPage(response);
          break;
        case 'script':
          await sendAsset(request, response, (b) => b.script, 'text/javascript; charset=utf-8');
          break;
        case 'style':
          await sendAsset(request, response, (b) => b.style, 'text/css; charset=utf-8');
          break;
        case 'schema':
          await sendSchema(request, response);
          break;
      }
      return true;
    },
  };
}

const routes: Partial<Record<string, 'page' | 'script' | 'style' | 'schema'>> = {
  [EXPLORER_PATHS.page]: 'page',
  [EXPLORER_PATHS.script]: 'script',
  [EXPLORER_PATHS.style]: 'style',
  [EXPLORER_PATHS.schema]: 'schema',
};

function sendError(response: ServerResponse, status: number, code: GatewayErrorCode, message: string): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await run();
  return { result, ms: performance.now() - started };
}
