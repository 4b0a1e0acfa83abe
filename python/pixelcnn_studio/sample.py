"""Sampling with the twin, with the app's dice (src/model/sampler.ts):

one uniform draw per (sub-pixel, image) from mulberry32(seed), taken in
generation order (row, column, colour) then image order, turned into a level
by sampleCategorical (src/model/random.ts). Given the same logits this draws
the same images as the app's samplers; float differences between the two
engines can tip a draw that lies on a boundary.

Each sub-pixel's logits come from a pass over its row only (model.row_logits),
with every layer's output for the rows above kept: no layer reads a row below
its output, so those never change again.

    python3 -m pixelcnn_studio.sample --model model.json --count 80 --labels 0,1,... --out levels.bin

writes count × H × W × C levels as bytes.
"""

import argparse
import sys

import numpy as np
import torch

from .modelfile import read_model
from .schedule import mulberry32


def sample_categorical(logits, temperature, uniforms):
    """sampleCategorical for each row of logits [N, L] (float64) with its own uniform draw."""
    best = np.argmax(logits, axis=1)
    if temperature <= 0:
        return best
    top = logits[np.arange(len(logits)), best]
    weights = np.exp((logits - top[:, None]) / temperature)
    thresholds = uniforms * weights.sum(axis=1)
    chosen = np.argmax(np.cumsum(weights, axis=1) > thresholds[:, None], axis=1)
    # A threshold that no running total exceeds (rounding) takes the last level, as the app does.
    exceeded = (np.cumsum(weights, axis=1) > thresholds[:, None]).any(axis=1)
    return np.where(exceeded, chosen, logits.shape[1] - 1)


@torch.no_grad()
def sample(model, count, seed=1, temperature=1.0, labels=None, device="cpu"):
    """count images [count, H, W, C] of levels (numpy uint8)."""
    config = model.config
    H, W, C, L = config["height"], config["width"], config["colorChannels"], config["levels"]
    if config["classes"] > 0:
        if labels is None or len(labels) != count:
            raise ValueError(f"this model draws one of {config['classes']} classes: give one label per image")
        labels = torch.tensor(list(labels), dtype=torch.long, device=device)
    else:
        labels = None
    random = mulberry32(seed)
    pixels = torch.zeros(count, H, W, C, dtype=torch.long, device=device)
    model.eval()
    state = {"x": model.network_input(pixels)}
    for row in range(H):
        for col in range(W):
            for channel in range(C):
                state["x"][:, :, row : row + 1] = model.network_input(pixels[:, row : row + 1])
                logits = model.row_logits(state, row, labels)[:, channel * L : (channel + 1) * L, 0, col]
                uniforms = np.array([random() for _ in range(count)])
                drawn = sample_categorical(logits.double().cpu().numpy(), temperature, uniforms)
                pixels[:, row, col, channel] = torch.from_numpy(drawn).to(device)
        # The row is complete: its cached features must see its last sub-pixel before the rows below read them.
        state["x"][:, :, row : row + 1] = model.network_input(pixels[:, row : row + 1])
        model.row_logits(state, row, labels)
    return pixels.cpu().numpy().astype(np.uint8)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m pixelcnn_studio.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--labels", default="", help="comma-separated class labels, one per image")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, _ = read_model(args.model, device)
    labels = [int(v) for v in args.labels.split(",")] if args.labels else None
    try:
        levels = sample(model, args.count, args.seed, args.temperature, labels, device)
    except ValueError as error:
        print(f"pixelcnn_studio.sample: {error}", file=sys.stderr)
        return 1
    levels.tofile(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
