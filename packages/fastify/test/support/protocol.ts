// Message schemas of the test app's authenticated route. Not a spec file.
import { Type } from '@sinclair/typebox';
import { jsonSchemaValidator, type MessageOf } from '@wsgate/core';

export const testSchemas = {
  echo: jsonSchemaValidator(
    Type.Object({ type: Type.Literal('echo'), text: Type.String({ maxLength: 64 }) }),
  ),
  whoami: jsonSchemaValidator(Type.Object({ type: Type.Literal('whoami') })),
  boom: jsonSchemaValidator(Type.Object({ type: Type.Literal('boom'), async: Type.Boolean() })),
  /** Has a schema but no handler in the test app. */
  unhandled: jsonSchemaValidator(Type.Object({ type: Type.Literal('unhandled') })),
};

export type TestMessage = MessageOf<typeof testSchemas>;
