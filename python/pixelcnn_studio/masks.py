"""Masks of the masked convolutions, as docs/ARCHITECTURES.md defines them.

A mask is HWIO, [k, k, Cin, Cout], like the weights in the model file.
Channels of a layer are split into C contiguous colour groups; the group of
channel i among n is floor(i / (n / C)). With centre c = (k - 1) / 2 a tap
(r, s) is open when:

    region      type   taps open for every channel pair     centre tap (c, c)
    causal      A / B  r < c, or r = c and s < c            group rule
    horizontal  A / B  r = c and s < c                      group rule
    vertical    A      r < c (every column)                 closed
    vertical    B      r <= c (every column)                open for every pair

group rule: input group a reaches output group b when a < b (A) or a <= b (B).
"""

import torch

REGIONS = ("causal", "horizontal", "vertical")


def channel_groups(channels, colors):
    """The colour group of each of `channels` channels."""
    return torch.div(torch.arange(channels), channels // colors, rounding_mode="floor")


def build_mask(mask_type, region, k, cin, cout, colors):
    """The mask as a float32 HWIO tensor of 0s and 1s."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask type must be A or B, got {mask_type!r}")
    if region not in REGIONS:
        raise ValueError(f"mask region must be one of {', '.join(REGIONS)}, got {region!r}")
    if k < 1 or k % 2 == 0:
        raise ValueError(f"mask kernel size must be odd and positive, got {k}")
    for name, n in (("inChannels", cin), ("outChannels", cout)):
        if n % colors != 0:
            raise ValueError(f"mask {name} ({n}) must be divisible by colorChannels ({colors})")
    c = (k - 1) // 2
    mask = torch.zeros(k, k, cin, cout)
    if region == "causal":
        mask[:c, :, :, :] = 1
        mask[c, :c, :, :] = 1
    elif region == "horizontal":
        mask[c, :c, :, :] = 1
    else:  # vertical
        mask[:c, :, :, :] = 1
        if mask_type == "B":
            mask[c, :, :, :] = 1
        return mask
    g_in = channel_groups(cin, colors)
    g_out = channel_groups(cout, colors)
    if mask_type == "A":
        centre = g_in[:, None] < g_out[None, :]
    else:
        centre = g_in[:, None] <= g_out[None, :]
    mask[c, c] = centre.float()
    return mask


def open_box(mask):
    """(first row, last row, first col, last col) of the taps open for some channel pair, or None."""
    taps = mask.abs().sum(dim=(2, 3)) > 0
    if not bool(taps.any()):
        return None
    rows = torch.nonzero(taps.any(dim=1)).flatten()
    cols = torch.nonzero(taps.any(dim=0)).flatten()
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
