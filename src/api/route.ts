/**
 * One way to declare an API route: zod schemas for params, query and body (validated
 * here, errors naming the field), the permission it needs, and its OpenAPI entry —
 * generated from the same schemas, so the document cannot drift from the checks.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatIssues } from '../config/issues.js';
import { DomainError } from '../errors.js';
import type { Permission, Principal, RecordScope } from '../access/roles.js';
import type { Guard } from './auth.js';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  req: FastifyRequest;
  reply: FastifyReply;
  /** Checks a permission against a record's plant/family; refuses (403, audited) by throwing. */
  require: (permission: Permission, scope?: RecordScope) => Promise<void>;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  /** Checked before the handler; record-level scope checks use ctx.require. null = public. */
  permission: Permission | null;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented success status and shape. */
  status?: number;
  response?: z.ZodType;
  /** Content types the body may come in besides JSON (e.g. text/csv). */
  bodyTypes?: string[];
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

/** Domain refusals map to HTTP by their code. */
function statusForDomain(code: string): number {
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code === 'HG_ERP_UNAVAILABLE') return 502;
  if (
    /^HG_(SPLIT|SLICE|LOT_SERIALS|DEVIATION|DISPOSITION_EMPTY)/.test(code) ||
    code === 'HG_REASON_REQUIRED' ||
    code === 'HG_HOLD_EMPTY'
  )
    return 422;
  // Segregation of duties and step roles are permission refusals on this record.
  if (code === 'HG_SELF_APPROVAL' || code === 'HG_WRONG_ROLE') return 403;
  return 409;
}

export interface OpenApiOperation {
  method: string;
  path: string;
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>;
}

const jsonSchema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

export class Api {
  readonly operations: OpenApiOperation[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly guard: Guard,
  ) {}

  route<
    P extends z.ZodType = z.ZodUnknown,
    Q extends z.ZodType = z.ZodUnknown,
    B extends z.ZodType = z.ZodUnknown,
  >(spec: RouteSpec<P, Q, B>): void {
    const path = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
    this.operations.push({
      method: spec.method.toLowerCase(),
      path,
      spec: spec,
    });
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (req, reply) => {
        let caller: Principal | undefined;
        try {
          const principal = await this.guard.principal(req);
          caller = principal;
          const require = async (permission: Permission, scope?: RecordScope) =>
            this.guard.require(req, principal, permission, scope);
          if (spec.permission) await require(spec.permission);
          const issues: string[] = [];
          const parse = <T extends z.ZodType | undefined>(schema: T, value: unknown, where: string) => {
            if (!schema) return value;
            const r = schema.safeParse(value);
            if (r.success) return r.data;
            issues.push(...formatIssues(r.error.issues, [where]));
            return undefined;
          };
          const params = parse(spec.params, req.params, 'params');
          const query = parse(spec.query, req.query, 'query');
          const body = parse(spec.body, req.body ?? {}, 'body');
          if (issues.length > 0)
            throw new ApiError(
              400,
              'HG_VALIDATION',
              `the request is not valid (${issues.length} problem${issues.length === 1 ? '' : 's'})`,
              issues,
            );
          const result = await spec.handler({ params, query, body, principal, req, reply, require } as never);
          if (reply.sent) return reply;
          return reply.code(spec.status ?? 200).send(result);
        } catch (err) {
          if (err instanceof ApiError) {
            if ((err.code === 'HG_REAUTH_FAILED' || err.code === 'HG_SIGN_FOR_OTHER') && caller)
              await this.guard.refuse(req, caller, `${spec.method} ${spec.url}`, err.code, err.message);
            return reply
              .code(err.status)
              .send({ error: { code: err.code, message: err.message, issues: err.issues } });
          }
          if (err instanceof DomainError) {
            const status = statusForDomain(err.code);
            // A refusal on who may do it (self-approval, wrong step role) is audited like any 403.
            if (status === 403 && caller)
              await this.guard.refuse(req, caller, `${spec.method} ${spec.url}`, err.code, err.message);
            return reply.code(status).send({ error: { code: err.code, message: err.message, issues: [] } });
          }
          throw err;
        }
      },
    });
  }

  /** The OpenAPI 3.1 document for every declared route. */
  openApi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.operations) {
      const s = op.spec;
      const parameters: unknown[] = [];
      for (const [where, schema] of [
        ['path', s.params],
        ['query', s.query],
      ] as const) {
        if (!schema) continue;
        const js = jsonSchema(schema, 'input') as {
          properties?: Record<string, unknown>;
          required?: string[];
        };
        for (const [name, prop] of Object.entries(js.properties ?? {}))
          parameters.push({
            name,
            in: where,
            required: where === 'path' || (js.required ?? []).includes(name),
            schema: prop,
          });
      }
      const content: Record<string, unknown> = {};
      if (s.body) {
        content['application/json'] = { schema: jsonSchema(s.body, 'input') };
        for (const t of s.bodyTypes ?? []) content[t] = { schema: { type: 'string' } };
      }
      const error = { $ref: '#/components/schemas/Error' };
      paths[op.path] ??= {};
      paths[op.path]![op.method] = {
        summary: s.summary,
        tags: [s.tag],
        operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        ...(parameters.length ? { parameters } : {}),
        ...(s.body ? { requestBody: { required: true, content } } : {}),
        ...(s.permission ? { security: [{ bearer: [] }], 'x-permission': s.permission } : {}),
        responses: {
          [String(s.status ?? 200)]: {
            description: 'success',
            ...(s.response
              ? { content: { 'application/json': { schema: jsonSchema(s.response, 'output') } } }
              : {}),
          },
          '400': {
            description: 'invalid request: every problem names its field',
            content: { 'application/json': { schema: error } },
          },
          ...(s.permission
            ? {
                '401': {
                  description: 'no or unknown credentials',
                  content: { 'application/json': { schema: error } },
                },
                '403': {
                  description: 'role or scope does not allow it (audited)',
                  content: { 'application/json': { schema: error } },
                },
              }
            : {}),
        },
      };
    }
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'hgt_<id>.<secret> from `holdgate tokens create`',
          },
        },
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message', 'issues'],
                properties: {
                  code: { type: 'string' },
                  message: { type: 'string' },
                  issues: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    };
  }
}
