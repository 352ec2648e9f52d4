#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/<target>/ from the real files (small prefixes and samples,
never whole files) and from the bad files the unit tests make. Run from anywhere:
    python3 fuzz/make_corpus.py [path to shared/data]   (default: ../shared/data)
The output is committed (about 200 KB); rerun after adding seeds here."""
import gzip, io, os, re, shutil, struct, subprocess, sys, tarfile, tempfile, zipfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'data')
OUT = os.path.join(ROOT, 'fuzz', 'corpus')


def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(OUT, target, name), 'wb') as f:
        f.write(data)


def gz(raw):
    return gzip.compress(raw, 9, mtime=0)


# --- IDX: the MNIST files cut to a few images / labels, header count patched to match. ---
def idx_prefix(file, header, item, n):
    with gzip.open(os.path.join(DATA, 'mnist', file)) as f:
        head = f.read(header)
        body = f.read(item * n)
    return head[:4] + struct.pack('>I', n) + head[8:] + body


images = idx_prefix('train-images-idx3-ubyte.gz', 16, 784, 3)
labels = idx_prefix('train-labels-idx1-ubyte.gz', 8, 1, 20)
put('fuzz_idx', 'mnist-images-3', images)
put('fuzz_idx', 'mnist-images-3.gz', gz(images))
put('fuzz_idx', 'mnist-labels-20', labels)
put('fuzz_idx', 'mnist-labels-20.gz', gz(labels))
small = struct.pack('>IIII', 2051, 2, 2, 3) + bytes(range(12))
put('fuzz_idx', 'tiny-images', small)
put('fuzz_idx', 'tiny-images.gz', gz(small))
put('fuzz_idx', 'tiny-labels.gz', gz(struct.pack('>II', 2049, 4) + bytes([0, 1, 2, 9])))
# The unit tests' bad files (tests/unit/data/idx_test.cpp): wrong magic, truncated raw and gzip,
# corrupt gzip, bytes after the data, a huge count.
put('fuzz_idx', 'bad-magic', struct.pack('>IIII', 2049, 2, 2, 3) + bytes(12))
put('fuzz_idx', 'bad-truncated', small[:-5])
put('fuzz_idx', 'bad-truncated.gz', gz(small)[:20])
bad = bytearray(gz(labels))
for i in range(12, len(bad) - 8):
    bad[i] ^= 0x5A
put('fuzz_idx', 'bad-corrupt.gz', bytes(bad))
put('fuzz_idx', 'bad-extra', small + b'xyz')
put('fuzz_idx', 'bad-huge-count', struct.pack('>IIII', 2051, 2000000000, 28, 28) + bytes(16))

# --- CIFAR-10 binary records: label byte + 3072 planar RGB bytes. There is no binary release in
# shared/data, so the records take their pixel bytes from MNIST rows. ---
pixels = (images[16:] * 4)[:3072]
rec = lambda label: bytes([label]) + pixels
put('fuzz_cifar', 'one-record', rec(3))
put('fuzz_cifar', 'three-records', rec(0) + rec(9) + rec(5))
put('fuzz_cifar', 'bad-label', rec(10))
put('fuzz_cifar', 'bad-truncated', rec(1)[:-1])
put('fuzz_cifar', 'bad-empty', b'')

# --- Images: real CIFAR-10 JPEGs, PNGs written here in each color type and bit depth. ---
jpegs = {}
with tarfile.open(os.path.join(DATA, 'cifar10-jpg.tar.gz')) as t:
    want = {'cifar10-jpg/train/airplane/0000.jpg', 'cifar10-jpg/train/cat/0000.jpg',
            'cifar10-jpg/train/cat/0001.jpg', 'cifar10-jpg/test/airplane/0000.jpg',
            'cifar10-jpg/test/cat/0000.jpg'}
    for m in t:
        if m.name in want:
            jpegs[m.name] = t.extractfile(m).read()
        if len(jpegs) == len(want):
            break


def png(width, height, color_type, bit_depth, rows, interlace=0, extra=b''):
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    ihdr = struct.pack('>IIBBBBB', width, height, bit_depth, color_type, 0, 0, interlace)
    raw = b''.join(b'\0' + r for r in rows)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + extra + chunk(b'IDAT', zlib.compress(raw)) +
            chunk(b'IEND', b''))


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


w, h = 6, 4
pngs = {
    'gray8.png': png(w, h, 0, 8, [bytes(range(y * w, y * w + w)) for y in range(h)]),
    'gray1.png': png(16, 2, 0, 1, [b'\xaa\x55', b'\x0f\xf0']),
    'gray16.png': png(w, h, 0, 16, [bytes(2 * w)] * h),
    'rgb8.png': png(w, h, 2, 8, [bytes(range(3 * w))] * h),
    'rgba8.png': png(w, h, 6, 8, [bytes(range(4 * w))] * h),
    'graya8.png': png(w, h, 4, 8, [bytes(range(2 * w))] * h),
    'palette.png': png(w, h, 3, 8, [bytes([0, 1, 2, 1, 0, 2])] * h,
                       extra=chunk(b'PLTE', bytes(range(9))) + chunk(b'tRNS', b'\x80')),
    'interlaced.png': png(w, h, 2, 8, [bytes(3 * w)] * 7, interlace=1),
    'bad-huge.png': png(60000, 60000, 0, 8, [b'\0' * 8]),  # issue 16 item 5: a 100-byte PNG
}
# Progressive and grayscale JPEGs: re-encoded with libjpeg through a small C helper.
helper = r'''
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
int main(int argc, char** argv) {
  int w = 24, h = 16, c = atoi(argv[1]), progressive = atoi(argv[2]);
  unsigned char px[24 * 16 * 3];
  for (int i = 0; i < w * h * c; ++i) px[i] = (unsigned char)(i * 7);
  struct jpeg_compress_struct ci; struct jpeg_error_mgr err;
  ci.err = jpeg_std_error(&err); jpeg_create_compress(&ci); jpeg_stdio_dest(&ci, stdout);
  ci.image_width = w; ci.image_height = h; ci.input_components = c;
  ci.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB; jpeg_set_defaults(&ci);
  jpeg_set_quality(&ci, 80, TRUE); if (progressive) jpeg_simple_progression(&ci);
  jpeg_start_compress(&ci, TRUE);
  while (ci.next_scanline < ci.image_height) { JSAMPROW r = px + ci.next_scanline * w * c; jpeg_write_scanlines(&ci, &r, 1); }
  jpeg_finish_compress(&ci); return 0; }
'''
with tempfile.TemporaryDirectory() as tmp:
    src, exe = os.path.join(tmp, 'j.c'), os.path.join(tmp, 'j')
    open(src, 'w').write(helper)
    subprocess.run(['cc', src, '-o', exe, '-ljpeg'], check=True)
    for c, prog in [(1, 0), (1, 1), (3, 1)]:
        name = f"{'gray' if c == 1 else 'rgb'}{'-progressive' if prog else ''}.jpg"
        jpegs[name] = subprocess.run([exe, str(c), str(prog)], check=True, capture_output=True).stdout

for name, data in jpegs.items():
    put('fuzz_image_codec', os.path.basename(os.path.dirname(name)) + '-' + os.path.basename(name)
        if '/' in name else name, data)
for name, data in pngs.items():
    put('fuzz_image_codec', name, data)
put('fuzz_image_codec', 'bad-truncated.jpg', jpegs['cifar10-jpg/train/cat/0000.jpg'][:300])
put('fuzz_image_codec', 'bad-truncated.png', pngs['rgb8.png'][:60])
put('fuzz_image_codec', 'bad-not-an-image', b'GIF89a\x01\x00\x01\x00')

# --- Image folders as archives: a real CIFAR-10 JPEG tree cut to five images, in tar, tar.gz and
# zip, with and without a top-level folder; a PNG tree; the layouts the unit tests refuse. ---
def tar_bytes(entries, mode='w'):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


tree = [(n, d) for n, d in jpegs.items() if n.startswith('cifar10-jpg/')]
flat = [(n[len('cifar10-jpg/'):], d) for n, d in tree]
put('fuzz_image_folder', 'cifar-tree.tar', tar_bytes(tree))
put('fuzz_image_folder', 'cifar-tree.tar.gz', tar_bytes(flat, 'w:gz'))
put('fuzz_image_folder', 'cifar-tree.zip', zip_bytes(flat))
put('fuzz_image_folder', 'png-tree.tar', tar_bytes([
    ('train/a/0.png', pngs['gray8.png']), ('train/b/0.png', pngs['rgba8.png']),
    ('test/a/0.png', pngs['palette.png']), ('test/b/1.png', pngs['gray1.png'])]))
put('fuzz_image_folder', 'mixed-sizes.tar', tar_bytes([
    ('train/a/0.png', pngs['gray8.png']), ('train/a/1.jpg', jpegs['gray.jpg']),
    ('test/a/0.jpg', jpegs['rgb-progressive.jpg'])]))
put('fuzz_image_folder', 'bad-no-test.tar', tar_bytes(tree[:3]))
put('fuzz_image_folder', 'bad-two-trees.tar', tar_bytes(flat + [('x/' + n, d) for n, d in flat[:1]]))
put('fuzz_image_folder', 'bad-not-image.tar', tar_bytes([
    ('train/a/0.png', b'not a png'), ('test/a/0.png', pngs['gray8.png'])]))

# --- TOML: the shipped experiment and study files, the unit tests' study files. ---
def files(folder):
    for dirpath, _, names in os.walk(folder):
        for n in sorted(names):
            if n.endswith('.toml'):
                yield os.path.join(dirpath, n)


for f in files(os.path.join(ROOT, 'configs')):
    rel = os.path.relpath(f, os.path.join(ROOT, 'configs')).replace('/', '-')
    text = open(f, 'rb').read()
    if '/studies/' in f:
        put('fuzz_study_file', rel, text)
    else:
        put('fuzz_experiment', rel, text)
        put('fuzz_layer_spec', rel, text)

study_test = open(os.path.join(ROOT, 'tests', 'unit', 'tune', 'study_file_test.cpp')).read()
for i, m in enumerate(re.findall(r'R"\((.*?)\)"', study_test, re.S)):
    put('fuzz_study_file', f'test-{i}.toml', m)

# Every layer type and option once (models/layer_spec.h), mirrored and written out.
layers = '''[model]
kind = "ae"
encoder = [
  { conv2d = { filters = 4, kernel = 3, stride = 2, padding = 1, bias = false } }, "relu",
  { batchnorm = {} }, { dropout = { rate = 0.2 } },
  { maxpool = { kernel = 2, stride = 2, padding = 0 } }, { leaky_relu = { slope = 0.1 } },
  { avgpool = { kernel = 2 } }, "flatten", { dense = { units = 8 } }, "tanh",
]
decoder = [
  { dense = { units = 36 } }, "sigmoid", { unflatten = { shape = [4, 3, 3] } },
  { upsample = { scale = 3, mode = "bilinear" } },
  { conv_transpose2d = { filters = 1, kernel = 3, stride = 3, padding = "same", output_padding = 1 } },
]
output_activation = "none"
'''
put('fuzz_layer_spec', 'all-layers.toml', layers)
put('fuzz_layer_spec', 'vae.toml', '[params]\nn = 4\n[model]\nkind = "vae"\nlatent = 2\n'
    'encoder = [{ conv2d = { filters = "$n*2", kernel = 5, padding = "valid" } }, "relu", "flatten"]\n')
# Extreme sizes (what the fuzzer found first: overflows in "$n*K" and in the shape arithmetic).
put('fuzz_layer_spec', 'extreme.toml', '[params]\nn = 4\n[model]\nencoder = [\n'
    '  { conv2d = { filters = "$n*2147483647", kernel = 2147483647, padding = "same" } },\n'
    '  { conv_transpose2d = { filters = 1, stride = 2147483647, padding = 2147483647 } },\n'
    '  { maxpool = { kernel = 2147483647, padding = 1073741823 } },\n'
    '  { upsample = { scale = 2147483647 } }, "flatten", { dense = { units = 1000000000 } },\n'
    '  { unflatten = { shape = [2147483647, 2147483647, 2147483647] } },\n]\n')
put('fuzz_experiment', 'all-layers.toml', '[data]\ndataset = "mnist"\n' + layers)
put('fuzz_experiment', 'options.toml', '''[data]
dataset = "mnist"
[params]
n = 3
[model]
encoder = ["flatten", { dense = { units = "$n" } }]
[train]
optimizer = "rmsprop"
loss = "l1"
epochs = 4.0
grad_clip_norm = 1.5
test_every = 2
snapshot_every = 3
[train.early_stopping]
patience = 4
mode = "two_sided"
[train.lr_schedule]
kind = "cosine"
min_lr = 1e-5
[task]
kind = "denoise"
corruption = "gaussian:0.3"
noise_seed = 3
''')
total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
print(f'{OUT}: {sum(len(fs) for _, _, fs in os.walk(OUT))} files, {total} bytes')
