// class-validator DTOs as message schemas: compiled once, synchronous, the same messages as
// ValidationPipe with whitelist + forbidNonWhitelisted, undeclared keys refused by name.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { classValidatorSchema, isDtoClass, isValidatedDto } from '../src/class-validator/index.js';
import { WsGateConfigError } from '../src/index.js';

class Tag {
  @IsString()
  @Length(1, 8)
  name!: string;
}

class JoinDto {
  @IsIn(['join'])
  type!: 'join';

  @IsString()
  @Matches(/^[a-z0-9_-]{1,32}$/)
  room!: string;

  @IsOptional()
  @IsInt()
  @Min(1, { message: 'seats must be positive' })
  seats?: number;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Tag)
  tags?: Tag[];

  @ValidateIf((dto: JoinDto) => dto.room === 'vip')
  @IsString()
  password?: string;
}

function IsSlowlyChecked(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSlowlyChecked',
      target: target.constructor,
      propertyName,
      options,
      async: true,
      validator: { validate: async () => true },
    });
}

class AsyncDto {
  @IsSlowlyChecked()
  value!: string;
}

describe('classValidatorSchema', () => {
  const join = classValidatorSchema(JoinDto);

  it('compiles a class once: every use of it gets the same validator', () => {
    expect(classValidatorSchema(JoinDto)).toBe(join);
    expect(classValidatorSchema(Tag)).not.toBe(join);
  });

  it('returns the DTO instance for a valid message, nested DTOs transformed, marked as validated', () => {
    const result = join.validate({ type: 'join', room: 'lobby', seats: 2, tags: [{ name: 'a' }] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toBeInstanceOf(JoinDto);
    expect(result.value.tags?.[0]).toBeInstanceOf(Tag);
    expect(isValidatedDto(result.value)).toBe(true);
    expect(isValidatedDto({ type: 'join' })).toBe(false);
  });

  it("reports class-validator's messages at JSON Pointer paths, custom messages too, never the value", () => {
    const result = join.validate({
      type: 'join',
      room: 'Not A Room <marker>',
      seats: 0,
      tags: [{ name: '' }],
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: '/room', message: 'room must match /^[a-z0-9_-]{1,32}$/ regular expression' },
        { path: '/seats', message: 'seats must be positive' },
        { path: '/tags/0/name', message: 'name must be longer than or equal to 1 characters' },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('marker');
  });

  it('checks a missing required property with every rule on it', () => {
    const result = join.validate({ type: 'join' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.path)).toEqual(['/room', '/room']);
  });

  it('refuses undeclared keys, Object.prototype names included, naming plain identifiers only', () => {
    for (const key of ['constructor', 'hasOwnProperty', 'toString', '__defineGetter__', 'from']) {
      expect(join.validate({ type: 'join', room: 'a', [key]: 1 })).toEqual({
        ok: false,
        issues: [{ path: `/${key}`, message: 'must not have additional properties' }],
      });
    }
    expect(join.validate({ type: 'join', room: 'a', '<b>': 1 })).toEqual({
      ok: false,
      issues: [{ path: '', message: 'must not have additional properties' }],
    });
    expect(join.validate({ type: 'join', room: 'a', tags: [{ name: 'x', evil: 1 }] })).toEqual({
      ok: false,
      issues: [{ path: '/tags/0/evil', message: 'must not have additional properties' }],
    });
  });

  it('applies @IsOptional and @ValidateIf', () => {
    expect(join.validate({ type: 'join', room: 'a', seats: null })).toMatchObject({ ok: true });
    expect(join.validate({ type: 'join', room: 'vip' })).toMatchObject({
      ok: false,
      issues: [{ path: '/password', message: 'password must be a string' }],
    });
    expect(join.validate({ type: 'join', room: 'vip', password: 'x' })).toMatchObject({ ok: true });
  });

  it('refuses non-objects', () => {
    for (const value of [null, 'x', 1, [], undefined])
      expect(join.validate(value)).toEqual({
        ok: false,
        issues: [{ path: '', message: 'must be an object' }],
      });
  });

  it('refuses an asynchronous validator when it compiles (message validation is synchronous)', () => {
    expect(() => classValidatorSchema(AsyncDto)).toThrow(WsGateConfigError);
    expect(() => classValidatorSchema(AsyncDto)).toThrow(/isSlowlyChecked is asynchronous/);
  });

  it('knows a DTO class from a primitive or Object', () => {
    expect(isDtoClass(JoinDto)).toBe(true);
    for (const type of [String, Number, Object, Array, undefined, 'JoinDto'])
      expect(isDtoClass(type)).toBe(false);
  });
});
