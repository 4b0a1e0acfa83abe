#!/usr/bin/env python3
"""PyTorch reference for `npm run bench:train`: one Adam training step of the
same PixelCNN as src/model/plainPixelCNN.ts, timed on the CPU.

    relu(conv_A(x)), then (layers - 1) x  h + relu(conv_B(h)),
    then a 1x1 mask-B conv to C*levels logits, softmax cross-entropy, Adam.

Masking multiplies the weight by the mask inside the graph (weight * mask is a
new tensor every step), like the tfjs model, so masked taps get zero gradient.
The input encoding matches src/model/pixels.ts (level / (levels - 1) * 2 - 1).

Usage: python3 scripts/bench_pytorch.py [--threads 2] [--steps 20] [--batch 8]
       [--size 28] [--hidden 32] [--layers 7] [--kernel 7] [--levels 256]
       [--colors 1] [--json]
Debian: apt-get install python3-torch (PyTorch 1.13); run it with
/usr/bin/python3 if another python3 comes first on PATH.
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F


def build_mask(kind, k, cin, cout, colors):
    """HWIO mask of src/model/masks.ts, returned as OIHW for torch."""
    c = (k - 1) // 2
    mask = torch.zeros(cout, cin, k, k)
    mask[:, :, :c, :] = 1
    mask[:, :, c, :c] = 1
    g_in = torch.arange(cin) // (cin // colors)
    g_out = torch.arange(cout) // (cout // colors)
    if kind == "A":
        centre = g_in[None, :] < g_out[:, None]
    else:
        centre = g_in[None, :] <= g_out[:, None]
    mask[:, :, c, c] = centre.float()
    return mask


class PixelCNN(torch.nn.Module):
    def __init__(self, colors, levels, hidden, layers, k):
        super().__init__()
        self.colors, self.levels, self.k = colors, levels, k
        specs = [("A", k, colors, hidden)]
        specs += [("B", k, hidden, hidden)] * (layers - 1)
        specs += [("B", 1, hidden, colors * levels)]
        self.weights = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        self.masks = []
        for kind, ks, cin, cout in specs:
            mask = build_mask(kind, ks, cin, cout, colors)
            w = torch.randn(cout, cin, ks, ks) * math.sqrt(2 / max(1, mask.sum() / cout)) * 0.5
            self.weights.append(torch.nn.Parameter(w * mask))
            self.biases.append(torch.nn.Parameter(torch.zeros(cout)))
            self.masks.append(mask)

    def conv(self, i, h):
        w = self.weights[i] * self.masks[i]
        return F.conv2d(h, w, self.biases[i], padding=w.shape[-1] // 2)

    def forward(self, x):
        h = F.relu(self.conv(0, x))
        for i in range(1, len(self.weights) - 1):
            h = h + F.relu(self.conv(i, h))
        return self.conv(len(self.weights) - 1, h)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=7)
    p.add_argument("--kernel", type=int, default=7)
    p.add_argument("--levels", type=int, default=256)
    p.add_argument("--colors", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print only one JSON line")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = PixelCNN(a.colors, a.levels, a.hidden, a.layers, a.kernel)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.randint(0, a.levels, (a.batch, a.colors, a.size, a.size))
    x = images.float() / (a.levels - 1) * 2 - 1

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(x)  # [B, C*levels, H, W], channel = colour * levels + level
        logits = logits.view(a.batch, a.colors, a.levels, a.size, a.size)
        loss = F.cross_entropy(logits.permute(0, 2, 1, 3, 4), images) / math.log(2)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    result = {
        "framework": f"pytorch {torch.__version__}",
        "threads": a.threads,
        "batch": a.batch,
        "size": a.size,
        "stepMsMedian": round(statistics.median(times), 2),
        "stepMsMin": round(min(times), 2),
        "steps": a.steps,
    }
    if not a.json:
        print(f"PyTorch {torch.__version__}, {a.threads} threads: median {result['stepMsMedian']} ms/step, "
              f"min {result['stepMsMin']} ms ({a.steps} steps)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
