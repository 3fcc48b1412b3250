// class-transformer 0.5 ships no declaration beside its CommonJS storage module; only its shape
// is read (transformer-metadata.ts checks it at run time).
declare module 'class-transformer/cjs/storage.js' {
  export const defaultMetadataStorage: unknown;
}
