'use strict';
// Reads and rewrites .zip files (the deployment artifacts) without third-party code:
// End Of Central Directory -> central directory -> local header -> stored/deflated data.
// Enough for the zips serverless-esbuild writes (no zip64, no encryption, no spanning).
const fs = require('node:fs');
const zlib = require('node:zlib');

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The zip's bytes and its central directory: each entry's name, method, sizes, attributes and local header offset. */
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
    const externalAttributes = buf.readUInt32LE(offset + 38);
    const localHeader = buf.readUInt32LE(offset + 42);
    const name = buf.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({ name, method, compressedSize, size, externalAttributes, localHeader });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return { buf, entries };
}

/** The bytes of `name` inside `zipFile`, or undefined when the zip has no such entry. */
function readZipEntry(zipFile, name) {
  const { buf, entries } = zipEntries(zipFile);
  const entry = entries.find((e) => e.name === name);
  return entry ? entryData(zipFile, buf, entry) : undefined;
}

/** The uncompressed bytes of one entry of the zip held in `buf`. */
function entryData(zipFile, buf, entry) {
  const at = entry.localHeader;
  if (buf.readUInt32LE(at) !== LOCAL) throw new Error(`${zipFile}: corrupt local header for ${entry.name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return zlib.inflateRawSync(data);
  throw new Error(`${zipFile}: ${entry.name} uses unsupported compression method ${entry.method}`);
}

/** A regular file, rw-r--r--, in the central directory's Unix attributes (Lambda needs it readable). */
const REGULAR_FILE_644 = ((0o100644 << 16) >>> 0);
/** 1980-01-01 00:00, the earliest DOS date: fixed, so the same content gives the same zip and code hash. */
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;
const UTF8_NAMES = 0x0800;

/**
 * Rewrites `zipFile` with every entry deflated at level 9, in the same order, with the same names
 * and Unix modes (rw-r--r-- where the zip recorded none). serverless-esbuild's archiver deflates at
 * a low level: the function bundles come out about 13% larger than they need to be, and Lambda
 * downloads the zip on every cold start. Returns the sizes before and after.
 */
function recompressZip(zipFile) {
  if (typeof zlib.crc32 !== 'function') throw new Error('recompressZip needs zlib.crc32 (Node.js 20.15 or later)');
  const before = fs.statSync(zipFile).size;
  const { buf, entries } = zipEntries(zipFile);
  const files = entries.map((entry) => ({
    name: entry.name,
    data: entryData(zipFile, buf, entry),
    mode: entry.externalAttributes >>> 16 ? entry.externalAttributes : REGULAR_FILE_644,
  }));
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const deflated = zlib.deflateRawSync(file.data, { level: 9 });
    const crc = zlib.crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode is read)
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(file.mode >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, deflated);
    centrals.push(central, name);
    offset += local.length + name.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(zipFile, Buffer.concat([...locals, directory, end]));
  return { before, after: fs.statSync(zipFile).size };
}

module.exports = {
  readZipEntry,
  recompressZip,
  zipEntryNames: (zipFile) => zipEntries(zipFile).entries.map((e) => e.name),
  /** Each entry's name, compression method, sizes and Unix mode, in central-directory order. */
  zipEntryInfo: (zipFile) =>
    zipEntries(zipFile).entries.map((e) => ({ name: e.name, method: e.method, compressedSize: e.compressedSize, size: e.size, mode: e.externalAttributes >>> 16 })),
};
