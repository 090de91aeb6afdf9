// DateTime and Date scalars: ISO 8601 strings on the wire, Date objects inside.
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const invalid = (what: string) =>
  new GraphQLError(`Invalid ${what}.`, { extensions: { code: 'BAD_USER_INPUT' } });

function toDate(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value))
    throw invalid('DateTime: expected an ISO 8601 instant');
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw invalid('DateTime: expected an ISO 8601 instant');
  return d;
}

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString()),
  parseValue: toDate,
  parseLiteral: (ast) =>
    ast.kind === Kind.STRING
      ? toDate(ast.value)
      : (() => {
          throw invalid('DateTime');
        })(),
});

function toDay(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw invalid('Date: expected YYYY-MM-DD');
  }
  return value;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v)),
  parseValue: toDay,
  parseLiteral: (ast) =>
    ast.kind === Kind.STRING
      ? toDay(ast.value)
      : (() => {
          throw invalid('Date');
        })(),
});
