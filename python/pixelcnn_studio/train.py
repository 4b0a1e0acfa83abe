"""Pretraining with the twin: the schedule, batches and Adam of `npm run pretrain`.

Same settings object as src/pretrain/schedule.ts (config, seed, steps,
batchSize, peak/final learning rate, warm-up), the app's split of the
built-in digits, the same batch at every step, Adam as tfjs computes it.
A run checkpoints and resumes; Ctrl-C (SIGINT) or SIGTERM stops it after the
current step with a checkpoint.

One process (what `npm run pretrain -- --engine torch` starts):

    python3 -m pixelcnn_studio.train --settings settings.json --out model.json

Several processes with DistributedDataParallel, each taking a contiguous
share of every batch (CPU: gloo; CUDA: nccl):

    torchrun --nproc_per_node 2 -m pixelcnn_studio.train --settings settings.json --out model.json

Every rank computes its share's gradient, scaled so that DDP's average over
ranks is the gradient of the whole batch: the run takes the same steps as
one process would, up to float rounding.

With --events, progress goes to stdout as one JSON object per line (the
Node side draws the progress line from them); otherwise a readable line goes
to stderr every 50 steps.
"""

import argparse
import json
import math
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

from .adam import TfjsAdam
from .data import DATASETS, fit_to_config, read_builtin_split
from .model import TwinModel
from .modelfile import read_model, write_model
from .schedule import BatchOrder, dropped_labels, learning_rate_at, split_shares

CHECKPOINT_FORMAT = "pixelcnn-studio-torch-checkpoint"
SETTINGS_FIELDS = ("config", "seed", "steps", "batchSize", "peakLearningRate", "finalLearningRate", "warmupSteps")
#: Settings a run may add: "init", a model file to start from instead of random weights (a path
#: relative to the project root, or to the settings file); "guidance", the default guidance weight
#: the finished model's meta records.
OPTIONAL_SETTINGS = ("init", "guidance")
#: The guidance weight a model trained with label dropout samples with unless its settings say otherwise.
DEFAULT_GUIDANCE = 2.0
RUNNING_MEAN = 50
TRAIN_BITS_IMAGES = 1000


class CheckpointError(RuntimeError):
    pass


def settings_differ(a, b):
    """
    The first field in which two settings differ, as a sentence, or None (like
    settingsDiffer in checkpoint.ts). "init" is not compared: where a run
    started matters only at its first step, and a checkpoint already holds
    what came of it. Nor is "guidance", which only the finished model records.
    """

    def flat(s):
        out = dict(s["config"])
        out.update({k: v for k, v in s.items() if k not in ("config", "init", "guidance")})
        return out

    fa, fb = flat(a), flat(b)
    for key in list(fa) + [k for k in fb if k not in fa]:
        if fa.get(key) != fb.get(key):
            return f"{key} is {fb.get(key)} in the checkpoint but {fa.get(key)} now"
    return None


def start_from(model, path):
    """
    Copies a model file's weights into `model` (a warm start). The file's
    config must equal the model's but for labelDropout: when the model gains
    a "no class" row, it starts as the mean of the class rows, so the
    unconditional prediction starts as an average of the conditional ones.
    """
    source, _ = read_model(path)
    differ = [f for f in model.config if f != "labelDropout" and model.config[f] != source.config[f]]
    if differ:
        field = differ[0]
        raise ValueError(f"{path} has {field} {source.config[field]!r}, the settings {model.config[field]!r}")
    with torch.no_grad():
        for name in model.names:
            value = source.params[name].detach()
            target = model.params[name]
            if name.endswith("/class") and value.shape[0] < target.shape[0]:
                target[: value.shape[0]].copy_(value)
                target[value.shape[0] :].copy_(value.mean(dim=0, keepdim=True))
            elif value.shape == target.shape:
                target.copy_(value)
            else:
                raise ValueError(f"{path}: {name} has shape {tuple(value.shape)}, the model {tuple(target.shape)}")


def engine_name(device, threads, world):
    where = f"CUDA ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "CPU"
    ranks = f", {world} processes (DistributedDataParallel)" if world > 1 else ""
    per = "per process" if world > 1 else ""
    thread_text = f", {threads} thread{'s' if threads != 1 else ''}{(' ' + per) if per else ''}" if device.type == "cpu" else ""
    return f"torch {torch.__version__} ({where}{thread_text}{ranks})"


@torch.no_grad()
def evaluate_bits(model, pixels, labels, count, batch_size=16):
    """Mean bits per sub-pixel over the first `count` images, `batch_size` at a time (evaluateBitsPerDim)."""
    total = 0.0
    for start in range(0, count, batch_size):
        n = min(batch_size, count - start)
        batch_labels = None if labels is None else labels[start : start + n]
        total += float(model.bits_per_dim(pixels[start : start + n], batch_labels)) * n
    return total / count


class Loss(torch.nn.Module):
    """What DDP wraps: the model, with bits/dim as its forward."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, images, labels):
        return self.model.bits_per_dim(images, labels)


def train_step(loss_module, optimizer, images, labels, share_weight=1.0):
    """One Adam step on a batch (or this process's share of it); returns the share's bits/dim, detached."""
    optimizer.zero_grad(set_to_none=True)
    bits = loss_module(images, labels)
    (bits * share_weight).backward()
    optimizer.step()
    return bits.detach()


def save_checkpoint(path, model, optimizer, settings, step, elapsed, train_bits):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "settings": settings,
        "step": step,
        "elapsedSeconds": elapsed,
        "trainBits": list(train_bits),
        "model": {name: model.params[name].detach().cpu() for name in model.names},
        "optimizer": optimizer.state_dict(),
    }
    partial = f"{path}.partial"
    torch.save(state, partial)
    os.replace(partial, path)


def load_checkpoint(path, model, optimizer, settings):
    try:
        state = torch.load(path, map_location="cpu")
    except Exception as error:  # a damaged or foreign file
        raise CheckpointError(f"{path} cannot be resumed from ({error}); run with --fresh to start over") from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a torch pretraining checkpoint; run with --fresh to start over")
    difference = settings_differ(settings, state["settings"])
    if difference:
        raise CheckpointError(f"the checkpoint was made with other settings: {difference}; run with --fresh to start over")
    with torch.no_grad():
        for name in model.names:
            model.params[name].copy_(state["model"][name].to(model.params[name].device))
    optimizer.load_state_dict(state["optimizer"])
    return state["step"], state["elapsedSeconds"], list(state["trainBits"])


class Reporter:
    def __init__(self, events, active):
        self.events = events
        self.active = active
        self.last_line = 0

    def emit(self, event, **fields):
        if not self.active:
            return
        if self.events:
            sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
            sys.stdout.flush()
        elif event == "progress":
            if fields["step"] - self.last_line >= 50 or fields["step"] == fields["steps"]:
                self.last_line = fields["step"]
                held = "" if fields.get("heldOutBits") is None else f" · held-out {fields['heldOutBits']:.3f}"
                print(
                    f"step {fields['step']}/{fields['steps']} · {fields['trainBits']:.3f} bits/dim{held} · "
                    f"lr {fields['learningRate']:.1e} · {fields['elapsedSeconds']:.0f}s spent · "
                    f"{fields['secondsLeft']:.0f}s left",
                    file=sys.stderr,
                    flush=True,
                )
        else:
            print(f"{event}: {json.dumps(fields)}", file=sys.stderr, flush=True)


def run(args):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if args.device == "auto":
        device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    threads = args.threads or max(1, (os.cpu_count() or 1) // world)
    torch.set_num_threads(threads)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    settings_text = args.settings
    settings_dir = args.root
    if os.path.exists(settings_text):
        settings_dir = os.path.dirname(os.path.abspath(settings_text))
        with open(settings_text, "r", encoding="utf-8") as handle:
            settings_text = handle.read()
    settings = json.loads(settings_text)
    missing = [field for field in SETTINGS_FIELDS if field not in settings]
    if missing:
        raise ValueError(f"the settings lack {', '.join(missing)}")
    settings = {field: settings[field] for field in (*SETTINGS_FIELDS, *OPTIONAL_SETTINGS) if field in settings}
    if args.steps:
        settings["steps"] = args.steps
    model = TwinModel(settings["config"], settings["seed"], independent_channels=args.independent_channels).to(device)
    settings["config"] = dict(model.config)
    config = model.config
    batch_size = settings["batchSize"]
    if world > batch_size:
        raise ValueError(f"{world} processes cannot share a batch of {batch_size}")

    train, test = read_builtin_split(args.root, args.dataset, config["levels"])
    train, test = fit_to_config(train, config), fit_to_config(test, config)
    if args.train_images:
        train = train.select(range(min(args.train_images, train.count)))
    if args.test_images:
        test = test.select(range(min(args.test_images, test.count)))
    conditional = config["classes"] > 0
    if conditional and train.labels is None:
        raise ValueError("the config is conditional (classes > 0) but the digits have no labels; run npm run prepare-data")
    train_pixels = torch.from_numpy(train.pixels).to(device)
    test_pixels = torch.from_numpy(test.pixels).to(device)
    train_labels = torch.from_numpy(train.labels).to(device) if conditional else None
    test_labels = torch.from_numpy(test.labels).to(device) if conditional else None
    if conditional and int(train.labels.max()) >= config["classes"]:
        raise ValueError(f"the digits have labels up to {int(train.labels.max())}, the config only {config['classes']} classes")

    optimizer = TfjsAdam(model.parameter_list(), lr=settings["peakLearningRate"])
    step, elapsed_before, train_bits = 0, 0.0, []
    if args.checkpoint and not args.fresh and os.path.exists(args.checkpoint):
        step, elapsed_before, train_bits = load_checkpoint(args.checkpoint, model, optimizer, settings)
    elif settings.get("init"):
        init = settings["init"]
        candidates = [init] if os.path.isabs(init) else [os.path.join(args.root, init), os.path.join(settings_dir, init)]
        found = next((path for path in candidates if os.path.exists(path)), None)
        if found is None:
            raise FileNotFoundError(f"the settings start from {init}, which is not there")
        start_from(model, found)
    dropout = config["labelDropout"]
    no_class = model.no_class

    loss_module = Loss(model)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        loss_module = DistributedDataParallel(
            loss_module, device_ids=[device.index] if device.type == "cuda" else None, broadcast_buffers=False
        )
    reporter = Reporter(args.events, rank == 0)
    name = engine_name(device, threads, world)
    reporter.emit(
        "start",
        engine=name,
        trainImages=train.count,
        heldOutImages=test.count,
        step=step,
        steps=settings["steps"],
        batchSize=batch_size,
    )

    stop = {"requested": False}

    def request_stop(signum, frame):
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    order = BatchOrder(train.count, batch_size, settings["seed"])
    start_share, end_share = split_shares(batch_size, world)[rank]
    share_weight = world * (end_share - start_share) / batch_size
    started = time.monotonic()
    start_step = step
    held_out = None
    estimate_count = min(args.estimate_images, test.count)

    def elapsed():
        return elapsed_before + time.monotonic() - started

    def checkpoint():
        if rank == 0 and args.checkpoint:
            save_checkpoint(args.checkpoint, model, optimizer, settings, step, elapsed(), train_bits)

    def stop_everywhere():
        if world == 1:
            return stop["requested"]
        flag = torch.tensor([1.0 if stop["requested"] else 0.0], device=device)
        dist.all_reduce(flag)
        return bool(flag.item() > 0)

    finished = False
    while True:
        if step >= settings["steps"]:
            finished = True
            break
        if args.stop_after and step - start_step >= args.stop_after:
            stop["requested"] = True
        if stop_everywhere():
            break
        lr = learning_rate_at(step, settings)
        optimizer.set_learning_rate(lr)
        batch = order(step)
        indices = torch.tensor(batch[start_share:end_share], device=device)
        images = train_pixels[indices]
        labels = None
        if conditional and dropout > 0:
            kept = dropped_labels(train.labels[batch].tolist(), dropout, settings["seed"], step, no_class)
            labels = torch.tensor(kept[start_share:end_share], dtype=torch.long, device=device)
        elif conditional:
            labels = train_labels[indices]
        bits = train_step(loss_module, optimizer, images, labels, share_weight)
        batch_bits = bits * (end_share - start_share) / batch_size
        if world > 1:
            dist.all_reduce(batch_bits)
        value = float(batch_bits)
        if not math.isfinite(value):
            raise FloatingPointError(
                f"the loss became {value} at step {step + 1}; the last checkpoint is intact "
                "(lower the learning rate and start afresh)"
            )
        train_bits.append(value)
        step += 1
        if rank == 0 and (step % args.estimate_every == 0 or step == settings["steps"]):
            held_out = evaluate_bits(model, test_pixels, test_labels, estimate_count)
        if step % args.checkpoint_every == 0 and step < settings["steps"]:
            checkpoint()
        recent = train_bits[-RUNNING_MEAN:]
        seconds_per_step = (time.monotonic() - started) / (step - start_step)
        reporter.emit(
            "progress",
            step=step,
            steps=settings["steps"],
            trainBits=sum(recent) / len(recent),
            heldOutBits=held_out,
            learningRate=lr,
            elapsedSeconds=elapsed(),
            secondsLeft=seconds_per_step * (settings["steps"] - step),
            batchBits=value,
        )

    checkpoint()
    if not finished:
        reporter.emit("stopped", step=step, elapsedSeconds=elapsed())
        if world > 1:
            dist.destroy_process_group()
        return "stopped"

    if rank == 0:
        held_out_all = evaluate_bits(model, test_pixels, test_labels, test.count)
        train_count = min(TRAIN_BITS_IMAGES, train.count)
        train_all = evaluate_bits(model, train_pixels, train_labels, train_count)
        meta = {
            "steps": step,
            "epochs": round(step * batch_size / train.count, 2),
            "engine": "torch",
            "trainedWith": name,
            "heldOutBitsPerDim": held_out_all,
            "heldOutImages": test.count,
            "trainBitsPerDim": train_all,
            "trainBitsImages": train_count,
            "wallTimeSeconds": round(elapsed()),
            "dataset": args.dataset,
        }
        if no_class is not None:
            meta["guidance"] = float(settings.get("guidance", DEFAULT_GUIDANCE))
            no_class_labels = torch.full_like(test_labels, no_class)
            meta["unconditionalHeldOutBitsPerDim"] = evaluate_bits(model, test_pixels, no_class_labels, test.count)
        if args.dataset == "mnist":
            # The standard test set: figures that compare with published ones.
            meta["testBitsPerDim"] = held_out_all
            if no_class is not None:
                meta["unconditionalTestBitsPerDim"] = meta["unconditionalHeldOutBitsPerDim"]
        if model.independent_channels:
            meta["independentChannels"] = True
        if conditional and train.class_names:
            meta["classNames"] = list(train.class_names)
        if args.out:
            write_model(model, args.out, meta)
        reporter.emit("finished", out=args.out, **meta)
    if world > 1:
        dist.destroy_process_group()
    return "finished"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m pixelcnn_studio.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", required=True, help="the pretraining settings: a JSON file, or JSON text")
    parser.add_argument("--root", default=".", help="the project root (reads the built-in data in public/data/)")
    parser.add_argument("--dataset", default="digits", choices=DATASETS, help="the dataset to train on (mnist: the standard 60,000/10,000 split)")
    parser.add_argument(
        "--independent-channels",
        action="store_true",
        help="a baseline: one colour group, so no channel of a pixel sees another (scored here, not loadable by the app)",
    )
    parser.add_argument("--out", help="where to write the trained model file")
    parser.add_argument("--checkpoint", help="checkpoint file to resume from and write to")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--steps", type=int, help="override the settings' step count")
    parser.add_argument("--threads", type=int, default=0, help="torch threads per process (default: cores / processes)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1, ...")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--estimate-every", type=int, default=250)
    parser.add_argument("--estimate-images", type=int, default=200)
    parser.add_argument("--train-images", type=int, default=0, help="train on only the first N training digits (tests)")
    parser.add_argument("--test-images", type=int, default=0, help="hold out only the first N held-out digits (tests)")
    parser.add_argument("--events", action="store_true", help="progress as JSON lines on stdout")
    parser.add_argument("--stop-after", type=int, default=0, help="stop as Ctrl-C would after N steps of this run (tests)")
    args = parser.parse_args(argv)
    try:
        outcome = run(args)
    except (ValueError, CheckpointError, FileNotFoundError, FloatingPointError) as error:
        print(f"pixelcnn_studio.train: {error}", file=sys.stderr)
        return 1
    return 130 if outcome == "stopped" else 0


if __name__ == "__main__":
    sys.exit(main())
