export * from './audience.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './validation.ts';
export * from './textRules.ts';
