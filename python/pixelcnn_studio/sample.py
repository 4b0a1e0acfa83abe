"""Sampling with the twin, with the app's dice (src/model/sampling.ts):

one uniform draw per (sub-pixel, image) from mulberry32(seed), taken in
generation order (row, column, colour) then image order, turned into a level
by sampleCategorical (src/model/random.ts). Given the same logits this draws
the same images as the app's samplers; float differences between the two
engines can tip a draw that lies on a boundary.

Each sub-pixel's logits come from a pass over its row only (model.row_logits),
with every layer's output for the rows above kept: no layer reads a row below
its output, so those never change again.

Classifier-free guidance (docs/ARCHITECTURES.md, "Guidance"), for a model
trained with label dropout (a "no class" row, label = classes): each
sub-pixel is drawn from logits_u + w·(logits_c − logits_u), logits_c given
the image's label and logits_u given "no class". w = 1 (the default) is the
plain conditional model and w = 0 the unconditional one; both run the
network once on `count` images. Any other w runs it on 2·count, the images
with their labels then the same images with "no class", draws once per image
and writes the level into both copies.

    python3 -m pixelcnn_studio.sample --model model.json --count 80 --labels 0,1,... [--guidance 2] --out levels.bin

writes count × H × W × C levels as bytes.
"""

import argparse
import sys

import numpy as np
import torch

from .config import has_no_class_row
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


def guidance_mode(config, guidance):
    """
    'plain' (w = 1), 'unconditional' (w = 0) or 'guided', checked against the
    model as the app's guidanceMode (src/model/sampling.ts) checks it: w is a
    finite number >= 0, and any w but 1 needs a "no class" row.
    """
    w = guidance
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not np.isfinite(w) or w < 0:
        raise ValueError(f"guidance must be a number of at least 0, got {w!r}")
    if w == 1:
        return "plain"
    if not has_no_class_row(config):
        if config["classes"] == 0:
            raise ValueError("guidance needs a model conditioned on classes; this one is unconditional")
        raise ValueError(
            'guidance needs a model trained with label dropout (a "no class" row); this one has none: '
            "sample it at guidance 1"
        )
    return "unconditional" if w == 0 else "guided"


#: Guidance above 1 fades to 1 over the bottom rows (GUIDANCE_FADE_FROM/TO in src/model/guidance.ts).
GUIDANCE_FADE_FROM = 0.75
GUIDANCE_FADE_TO = 0.95


def guidance_at_row(w, row, height):
    """The weight at image row `row` (guidanceAtRow): w at or below 1; above, full down to 75% of the rows, then linear to 1 at 95%."""
    if w <= 1:
        return w
    f = row / (height - 1) if height > 1 else 0.0
    if f <= GUIDANCE_FADE_FROM:
        return w
    if f >= GUIDANCE_FADE_TO:
        return 1.0
    return 1 + (w - 1) * (GUIDANCE_FADE_TO - f) / (GUIDANCE_FADE_TO - GUIDANCE_FADE_FROM)


def mix_guided(conditional, unconditional, w):
    """
    logits_u + w·(logits_c − logits_u), as the app mixes them: float64
    arithmetic on the float32 logits, rounded once to float32.
    """
    c = conditional.astype(np.float64)
    u = unconditional.astype(np.float64)
    return (u + w * (c - u)).astype(np.float32)


@torch.no_grad()
def sample(model, count, seed=1, temperature=1.0, labels=None, device="cpu", guidance=1.0, on_sub_pixel=None):
    """
    count images [count, H, W, C] of levels (numpy uint8), drawn at guidance
    weight `guidance`. on_sub_pixel(index, values, logits), if given, is
    called after each sub-pixel (index in generation order) with the levels
    drawn and the float32 logits [count, L] they were drawn from (mixed when
    guided), as the app's onSubPixel is.
    """
    config = model.config
    H, W, C, L = config["height"], config["width"], config["colorChannels"], config["levels"]
    mode = guidance_mode(config, guidance)
    batch = count
    if config["classes"] > 0:
        K = config["classes"]
        if labels is None or len(labels) != count:
            raise ValueError(f"this model draws one of {K} classes: give one label per image")
        labels = [int(v) for v in labels]
        top = model.no_class if model.no_class is not None else K - 1
        bad = [v for v in labels if not 0 <= v <= top]
        if bad:
            extra = f", or {K} for no class" if model.no_class is not None else ""
            raise ValueError(f"label {bad[0]} is not a class of this model (0 to {K - 1}{extra})")
        if mode == "unconditional":
            labels = [model.no_class] * count
        elif mode == "guided":
            labels = labels + [model.no_class] * count
            batch = 2 * count
        labels = torch.tensor(labels, dtype=torch.long, device=device)
    else:
        labels = None
    random = mulberry32(seed)
    pixels = torch.zeros(batch, H, W, C, dtype=torch.long, device=device)
    model.eval()
    state = {"x": model.network_input(pixels)}
    for row in range(H):
        for col in range(W):
            for channel in range(C):
                state["x"][:, :, row : row + 1] = model.network_input(pixels[:, row : row + 1])
                logits = model.row_logits(state, row, labels)[:, channel * L : (channel + 1) * L, 0, col].cpu().numpy()
                if mode == "guided":
                    logits = mix_guided(logits[:count], logits[count:], guidance_at_row(float(guidance), row, H))
                uniforms = np.array([random() for _ in range(count)])
                drawn = torch.from_numpy(sample_categorical(logits.astype(np.float64), temperature, uniforms)).to(device)
                # Every copy of an image (both halves of a guided batch) gets the same level.
                pixels[:, row, col, channel] = drawn.repeat(2 if mode == "guided" else 1)
                if on_sub_pixel is not None:
                    on_sub_pixel((row * W + col) * C + channel, drawn.cpu().numpy(), logits)
        # The row is complete: its cached features must see its last sub-pixel before the rows below read them.
        state["x"][:, :, row : row + 1] = model.network_input(pixels[:, row : row + 1])
        model.row_logits(state, row, labels)
    return pixels[:count].cpu().numpy().astype(np.uint8)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m pixelcnn_studio.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--labels", default="", help="comma-separated class labels, one per image")
    parser.add_argument(
        "--guidance",
        type=float,
        default=1.0,
        help="classifier-free guidance weight: 1 plain conditional (default), 0 unconditional, above 1 guided; "
        "any but 1 needs a model trained with label dropout",
    )
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, _ = read_model(args.model, device)
    labels = [int(v) for v in args.labels.split(",")] if args.labels else None
    try:
        levels = sample(model, args.count, args.seed, args.temperature, labels, device, args.guidance)
    except ValueError as error:
        print(f"pixelcnn_studio.sample: {error}", file=sys.stderr)
        return 1
    levels.tofile(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
