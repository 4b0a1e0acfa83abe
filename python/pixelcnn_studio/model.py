"""Both architectures of docs/ARCHITECTURES.md in PyTorch, the twin of src/model.

Parameters are kept in the model file's layout and under its names
(HWIO convolution weights, "conv3/weight", "v0/rows", ...), in the file's
order, so reading and writing a file is a copy. Activations run NCHW.

Masking happens inside the forward computation: every convolution uses
weight * mask, so a masked tap gets exactly zero gradient and never moves,
whatever the optimizer does. Each convolution runs on the bounding box of its
open taps only (all of them lie in rows <= centre, and a horizontal mask's in
columns <= centre), with the input padded or cropped to match.

PixelCNN ('pixelcnn'):

    x      = embed(levels) or levels * 2/(L-1) - 1
    h      = relu(conv0_A(x) + bias [+ rows + cols] [+ class])
    h      = h + relu(conv_l_B(h) + bias [+ class])        l = 1 .. layers-1
    h      = relu(head_B(h) + bias [+ class])              if headChannels
    logits = out_B(h) + bias [+ class]                     [B, H, W, C, L]

Gated PixelCNN ('gated'):

    av = v0_vA(x) + b [+ pos] [+ class];  ah = h0_hA(x) + b + av.link0 [+ pos] [+ class]
    v = gate(av); h = gate(ah)
    l >= 1:  av = v_l_vB(v) + b [+ class];  ah = h_l_hB(h) + b + av.link_l [+ class]
             v = gate(av);  h = h + res_l_B(gate(ah)) + b
    head and out as above, on h.
"""

import math

import torch
import torch.nn.functional as F

from .config import class_rows, has_no_class_row, validate_config
from .masks import build_mask, open_box

LN2 = math.log(2.0)


class LayerSpec:
    """One masked convolution: its file name, mask and kernel size, and how it is initialised."""

    def __init__(self, name, mask_type, region, k, cin, cout, gain):
        self.name = name
        self.mask_type = mask_type
        self.region = region
        self.k = k
        self.cin = cin
        self.cout = cout
        self.gain = gain


def _layer_specs(config):
    """The masked convolutions of an architecture, in file order."""
    C = config["colorChannels"]
    L = config["levels"]
    p = config["hiddenChannels"]
    E = config["inputEmbedding"]
    k0 = config["firstKernelSize"]
    k = config["kernelSize"]
    head = config["headChannels"]
    cin = C * E if E > 0 else C
    specs = []
    if config["architecture"] == "pixelcnn":
        specs.append(LayerSpec("conv0", "A", "causal", k0, cin, p, 1.0))
        for l in range(1, config["layers"]):
            specs.append(LayerSpec(f"conv{l}", "B", "causal", k, p, p, 0.5))
    else:
        for l in range(config["layers"]):
            kl, t, width_in = (k0, "A", cin) if l == 0 else (k, "B", p)
            specs.append(LayerSpec(f"v{l}", t, "vertical", kl, width_in, 2 * p, 1.0))
            specs.append(LayerSpec(f"h{l}", t, "horizontal", kl, width_in, 2 * p, 1.0))
            if l >= 1:
                specs.append(LayerSpec(f"res{l}", "B", "causal", 1, p, p, 0.5))
    if head > 0:
        specs.append(LayerSpec("head", "B", "causal", 1, p, head, 0.5))
    specs.append(LayerSpec("out", "B", "causal", 1, head or p, C * L, 0.25))
    return specs


def parameter_shapes(config):
    """(name, shape) of every variable of the model file, in the order docs/ARCHITECTURES.md lists them."""
    config = validate_config(config)
    C, L, E = config["colorChannels"], config["levels"], config["inputEmbedding"]
    H, W, K = config["height"], config["width"], config["classes"]
    p = config["hiddenChannels"]
    gated = config["architecture"] == "gated"
    specs = _layer_specs(config)
    shapes = []
    if E > 0:
        shapes.append(("embed/table", (C * L, E)))
    for spec in specs:
        shapes.append((f"{spec.name}/weight", (spec.k, spec.k, spec.cin, spec.cout)))
        if spec.name.startswith("h") and spec.name[1:].isdigit():
            # h{l} is followed by link{l}: [2p, 2p], no bias, no mask.
            shapes.append((f"{spec.name}/bias", (spec.cout,)))
            shapes.append((f"link{spec.name[1:]}/weight", (2 * p, 2 * p)))
            continue
        shapes.append((f"{spec.name}/bias", (spec.cout,)))
    first = ("v0", "h0") if gated else ("conv0",)
    if config["position"]:
        for name in first:
            n = 2 * p if gated else p
            shapes.append((f"{name}/rows", (H, n)))
            shapes.append((f"{name}/cols", (W, n)))
    if K > 0:
        rows = class_rows(config)
        for spec in specs:
            if spec.name.startswith("res"):
                continue
            shapes.append((f"{spec.name}/class", (rows, spec.cout)))
    return shapes


def gate(a, colors):
    """a [B, 2p, H, W], C groups of [f (q) | g (q)] -> [B, p, H, W], tanh(f) * sigmoid(g) per group."""
    b, n, height, width = a.shape
    q = n // (2 * colors)
    grouped = a.view(b, colors, 2, q, height, width)
    return (torch.tanh(grouped[:, :, 0]) * torch.sigmoid(grouped[:, :, 1])).reshape(b, n // 2, height, width)


def _shift(x, top, bottom, left, right):
    """Zero padding (positive) or cropping (negative) of NCHW x on each side."""
    _, _, height, width = x.shape
    x = x[:, :, max(0, -top) : height - max(0, -bottom), max(0, -left) : width - max(0, -right)]
    pads = (max(0, left), max(0, right), max(0, top), max(0, bottom))
    return F.pad(x, pads) if any(pads) else x


class TwinModel(torch.nn.Module):
    """Either architecture, by config["architecture"]; variables named and laid out as in the model file."""

    def __init__(self, config, seed=1, independent_channels=False):
        super().__init__()
        self.config = validate_config(config)
        # Colour groups of the masks and gates: C, so G sees R and B sees R and G at
        # the same pixel. With independent_channels, one group: every channel of a
        # pixel is predicted from the pixels before it alone (a baseline that shows
        # what the R -> G -> B order is worth; the app's model file cannot say this,
        # so such a model is scored by the twin and not shipped).
        self.independent_channels = bool(independent_channels)
        self.groups = 1 if self.independent_channels else self.config["colorChannels"]
        self.gated = self.config["architecture"] == "gated"
        self.specs = {spec.name: spec for spec in _layer_specs(self.config)}
        self.shapes = parameter_shapes(self.config)
        self.names = [name for name, _ in self.shapes]
        self.params = torch.nn.ParameterDict()
        self._masks = {}
        self._boxes = {}
        generator = torch.Generator().manual_seed(seed)
        for name, shape in self.shapes:
            layer, kind = name.rsplit("/", 1)
            value = torch.zeros(shape)
            if kind == "weight" and layer in self.specs:
                spec = self.specs[layer]
                mask = build_mask(spec.mask_type, spec.region, spec.k, spec.cin, spec.cout, self.groups)
                self.register_buffer(f"mask_{layer}", mask, persistent=False)
                self._masks[layer] = f"mask_{layer}"
                self._boxes[layer] = open_box(mask)
                open_per_output = max(1.0, float(mask.sum()) / spec.cout)
                std = spec.gain * math.sqrt(2.0 / open_per_output)
                value = torch.randn(shape, generator=generator) * std * mask
            elif kind == "weight":  # link: the vertical stack into the horizontal one
                value = torch.randn(shape, generator=generator) * 0.5 * math.sqrt(1.0 / shape[0])
            elif kind == "table":
                value = torch.randn(shape, generator=generator) * 0.5
            self.params[name] = torch.nn.Parameter(value)

    # ---- pieces ----

    def mask(self, layer):
        return getattr(self, self._masks[layer])

    def conv(self, layer, h):
        """conv(h, weight * mask, 'same') + bias on the open taps' bounding box; h and the result NCHW."""
        weight = self.params[f"{layer}/weight"]
        bias = self.params[f"{layer}/bias"]
        box = self._boxes[layer]
        if box is None:
            return bias.view(1, -1, 1, 1).expand(h.shape[0], -1, h.shape[2], h.shape[3])
        r0, r1, s0, s1 = box
        c = (weight.shape[0] - 1) // 2
        kernel = (weight * self.mask(layer))[r0 : r1 + 1, s0 : s1 + 1].permute(3, 2, 0, 1)
        return F.conv2d(_shift(h, c - r0, r1 - c, c - s0, s1 - c), kernel, bias)

    def conv_row(self, layer, h, r):
        """The same convolution at output row r only, [B, Cout, 1, W], from h [B, Cin, H, W] (reads rows <= r)."""
        weight = self.params[f"{layer}/weight"]
        bias = self.params[f"{layer}/bias"]
        box = self._boxes[layer]
        if box is None:
            return bias.view(1, -1, 1, 1).expand(h.shape[0], -1, 1, h.shape[3])
        r0, r1, s0, s1 = box
        c = (weight.shape[0] - 1) // 2
        kernel = (weight * self.mask(layer))[r0 : r1 + 1, s0 : s1 + 1].permute(3, 2, 0, 1)
        top, bottom = r - (c - r0), r - (c - r1)  # input rows the output row reads, inclusive
        rows = h[:, :, max(0, top) : max(0, bottom + 1)]
        return F.conv2d(_shift(rows, (r1 - r0 + 1) - rows.shape[2], 0, c - s0, s1 - c), kernel, bias)

    def extras(self, layer, labels, position=False, height=None):
        """The position and class biases of a layer's pre-activation, as something to add (or 0)."""
        total = 0
        if position:
            # The first `height` rows: a batch cropped to its top rows (the sampler's) keeps its row indices.
            rows = self.params[f"{layer}/rows"][:height]
            cols = self.params[f"{layer}/cols"]
            total = rows.t()[None, :, :, None] + cols.t()[None, :, None, :]
        if self.config["classes"] > 0:
            total = total + self.params[f"{layer}/class"][labels][:, :, None, None]
        return total

    def network_input(self, images):
        """images [B, H, W, C] integer levels -> x NCHW (scaled levels, or the embedding colour by colour)."""
        C, L, E = self.config["colorChannels"], self.config["levels"], self.config["inputEmbedding"]
        levels = images.long()
        if E == 0:
            x = levels.float() * (2.0 / (L - 1)) - 1.0
            return x.permute(0, 3, 1, 2)
        rows = levels + torch.arange(0, C * L, L, device=levels.device)
        b, height, width, _ = levels.shape
        x = self.params["embed/table"][rows].reshape(b, height, width, C * E)
        return x.permute(0, 3, 1, 2)

    @property
    def no_class(self):
        """The label of the "no class" row (= classes), or None when the model has none."""
        return self.config["classes"] if has_no_class_row(self.config) else None

    def check_labels(self, images, labels):
        K = self.config["classes"]
        if K == 0:
            return None
        if labels is None:
            raise ValueError(f"this model is conditioned on {K} classes: every image needs a label")
        labels = labels.long()
        if labels.shape != (images.shape[0],):
            raise ValueError(f"expected {images.shape[0]} labels, got shape {tuple(labels.shape)}")
        rows = class_rows(self.config)
        if bool(((labels < 0) | (labels >= rows)).any()):
            extra = f", or {K} for no class" if rows > K else ""
            raise ValueError(f"labels must be 0..{K - 1}{extra}")
        return labels

    # ---- the network ----

    def logits_nchw(self, images, labels=None):
        """images [B, H, W, C] -> logits [B, C*L, H, W] (channel c*L + v is colour c, level v)."""
        labels = self.check_labels(images, labels)
        x = self.network_input(images)
        position = self.config["position"]
        height = images.shape[1]
        if not self.gated:
            h = F.relu(self.conv("conv0", x) + self.extras("conv0", labels, position, height))
            for l in range(1, self.config["layers"]):
                h = h + F.relu(self.conv(f"conv{l}", h) + self.extras(f"conv{l}", labels))
        else:
            G = self.groups
            v, h = x, x
            for l in range(self.config["layers"]):
                pos = position and l == 0
                av = self.conv(f"v{l}", v) + self.extras(f"v{l}", labels, pos, height)
                link = self.params[f"link{l}/weight"]
                ah = self.conv(f"h{l}", h) + F.conv2d(av, link.t()[:, :, None, None]) + self.extras(f"h{l}", labels, pos, height)
                v = gate(av, G)
                if l == 0:
                    h = gate(ah, G)
                else:
                    h = h + self.conv(f"res{l}", gate(ah, G))
        if self.config["headChannels"] > 0:
            h = F.relu(self.conv("head", h) + self.extras("head", labels))
        return self.conv("out", h) + self.extras("out", labels)

    def row_logits(self, state, r, labels=None):
        """
        Logits of row r only, [B, C*L, 1, W], for the sampler: the network of
        logits_nchw computed one row at a time. state["x"] holds the network
        input [B, Cin, H, W] with rows <= r current; state["cache"] holds every
        layer's output for the rows above, and gets row r written. No layer
        reads a row below its output, so rows above r never change again.
        """
        cache = state.setdefault("cache", {})
        x = state["x"]
        b, _, _, width = x.shape

        def keep(name, row):
            if name not in cache:
                cache[name] = torch.zeros(b, row.shape[1], x.shape[2], width, device=x.device, dtype=row.dtype)
            cache[name][:, :, r : r + 1] = row
            return cache[name]

        def at_row(extra):
            return extra[:, :, r : r + 1] if torch.is_tensor(extra) and extra.dim() == 4 and extra.shape[2] > 1 else extra

        position = self.config["position"]
        if not self.gated:
            h = F.relu(self.conv_row("conv0", x, r) + at_row(self.extras("conv0", labels, position)))
            full = keep("conv0", h)
            for l in range(1, self.config["layers"]):
                h = h + F.relu(self.conv_row(f"conv{l}", full, r) + self.extras(f"conv{l}", labels))
                full = keep(f"conv{l}", h)
        else:
            G = self.groups
            v_full, h_full = x, x
            for l in range(self.config["layers"]):
                pos = position and l == 0
                av = self.conv_row(f"v{l}", v_full, r) + at_row(self.extras(f"v{l}", labels, pos))
                link = self.params[f"link{l}/weight"]
                ah = self.conv_row(f"h{l}", h_full, r) + F.conv2d(av, link.t()[:, :, None, None])
                ah = ah + at_row(self.extras(f"h{l}", labels, pos))
                v_full = keep(f"v{l}", gate(av, G))
                h_row = gate(ah, G) if l == 0 else h_full[:, :, r : r + 1] + self.conv(f"res{l}", gate(ah, G))
                h_full = keep(f"h{l}", h_row)
            h = h_full[:, :, r : r + 1]
        if self.config["headChannels"] > 0:
            h = F.relu(self.conv("head", h) + self.extras("head", labels))
        return self.conv("out", h) + self.extras("out", labels)

    def forward(self, images, labels=None):
        """images [B, H, W, C] int levels (labels [B] when classes > 0) -> logits [B, H, W, C, L]."""
        out = self.logits_nchw(images, labels)
        b, _, height, width = out.shape
        C, L = self.config["colorChannels"], self.config["levels"]
        return out.permute(0, 2, 3, 1).reshape(b, height, width, C, L)

    def bits_per_dim(self, images, labels=None):
        """Mean -log2 p(level) over every sub-pixel of the batch."""
        out = self.logits_nchw(images, labels)
        b, _, height, width = out.shape
        C, L = self.config["colorChannels"], self.config["levels"]
        scores = out.view(b, C, L, height, width).transpose(1, 2)  # [B, L, C, H, W]
        return F.cross_entropy(scores, images.long().permute(0, 3, 1, 2)) / LN2

    def parameter_list(self):
        """The parameters in file order (the optimizer's order)."""
        return [self.params[name] for name in self.names]

    def masked_value(self, name):
        """A variable's value as the file stores it: weights multiplied by their masks."""
        value = self.params[name].detach()
        layer, kind = name.rsplit("/", 1)
        if kind == "weight" and layer in self._masks:
            value = value * self.mask(layer)
        return value
