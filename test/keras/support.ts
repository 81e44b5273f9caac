/** Keras import test helpers: the fixtures of test/fixtures/keras (written by make_keras.py), imported into a temp dir. */
import { readFileSync, readdirSync } from 'node:fs';
import { importKerasFile, type KerasImportResult } from '../../compiler/frontend/keras/index.js';
import { repo, writeImportedNet } from '../helpers.js';

export interface KerasCase {
  batch: number;
  inputs: Record<string, number[]>;
  float64: Record<string, number[]>;
  float32: Record<string, number[]>;
}

export interface KerasFixture {
  name: string;
  /** format (keras | h5) -> file in test/fixtures/keras and the Keras version it is written as. */
  models: Record<string, { file: string; keras_version: string }>;
  inputs?: Record<string, { shape: number[]; dtype: 'float' | 'int' }>;
  outputs?: Record<string, number[]>;
  cases?: KerasCase[];
  /** Texts the import error must contain. */
  expect_error?: string[];
}

export const FIXTURES = 'test/fixtures/keras';

export function kerasFixtures(): KerasFixture[] {
  return readdirSync(repo(FIXTURES))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(repo(FIXTURES, f), 'utf8')) as KerasFixture);
}

export const modelPath = (file: string): string => repo(FIXTURES, file);

const imported = new Map<string, { result: KerasImportResult; yaml: string; dir: string }>();
/**
 * Imports a model and writes the net into a temp dir; returns the YAML path relative to the repo.
 * Each model is imported once per run and its net never rewritten, so its compiled modules are
 * shared too (freezeNet). Failed imports are not remembered.
 */
export async function importToTemp(file: string, name?: string): Promise<{ result: KerasImportResult; yaml: string; dir: string }> {
  const key = `${file}\u0000${name ?? ''}`;
  const known = imported.get(key);
  if (known) return known;
  const result = await importKerasFile(file, name ? { name } : {});
  const r = { result, ...writeImportedNet('keras', result) };
  imported.set(key, r);
  return r;
}
