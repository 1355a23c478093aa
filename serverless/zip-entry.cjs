'use strict';
// Reads one file out of a .zip (the deployment artifact) without third-party code:
// End Of Central Directory -> central directory -> local header -> stored/deflated data.
// Enough for the zips serverless-esbuild writes (no zip64, no encryption, no spanning).
const fs = require('node:fs');
const zlib = require('node:zlib');

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Entry names (paths inside the zip) in central-directory order. */
function zipEntries(zipFile) {
  const buf = fs.readFileSync(zipFile);
  // The EOCD record is at least 22 bytes from the end, followed by a comment of up to 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipFile}: not a zip file (no end-of-central-directory record)`);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(offset) !== CENTRAL) throw new Error(`${zipFile}: corrupt central directory`);
    const method = buf.readUInt16LE(offset + 10);
    const compressedSize = buf.readUInt32LE(offset + 20);
    const size = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    const localHeader = buf.readUInt32LE(offset + 42);
    const name = buf.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({ name, method, compressedSize, size, localHeader });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return { buf, entries };
}

/** The bytes of `name` inside `zipFile`, or undefined when the zip has no such entry. */
function readZipEntry(zipFile, name) {
  const { buf, entries } = zipEntries(zipFile);
  const entry = entries.find((e) => e.name === name);
  if (!entry) return undefined;
  const at = entry.localHeader;
  if (buf.readUInt32LE(at) !== LOCAL) throw new Error(`${zipFile}: corrupt local header for ${name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`${zipFile}: ${name} uses unsupported compression method ${entry.method}`);
}

module.exports = { readZipEntry, zipEntryNames: (zipFile) => zipEntries(zipFile).entries.map((e) => e.name) };
