import { Type as SinclairType } from '@sinclair/typebox';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { extraPropertyIssue, jsonSchemaValidator } from '../src/index.js';
import { routedFrames } from './helpers.js';
import { typeboxValidator } from '../src/typebox/index.js';

const EXTRA = 'must not have additional properties';

describe('extraPropertyIssue', () => {
  it('names a plain identifier of up to 64 characters', () => {
    expect(extraPropertyIssue('', 'from')).toEqual({ path: '/from', message: EXTRA });
    expect(extraPropertyIssue('/meta', '$_a1')).toEqual({ path: '/meta/$_a1', message: EXTRA });
    const longest = `a${'b'.repeat(63)}`;
    expect(extraPropertyIssue('', longest).path).toBe(`/${longest}`);
  });

  it('keeps the parent path for any other name', () => {
    for (const name of [
      '',
      '1abc',
      'a-b',
      'a b',
      'a/b',
      'a~b',
      'é',
      '<img src=x onerror=alert(1)>',
      `a${'b'.repeat(64)}`,
      'from\n',
    ]) {
      expect(extraPropertyIssue('/meta', name), JSON.stringify(name)).toEqual({
        path: '/meta',
        message: EXTRA,
      });
    }
    expect(extraPropertyIssue('', undefined)).toEqual({ path: '', message: EXTRA });
    expect(extraPropertyIssue('', 7)).toEqual({ path: '', message: EXTRA });
  });
});

describe('jsonSchemaValidator issue paths', () => {
  const Item = SinclairType.Object({ id: SinclairType.String() });
  const validator = jsonSchemaValidator(
    SinclairType.Object({
      type: SinclairType.Literal('bulk'),
      list: SinclairType.Optional(SinclairType.Array(Item)),
      byId: SinclairType.Optional(SinclairType.Record(SinclairType.String(), Item)),
    }),
  );
  const issuesOf = (value: unknown) => {
    const result = validator.validate(value);
    if (result.ok) throw new TypeError('expected a refusal');
    return result.issues;
  };

  it('names extra properties in array items by index and name', () => {
    expect(issuesOf({ type: 'bulk', list: [{ id: 'a' }, { id: 'b', admin: true }] })).toEqual([
      { path: '/list/1/admin', message: EXTRA },
    ]);
  });

  it('cuts a path at a client-chosen key that is not a plain identifier, echoing none of it', () => {
    const marker = 'marker<script>';
    const issues = issuesOf({ type: 'bulk', byId: { [marker]: { id: 5, [`${marker}2`]: 1 } } });
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.path).toBe('/byId');
    expect(JSON.stringify(issues)).not.toContain('marker');
  });

  it('keeps plain-identifier record keys in the path', () => {
    expect(issuesOf({ type: 'bulk', byId: { alpha: { id: 5 } } })).toEqual([
      { path: '/byId/alpha/id', message: 'must be string' },
    ]);
  });
});

describe('typeboxValidator (typebox 1.x)', () => {
  const Say = Type.Object({
    type: Type.Literal('say'),
    text: Type.String({ maxLength: 5 }),
    tags: Type.Optional(Type.Array(Type.String())),
    meta: Type.Optional(Type.Object({ color: Type.String() })),
  });
  const say = typeboxValidator(Say);

  it('accepts a valid message, optional properties included, and returns it', () => {
    expect(say.validate({ type: 'say', text: 'hi' })).toEqual({
      ok: true,
      value: { type: 'say', text: 'hi' },
    });
    expect(say.validate({ type: 'say', text: 'hi', tags: ['a'], meta: { color: 'red' } }).ok).toBe(true);
  });

  it('refuses wrong types, broken rules and missing properties with JSON Pointer paths', () => {
    expect(say.validate({ type: 'say', text: 'toolong' })).toEqual({
      ok: false,
      issues: [{ path: '/text', message: 'must NOT have more than 5 characters' }],
    });
    expect(say.validate({ type: 'say' })).toEqual({
      ok: false,
      issues: [{ path: '', message: "must have required property 'text'" }],
    });
    expect(say.validate({ type: 'shout', text: 'hi' }).ok).toBe(false);
  });

  it('closes objects by default and names the extra property, nested objects included', () => {
    expect(say.validate({ type: 'say', text: 'hi', from: 'mallory' })).toEqual({
      ok: false,
      issues: [{ path: '/from', message: EXTRA }],
    });
    expect(say.validate({ type: 'say', text: 'hi', meta: { color: 'red', admin: true } })).toEqual({
      ok: false,
      issues: [{ path: '/meta/admin', message: EXTRA }],
    });
  });

  it('takes the jsonSchemaValidator options', () => {
    expect(
      typeboxValidator(Say, { closedObjects: false }).validate({ type: 'say', text: 'hi', from: 'x' }).ok,
    ).toBe(true);
  });

  it('drives the message router', () => {
    const connection = routedFrames({ schemas: { say } }).forConnection();
    expect(connection.check('{"type":"say","text":"hi"}', false)).toEqual({
      ok: true,
      message: { type: 'say', text: 'hi' },
    });
    expect(connection.check('{"type":"say","text":"hi","x-y":1}', false)).toMatchObject({
      ok: false,
      action: 'reply',
      reply: { code: 'VALIDATION_FAILED', issues: [{ path: '', message: EXTRA }] },
    });
  });
});
