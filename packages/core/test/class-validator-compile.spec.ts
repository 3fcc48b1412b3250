// What the class-validator compiler decides at start-up: which decorators become direct tests,
// which DTO instances are built by a plan rather than by plainToInstance, and what stays
// class-validator's and class-transformer's own (with its behaviour kept).
import 'reflect-metadata';
import { IsString, registerDecorator, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { builtinTest, COMPILED_DECORATORS } from '../src/class-validator/builtin-checks.js';
import { classValidatorSchema, isValidatedDto } from '../src/class-validator/index.js';
import { Planner } from '../src/class-validator/instance-plan.js';
import { constraintsOf, decoratorsByProperty, type DtoClass } from '../src/class-validator/metadata.js';
import {
  Child,
  Customs,
  Derived,
  Disguised,
  Lists,
  OddNames,
  Parent,
  Reshaped,
  Scalars,
} from './class-validator-dtos.js';

/** The direct test (or `undefined`) of every decorator with a constraint class of `dto`. */
function directTests(dto: DtoClass): { decorator: string; compiled: boolean }[] {
  return [...decoratorsByProperty(dto).values()]
    .flat()
    .filter((metadata) => metadata.constraintCls !== undefined)
    .map((metadata) => {
      const [constraint] = constraintsOf(metadata);
      return {
        decorator: `${metadata.propertyName}@${constraint?.name ?? '?'}`,
        compiled: constraint !== undefined && builtinTest(dto.name, metadata, constraint) !== undefined,
      };
    });
}

describe('class-validator compilation', () => {
  it('compiles every built-in decorator of the test DTOs to a direct test', () => {
    const decorators = [Scalars, Lists, Child, Parent, Derived, Disguised, OddNames].flatMap(directTests);
    expect(decorators.length).toBeGreaterThan(40);
    expect(decorators.filter((decorator) => !decorator.compiled)).toEqual([]);
    const names = new Set(decorators.map((decorator) => decorator.decorator.split('@')[1]));
    // Every compiled decorator appears in the test DTOs (so the differential test covers it).
    expect(COMPILED_DECORATORS.filter((name) => !names.has(name))).toEqual([]);
  });

  it('keeps custom constraints, and a custom decorator named like a built-in, as class-validator runs them', () => {
    expect(directTests(Customs).map((decorator) => decorator.compiled)).toEqual([false, false, false]);
    const customs = classValidatorSchema(Customs);
    expect(customs.validate({ even: 'ab', trimmed: ' a ' })).toEqual({
      ok: false,
      issues: [{ path: '/trimmed', message: 'trimmed must be a trimmed string' }],
    });
    expect(customs.validate({ even: 'abc', trimmed: 'a', evens: ['ab', 'a'] })).toEqual({
      ok: false,
      issues: [
        { path: '/even', message: 'even must have an even length' },
        { path: '/evens', message: 'evens must have an even length' },
      ],
    });
    expect(customs.validate({ even: 'ab', trimmed: 'a', evens: ['ab'] })).toMatchObject({ ok: true });
  });

  it('builds instances by a plan for @Type-only DTOs, and by plainToInstance for other class-transformer decorators', () => {
    for (const dto of [Scalars, Lists, Parent, Derived, Disguised, Customs, OddNames])
      expect(new Planner().plan(dto), dto.name).toBeDefined();
    expect(new Planner().plan(Reshaped)).toBeUndefined();
    // @Transform still applies.
    const result = classValidatorSchema(Reshaped).validate({ text: '  hi  ' });
    expect(result).toMatchObject({ ok: true, value: { text: 'hi' } });
    expect(classValidatorSchema(Reshaped).validate({ text: '   ' })).toEqual({
      ok: false,
      issues: [{ path: '/text', message: 'text must be longer than or equal to 1 characters' }],
    });
  });

  it('hands on the instance plainToInstance builds: classes, conversions, defaults, methods kept', () => {
    const result = classValidatorSchema(Parent).validate({
      first: { label: 'a' },
      children: [{ label: 'b', rank: 2 }],
      count: '7',
      note: 12,
      when: '2024-01-02T03:04:05Z',
      extra: { nested: [1, { deep: true }] },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const parent = result.value;
    expect(parent).toBeInstanceOf(Parent);
    expect(parent.first).toBeInstanceOf(Child);
    expect(parent.children?.[0]).toBeInstanceOf(Child);
    expect(parent.count).toBe(7);
    expect(parent.note).toBe('12');
    expect(parent.when).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(parent.extra).toEqual({ nested: [1, { deep: true }] });
    expect(Object.getPrototypeOf(parent.extra)).toBe(Object.prototype);

    const derived = classValidatorSchema(Derived).validate({ kind: 'a', describe: 'x', callback: 'y' });
    expect(derived.ok).toBe(true);
    if (!derived.ok) return;
    expect(derived.value.count).toBe(1);
    expect(derived.value.describe()).toBe('a a');
    expect(derived.value.callback()).toBe(1);
  });

  it('marks a validated instance invisibly: no key, no symbol, no change to its shape', () => {
    const result = classValidatorSchema(Child).validate({ label: 'a' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(isValidatedDto(result.value)).toBe(true);
    expect(Reflect.ownKeys(result.value)).toEqual(['label']);
    expect(isValidatedDto({ ...result.value })).toBe(false);
    expect(isValidatedDto(Object.assign(new Child(), result.value))).toBe(false);
  });

  it('compiles property names that are not identifiers; a message key is never code', () => {
    const odd = classValidatorSchema(OddNames);
    expect(odd.validate({ 'quote"d': 'x', 'back\\slash\nline/x': 2 })).toMatchObject({ ok: true });
    expect(odd.validate({ 'quote"d': 1 })).toEqual({
      ok: false,
      issues: [{ path: '/quote"d', message: 'quote"d must be a string' }],
    });
    const injection = '"}); globalThis.injected = true; ({"';
    expect(odd.validate({ 'quote"d': 'x', [injection]: 1 })).toEqual({
      ok: false,
      issues: [{ path: '', message: 'must not have additional properties' }],
    });
    expect((globalThis as { injected?: boolean }).injected).toBeUndefined();
  });

  it('refuses every message holding a nested DTO that cannot be compiled, not only the first', () => {
    class AsyncChild {
      @IsString()
      name!: string;
    }
    // An asynchronous constraint on the nested class, found when a message first holds one.
    registerDecorator({
      name: 'slow',
      target: AsyncChild,
      propertyName: 'name',
      async: true,
      validator: { validate: async () => true },
    });
    class Holder {
      @ValidateNested()
      @Type(() => AsyncChild)
      child!: AsyncChild;
    }
    const holder = classValidatorSchema(Holder);
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect(() => holder.validate({ child: { name: 'a' } })).toThrow(/slow is asynchronous/);
  });
});
