// DTOs for the class-validator tests: every compiled decorator, options (`each`, custom messages,
// `validateIf`), nesting, inheritance, class-transformer conversions, and the cases that fall back
// (custom constraints, a custom decorator under a built-in's name, `@Transform`).
import 'reflect-metadata';
import { Expose, Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  ArrayNotEmpty,
  Equals,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsEmpty,
  IsEnum,
  IsIn,
  IsInt,
  IsNegative,
  IsNotEmpty,
  IsNotIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  NotEquals,
  registerDecorator,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

export enum Color {
  Red = 'red',
  Green = 'green',
}

export enum Level {
  Low,
  High,
}

export class Scalars {
  @IsString()
  @MinLength(2)
  @MaxLength(8)
  name!: string;

  @IsInt()
  @Min(0)
  @Max(120, { message: '$property is at most $constraint1 (got $value)' })
  age!: number;

  @IsOptional()
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false })
  @IsPositive()
  price?: number;

  @IsOptional()
  @IsNegative()
  debt?: number;

  @IsBoolean()
  @IsDefined()
  active!: boolean;

  @IsOptional()
  @IsIn(['a', 'b', 1])
  @IsNotIn(['b'])
  pick?: string | number;

  @IsOptional()
  @IsEnum(Color)
  color?: Color;

  @IsOptional()
  @IsEnum(Level, { message: (args: ValidationArguments) => `${args.property} must be a level` })
  level?: Level;

  @IsOptional()
  @Matches('^[a-z]+$', 'i')
  @Length(1, 5)
  code?: string;

  @IsOptional()
  @Equals('yes')
  consent?: string;

  @IsOptional()
  @NotEquals('root')
  @IsNotEmpty()
  user?: string;

  @IsOptional()
  @IsUUID('4')
  id?: string;

  @IsOptional()
  @IsEmail()
  email?: string;

  @IsOptional()
  @IsEmpty()
  nothing?: string;

  @Allow()
  anything?: unknown;

  @IsOptional()
  @IsObject()
  meta?: Record<string, unknown>;
}

export class Lists {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsString({ each: true })
  @MaxLength(3, { each: true })
  tags!: string[];

  @IsOptional()
  @ArrayNotEmpty()
  @IsInt({ each: true, message: 'each of $property must be an integer' })
  scores?: number[];

  @IsOptional()
  @Matches(/^x/, { each: true })
  @IsDefined({ each: true })
  marks?: string[];

  @IsString({ validateIf: (lists: Lists) => Array.isArray(lists.tags) && lists.tags.length > 1 })
  @MinLength(2, { validateIf: (_lists: Lists, value: unknown) => value !== 'b' })
  comment?: string;
}

export class Child {
  @IsString()
  @Length(1, 4)
  label!: string;

  @IsOptional()
  @IsInt()
  rank?: number;

  @IsOptional()
  @ValidateIf((child: Child) => child.label === 'vip')
  @IsString()
  secret?: string;
}

export class Parent {
  @ValidateNested()
  @Type(() => Child)
  first!: Child;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Child)
  children?: Child[];

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  count?: number;

  @IsOptional()
  @Type(() => String)
  @IsString()
  note?: string;

  @IsOptional()
  @Type(() => Date)
  @Allow()
  when?: Date;

  @IsOptional()
  @IsObject()
  extra?: Record<string, unknown>;
}

class Base {
  @IsString()
  kind!: string;

  greet(): string {
    return `hello ${this.kind}`;
  }

  get shout(): string {
    return this.kind.toUpperCase();
  }
}

export class Derived extends Base {
  @IsOptional()
  @IsInt()
  count = 1;

  @ValidateIf((dto: Derived) => dto.kind === 'b')
  @IsInt()
  @Min(10)
  size?: number;

  /** Declared, but a function-valued field: class-transformer never assigns it. */
  @Allow()
  callback: () => number = () => 1;

  /** Declared, but a method: class-transformer never assigns it. */
  @Allow()
  describe(): string {
    return `a ${this.kind}`;
  }

  /** Declared, but a read-only accessor: class-transformer never reads nor assigns it. */
  @IsOptional()
  @Max(1)
  get peek(): number {
    const reads = (peeks.get(this) ?? 0) + 1;
    peeks.set(this, reads);
    return reads;
  }
}

/** How often each `Derived#peek` was read. */
const peeks = new WeakMap<object, number>();

class Impostor {
  text(): string {
    return 'a method';
  }
}

/**
 * An instance whose `constructor` is another class: class-transformer skips the keys that
 * class's prototype defines (class-validator then checks it as an `Impostor`).
 */
export class Disguised {
  @IsOptional()
  @IsString()
  text?: string;

  @IsOptional()
  @IsInt()
  count?: number;

  constructor() {
    Object.defineProperty(this, 'constructor', { value: Impostor });
  }
}

@ValidatorConstraint({ name: 'evenLength' })
class EvenLength implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && value.length % 2 === 0;
  }

  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must have an even length`;
  }
}

/** A custom decorator registered under a built-in's name, with a stricter rule. */
function IsStringNamedLikeTheBuiltIn() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isString',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.trim() === value && value !== '',
        defaultMessage: () => '$property must be a trimmed string',
      },
    });
}

export class Customs {
  @Validate(EvenLength)
  even!: string;

  @IsStringNamedLikeTheBuiltIn()
  trimmed!: string;

  @IsOptional()
  @Validate(EvenLength, { each: true })
  evens?: string[];
}

/** class-transformer decorators other than `@Type`: the DTO goes through `plainToInstance`. */
export class Reshaped {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  text!: string;

  @Expose({ name: 'n' })
  @IsOptional()
  @IsInt()
  number?: number;
}

/** Odd property names: quotes, a backslash, a newline, a JSON Pointer separator. */
export class OddNames {
  @IsString()
  'quote"d'!: string;

  @IsOptional()
  @IsInt()
  'back\\slash\nline/x'?: number;
}

/** A DTO of the tests, with the keys a message for it may carry. */
export interface DtoCase {
  readonly dto: new () => object;
  readonly keys: readonly string[];
  /** A valid message, which random keys then change (so that many messages pass). */
  readonly valid: Readonly<Record<string, unknown>>;
  /** Whether class-validator's `validateSync` gives the same verdict (not for renamed keys or a disguised class). */
  readonly sameVerdict?: false;
}

/** Every DTO of the tests. */
export const DTOS: readonly DtoCase[] = [
  {
    dto: Scalars,
    keys: [
      'name',
      'age',
      'price',
      'debt',
      'active',
      'pick',
      'color',
      'level',
      'code',
      'consent',
      'user',
      'id',
      'email',
      'nothing',
      'anything',
      'meta',
    ],
    valid: { name: 'abc', age: 30, active: true },
  },
  { dto: Lists, keys: ['tags', 'scores', 'marks', 'comment'], valid: { tags: ['a'] } },
  {
    dto: Parent,
    keys: ['first', 'children', 'count', 'note', 'when', 'extra'],
    valid: { first: { label: 'a' } },
  },
  {
    dto: Derived,
    keys: ['kind', 'count', 'size', 'callback', 'describe', 'peek'],
    valid: { kind: 'a' },
  },
  { dto: Disguised, keys: ['text', 'count'], valid: {}, sameVerdict: false },
  { dto: Customs, keys: ['even', 'trimmed', 'evens'], valid: { even: 'ab', trimmed: 'a' } },
  // `@Expose({ name: 'n' })` renames a key; undeclared keys are read from the message itself.
  { dto: Reshaped, keys: ['text', 'number', 'n'], valid: { text: 'a' }, sameVerdict: false },
  { dto: OddNames, keys: ['quote"d', 'back\\slash\nline/x'], valid: { 'quote"d': 'x' } },
];
