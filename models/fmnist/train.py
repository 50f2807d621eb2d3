#!/usr/bin/python3
"""Trains the Fashion-MNIST classifier of the AI market and writes its int8 weights.

Run once (it is not part of `make test`; the weights it wrote are checked in):
    /usr/bin/python3 models/fmnist/train.py [--data DIR] [--out models/fmnist/fmnist-mlp.svq8]

numpy only, fixed seed. A 784-128-10 perceptron with ReLU, trained in float32 with minibatch
SGD + momentum, then quantized post-training:
  input    x_q = pixel >> 1                      (int8, 0..127; float x = x_q / 127)
  layer 1  acc = b1_q + W1_q x_q                 (int8 x int8 -> int32, per-row weight scale)
           h_q = clamp((acc * M + 2^(S-1)) >> S, 0, 127)   (fixed-point rescale, int64 product)
  layer 2  logits = b2_q + W2_q h_q              (int32; one weight scale for the layer, so the
                                                  argmax of the int32 logits is the class)
The binary format (SVQ8 v1) is described in docs/ai-market.md and read by src/vm/ai/nn.c and
contracts/ai/infer.c.
"""
import argparse, gzip, struct, time
import numpy as np

SEED = 20261204
HIDDEN = 128
EPOCHS = 12
BATCH = 100
INPUT_SHIFT = 1


def load(data, kind):
    with gzip.open(f"{data}/{kind}-images-idx3-ubyte.gz") as f:
        img = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{data}/{kind}-labels-idx1-ubyte.gz") as f:
        lab = np.frombuffer(f.read(), np.uint8, offset=8)
    return img, lab


def to_float(img):
    return (img >> INPUT_SHIFT).astype(np.float32) / 127.0


def train(x, y, rng):
    n = x.shape[0]
    w1 = (rng.standard_normal((784, HIDDEN)) * np.sqrt(2.0 / 784)).astype(np.float32)
    b1 = np.zeros(HIDDEN, np.float32)
    w2 = (rng.standard_normal((HIDDEN, 10)) * np.sqrt(2.0 / HIDDEN)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    params = [w1, b1, w2, b2]
    vel = [np.zeros_like(p) for p in params]
    onehot = np.eye(10, dtype=np.float32)[y]
    for epoch in range(EPOCHS):
        lr = 0.05 * (0.5 ** (epoch // 4))
        perm = rng.permutation(n)
        t0 = time.time()
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb, tb = x[idx], onehot[idx]
            z1 = xb @ w1 + b1
            h = np.maximum(z1, 0)
            z2 = h @ w2 + b2
            z2 -= z2.max(axis=1, keepdims=True)
            p = np.exp(z2)
            p /= p.sum(axis=1, keepdims=True)
            d2 = (p - tb) / len(idx)
            g_w2 = h.T @ d2 + 1e-4 * w2
            g_b2 = d2.sum(0)
            d1 = (d2 @ w2.T) * (z1 > 0)
            g_w1 = xb.T @ d1 + 1e-4 * w1
            g_b1 = d1.sum(0)
            for p_, v, g in zip(params, vel, [g_w1, g_b1, g_w2, g_b2]):
                v *= 0.9
                v -= lr * g
                p_ += v
        print(f"epoch {epoch + 1}/{EPOCHS}: lr {lr:.4f}, {time.time() - t0:.1f} s", flush=True)
    return w1, b1, w2, b2


def fixed_point(m):
    """m > 0 as (M, S) with M in [2^30, 2^31) and m ~= M / 2^S."""
    s = 30 - int(np.floor(np.log2(m)))
    mq = int(round(m * (1 << s)))
    if mq >= 1 << 31:
        mq, s = mq >> 1, s - 1
    assert (1 << 30) <= mq < (1 << 31) and 0 < s <= 62, (m, mq, s)
    return mq, s


def quantize(w1, b1, w2, b2, x_cal):
    sx = 1.0 / 127.0
    # layer 1: per-row (per output) symmetric weight scales
    sw1 = np.abs(w1).max(axis=0) / 127.0
    w1q = np.clip(np.round(w1 / sw1), -127, 127).astype(np.int8)  # 784 x H
    b1q = np.round(b1 / (sx * sw1)).astype(np.int64)
    h = np.maximum(x_cal @ w1 + b1, 0)
    sh = np.percentile(h, 99.99) / 127.0
    mult = [fixed_point(sx * sw1[r] / sh) for r in range(HIDDEN)]
    # layer 2: one scale for the layer
    sw2 = np.abs(w2).max() / 127.0
    w2q = np.clip(np.round(w2 / sw2), -127, 127).astype(np.int8)  # H x 10
    b2q = np.round(b2 / (sh * sw2)).astype(np.int64)
    return w1q.T.copy(), b1q, mult, w2q.T.copy(), b2q


def infer_int(img, w1q, b1q, mult, w2q, b2q):
    """The exact integer arithmetic (the same as the C and WebAssembly code)."""
    xq = (img >> INPUT_SHIFT).astype(np.int64)
    acc = xq @ w1q.T.astype(np.int64) + b1q
    m = np.array([a for a, _ in mult], np.int64)
    s = np.array([b for _, b in mult], np.int64)
    hq = np.clip((acc * m + (np.int64(1) << (s - 1))) >> s, 0, 127)
    return hq @ w2q.T.astype(np.int64) + b2q


def write(path, w1q, b1q, mult, w2q, b2q):
    out = bytearray(b"SVQ8")
    out += struct.pack("<BBHB", 1, 2, 784, INPUT_SHIFT)
    out += struct.pack("<HHB", HIDDEN, 784, 1)
    out += w1q.astype(np.int8).tobytes()
    out += b1q.astype("<i4").tobytes()
    out += np.array([a for a, _ in mult], "<i4").tobytes()
    out += bytes(b for _, b in mult)
    out += struct.pack("<HHB", 10, HIDDEN, 0)
    out += w2q.astype(np.int8).tobytes()
    out += b2q.astype("<i4").tobytes()
    with open(path, "wb") as f:
        f.write(out)
    return len(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default="models/fmnist/fmnist-mlp.svq8")
    a = ap.parse_args()
    rng = np.random.default_rng(SEED)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    t0 = time.time()
    w1, b1, w2, b2 = train(to_float(xtr), ytr, rng)
    fl = (np.maximum(to_float(xte) @ w1 + b1, 0) @ w2 + b2).argmax(1)
    print(f"float32 test accuracy: {(fl == yte).mean() * 100:.2f} %")
    q = quantize(w1, b1, w2, b2, to_float(xtr[:10000]))
    assert all(abs(int(v)) < 2**31 for v in list(q[1]) + list(q[4]))
    logits = infer_int(xte, *q)
    assert np.abs(logits).max() < 2**31
    print(f"int8 test accuracy: {(logits.argmax(1) == yte).mean() * 100:.2f} %")
    n = write(a.out, *q)
    print(f"wrote {a.out}: {n} bytes; training and quantization took {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
