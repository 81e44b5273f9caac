// Writes schema/net.schema.json from the built compiler (npm run schema); test/schema.test.ts
// checks that the committed file is what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { schemaText } from '../dist/compiler/schema.js';

mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(new URL('../schema/net.schema.json', import.meta.url), schemaText());
console.log('wrote schema/net.schema.json');
