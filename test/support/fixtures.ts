import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'cloudtrail');

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
}

/** A fixture as parsed JSON: a fresh copy each call, so tests can change a field freely. */
export function fixture<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}

/** A clone of a real record with some fields changed: how negative and variant cases are made. */
export function cloneWith<T extends Record<string, any>>(name: string, change: (record: T) => void): T {
  const record = fixture<T>(name);
  change(record);
  return record;
}

export const PUT_PERMISSION_LEGACY = 'events_PutPermission_synthetic-awsdocs-putrule-clone_1.json';
export const PUT_PERMISSION_POLICY = 'events_PutPermission_synthetic-awsdocs-putrule-clone_2.json';
