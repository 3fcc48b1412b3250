// class-transformer's decorators on a class, read from its metadata storage (the way
// @nestjs/mapped-types reads it: class-transformer exports no accessor). Used only when the
// storage is the one the decorators write to: a bundle holding a second copy of
// class-transformer leaves every DTO to `plainToInstance`.
import { Type } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import type { DtoClass } from './metadata.js';

/** class-transformer's metadata of one `@Type()`. */
export interface TypeMetadata {
  readonly typeFunction?: (options?: unknown) => unknown;
  readonly reflectedType?: unknown;
  readonly options?: { readonly discriminator?: unknown };
}

/** The class-transformer decorators that shape `plainToInstance`'s result for a class. */
export interface TransformerDecorators {
  /** `@Type()` by property: the class's own, then its ancestors' (class-transformer's lookup order). */
  readonly types: ReadonlyMap<string, TypeMetadata>;
  /** Whether the class or an ancestor has an `@Expose()`, `@Exclude()` or `@Transform()`. */
  readonly reshapes: boolean;
}

type MetadataMap = Map<unknown, Map<unknown, unknown>>;

interface TransformerStorage {
  readonly _typeMetadatas: MetadataMap;
  readonly _transformMetadatas: MetadataMap;
  readonly _exposeMetadatas: MetadataMap;
  readonly _excludeMetadatas: MetadataMap;
}

const FIELDS = ['_typeMetadatas', '_transformMetadatas', '_exposeMetadatas', '_excludeMetadatas'] as const;

let readable: TransformerStorage | null | undefined;

/** The storage the public decorators write to, if it has the shape this module reads. */
function transformerStorage(): TransformerStorage | null {
  if (readable !== undefined) return readable;
  const candidate = defaultMetadataStorage as Partial<Record<(typeof FIELDS)[number], unknown>> | undefined;
  readable = null;
  if (candidate === undefined || !FIELDS.every((field) => candidate[field] instanceof Map)) return readable;
  const storage = candidate as TransformerStorage;
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a marker class for the probe
  class Probe {}
  Type(() => Probe)(Probe.prototype, 'probe');
  if (storage._typeMetadatas.get(Probe)?.has('probe') === true) {
    storage._typeMetadatas.delete(Probe);
    readable = storage;
  }
  return readable;
}

/** A class's ancestors, as class-transformer walks them. */
function ancestorsOf(target: DtoClass): unknown[] {
  const ancestors: unknown[] = [];
  for (
    let base = Object.getPrototypeOf((target.prototype as { constructor: unknown }).constructor) as {
      prototype?: { constructor: unknown };
    };
    typeof base.prototype !== 'undefined';
    base = Object.getPrototypeOf(base.prototype.constructor) as { prototype?: { constructor: unknown } }
  )
    ancestors.push(base);
  return ancestors;
}

/** The class-transformer decorators of `target`, or `undefined` when they cannot be read. */
export function transformerDecorators(target: DtoClass): TransformerDecorators | undefined {
  const storage = transformerStorage();
  if (storage === null) return undefined;
  let chain: unknown[];
  try {
    chain = [target, ...ancestorsOf(target)];
  } catch {
    return undefined;
  }
  const reshapes = chain.some((cls) =>
    [storage._transformMetadatas, storage._exposeMetadatas, storage._excludeMetadatas].some(
      (map) => (map.get(cls)?.size ?? 0) > 0,
    ),
  );
  const types = new Map<string, TypeMetadata>();
  for (const cls of chain)
    for (const [property, metadata] of storage._typeMetadatas.get(cls) ?? [])
      if (typeof property === 'string' && !types.has(property)) types.set(property, metadata as TypeMetadata);
  return { types, reshapes };
}
