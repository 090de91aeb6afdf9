// JSONObject scalar: the data export travels as a plain JSON object, output only.
import { GraphQLError, GraphQLScalarType } from 'graphql';

const outputOnly = () => {
  throw new GraphQLError('JSONObject is an output type.', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
};

export const JSONObject = new GraphQLScalarType({
  name: 'JSONObject',
  serialize: (v) => v,
  parseValue: outputOnly,
  parseLiteral: outputOnly,
});
