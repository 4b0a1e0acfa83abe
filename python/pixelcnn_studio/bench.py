"""Times pretraining steps of the twin for `npm run bench:pretrain` (src/bench/pretrainNode.ts):
the settings' model, Adam, real batches of the app's training split in the
run's order, on one process with `--threads` torch threads. Prints one JSON line:

    {"engine": "torch 1.13.0 (CPU, 1 thread)", "threads": 1, "stepMs": [...]}

with the wall time of each timed step (after `--warmup` untimed ones).
"""

import argparse
import json
import time

import torch

from .adam import TfjsAdam
from .data import fit_to_config, read_mnist_split
from .model import TwinModel
from .schedule import BatchOrder, learning_rate_at
from .train import Loss, engine_name, train_step


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m pixelcnn_studio.bench")
    parser.add_argument("--settings", required=True, help="the pretraining settings as JSON text")
    parser.add_argument("--root", default=".")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    settings = json.loads(args.settings)
    model = TwinModel(settings["config"], settings["seed"]).to(device)
    config = model.config
    train, _ = read_mnist_split(args.root, config["levels"])
    train = fit_to_config(train, config)
    pixels = torch.from_numpy(train.pixels).to(device)
    labels = torch.from_numpy(train.labels).to(device) if config["classes"] > 0 else None
    optimizer = TfjsAdam(model.parameter_list(), lr=settings["peakLearningRate"])
    loss = Loss(model)
    order = BatchOrder(train.count, settings["batchSize"], settings["seed"])
    times = []
    for step in range(args.warmup + args.steps):
        started = time.perf_counter()
        optimizer.set_learning_rate(learning_rate_at(step, settings))
        indices = torch.tensor(order(step), device=device)
        bits = train_step(loss, optimizer, pixels[indices], None if labels is None else labels[indices])
        float(bits)  # waits for the step, as the Node side waits for the loss
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step >= args.warmup:
            times.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"engine": engine_name(device, args.threads, 1), "threads": args.threads, "stepMs": times}))


if __name__ == "__main__":
    main()
