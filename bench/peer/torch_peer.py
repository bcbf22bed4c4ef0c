#!/usr/bin/python3
"""The PyTorch peer of Dojo's benchmark: what a student would write instead of submitting a Dojo job.

It trains the network a Dojo job spec describes (the same JSON the bench submits) with plain PyTorch: the same data set,
layers, optimizer, batch size, epochs and threads, and the figures a job reports (each epoch's training loss and
accuracy, held-out loss and accuracy; at the end the test set's and the training set's). Supervised jobs (dense,
conv2d, maxPool2d, flatten, activations, an LSTM/GRU over image rows), GANs on points and DQN on the cart-pole.

It runs as a server so that it is warm between rounds and the bench can alternate it with Dojo: one JSON job spec per
line on stdin, one JSON line back on stdout: {"seconds": s, "samples": n} — seconds from loading the data to the last
figure, and the training samples (GAN: real samples, DQN: environment steps) seen in them.

Run with Debian's python3-torch (1.13) and OpenBLAS: bench/run.sh starts it as
    OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=SKYLAKEX LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 bench/peer/torch_peer.py --threads 1
OpenBLAS 0.3.21 (Debian 12) does not know the development machine's Xeon (family 6, model 207) and falls back to its
SSE3 "Prescott" kernels, several times slower at matrix products than its AVX-512 ones (--blas-check measures it, with
and without OPENBLAS_CORETYPE); OPENBLAS_CORETYPE names the kernels so that the peer is PyTorch at its best here, not a
crippled one. The ready line says which kernels OpenBLAS chose.
"""
import argparse
import ctypes
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATASETS = {"mnistSubset": "mnist-subset", "digits": "digits"}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def image_splits(dataset):
    """Dojo's split sizes: the first testCount shuffled images test, the next trainCount train, their last
    validationPercent % validate (the images themselves may differ from Dojo's: a different shuffle)."""
    folder = os.path.join(ROOT, "datasets", DATASETS[dataset["name"]])
    images = read_idx(os.path.join(folder, "images.idx.gz")).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(folder, "labels.idx.gz")).astype(np.int64)
    order = np.random.default_rng(dataset.get("seed", 1)).permutation(len(images))
    test_count = dataset.get("testCount", len(images) // 5)
    train_count = dataset.get("trainCount", len(images) - test_count)
    test, train = order[:test_count], order[test_count:test_count + train_count]
    validation_count = train_count * dataset.get("validationPercent", 10) // 100
    train, validation = train[:train_count - validation_count], train[train_count - validation_count:]
    shape = images.shape[1:] if dataset.get("asSequence") else (1,) + images.shape[1:]

    def tensors(index):
        return torch.from_numpy(images[index].reshape((len(index),) + shape)).contiguous(), torch.from_numpy(labels[index])
    return tensors(train), tensors(validation), tensors(test)


class LastStep(nn.Module):
    """An LSTM or GRU over the rows, its last step's output."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0][:, -1]


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leakyRelu": lambda: nn.LeakyReLU(0.2)}


def build(layers, shape):
    """The spec's layers as a Sequential; a closing softmax is left out (cross-entropy takes the logits, as in Dojo)."""
    modules, shape = [], list(shape)
    for i, layer in enumerate(layers):
        kind = layer["type"]
        if kind == "dense":
            modules.append(nn.Linear(shape[-1], layer["units"]))
            shape = [layer["units"]]
        elif kind == "conv2d":
            k = layer["kernel"]
            padding = k // 2 if layer.get("padding") == "same" else 0
            modules.append(nn.Conv2d(shape[0], layer["outChannels"], k, padding=padding))
            shape = [layer["outChannels"], shape[1] + 2 * padding - k + 1, shape[2] + 2 * padding - k + 1]
        elif kind == "maxPool2d":
            k = layer["kernel"]
            modules.append(nn.MaxPool2d(k))
            shape = [shape[0], shape[1] // k, shape[2] // k]
        elif kind == "flatten":
            modules.append(nn.Flatten())
            shape = [int(np.prod(shape))]
        elif kind in ("lstm", "gru"):
            rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(shape[-1], layer["hiddenSize"], batch_first=True)
            modules.append(LastStep(rnn))
            shape = [layer["hiddenSize"]]
        elif kind == "activation":
            if layer["function"] == "softmax" and i == len(layers) - 1:
                continue
            modules.append(ACTIVATIONS[layer["function"]]())
        else:
            raise ValueError(f"the peer has no {kind} layer")
    return nn.Sequential(*modules)


def optimizer(spec, parameters):
    kind, lr = spec["kind"], spec["learningRate"]
    if kind == "adam":
        return torch.optim.Adam(parameters, lr, betas=(spec.get("beta1", 0.9), spec.get("beta2", 0.999)), eps=spec.get("epsilon", 1e-8))
    if kind == "sgd":
        return torch.optim.SGD(parameters, lr)
    if kind == "momentum":
        return torch.optim.SGD(parameters, lr, momentum=spec.get("momentum", 0.9))
    raise ValueError(f"the peer has no {kind} optimizer")


def evaluate(net, x, y, chunk=1000):
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), chunk):
            output = net(x[start:start + chunk])
            target = y[start:start + chunk]
            loss_sum += F.cross_entropy(output, target, reduction="sum").item()
            correct += (output.argmax(1) == target).sum().item()
    return loss_sum / len(x), correct / len(x)


def supervised(spec):
    torch.manual_seed(spec["training"].get("seed", 1))
    (x, y), (vx, vy), (tx, ty) = image_splits(spec["dataset"])
    net = build(spec["network"]["layers"], x.shape[1:])
    opt = optimizer(spec["optimizer"], net.parameters())
    n, batch, epochs = len(x), spec["training"]["batchSize"], spec["training"]["epochs"]
    for _ in range(epochs):
        order = torch.randperm(n)
        loss_sum, correct = 0.0, 0
        net.train()
        for start in range(0, n, batch):
            index = order[start:start + batch]
            target = y[index]
            opt.zero_grad()
            output = net(x[index])
            loss = F.cross_entropy(output, target)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(index)
            correct += (output.detach().argmax(1) == target).sum().item()
        _ = (loss_sum / n, correct / n, evaluate(net, vx, vy))
    _ = (evaluate(net, tx, ty), evaluate(net, x, y))
    return n * epochs


def ring(samples, seed, modes=8, radius=2.0, deviation=0.02):
    rng = np.random.default_rng(seed)
    angle = rng.integers(0, modes, samples) * 2 * math.pi / modes
    centres = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    return torch.from_numpy((centres + rng.normal(0, deviation, (samples, 2))).astype(np.float32))


def energy_distance(a, b):
    return (2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean() - torch.cdist(b, b).mean()).item()


def gan(spec):
    """Each batch one discriminator step and one generator step (non-saturating), each epoch the generator judged on
    1,000 fixed noise samples by the energy distance to 1,000 held real points (Dojo also draws a picture)."""
    torch.manual_seed(spec["training"].get("seed", 1))
    points = spec["dataset"]
    real = ring(points["samples"], points.get("seed", 1))
    held = ring(1000, points.get("seed", 1) + 1)
    latent = spec["latent"]["size"]
    generator = build(spec["generator"]["layers"], [latent])
    discriminator = build(spec["discriminator"]["layers"], [2])
    g_opt = optimizer(spec["generatorOptimizer"], generator.parameters())
    d_opt = optimizer(spec["discriminatorOptimizer"], discriminator.parameters())
    judge_noise = torch.randn(1000, latent)
    n, batch, epochs = len(real), spec["training"]["batchSize"], spec["training"]["epochs"]
    for _ in range(epochs):
        order = torch.randperm(n)
        generator.train()
        discriminator.train()
        d_sum = g_sum = d_real = d_fake = 0.0
        for start in range(0, n, batch):
            index = order[start:start + batch]
            fake = generator(torch.randn(len(index), latent)).detach()
            d_opt.zero_grad()
            real_logits, fake_logits = discriminator(real[index]), discriminator(fake)
            d_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + \
                F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
            d_loss.backward()
            d_opt.step()
            d_sum += d_loss.item()
            d_real += torch.sigmoid(real_logits.detach()).mean().item()
            d_fake += torch.sigmoid(fake_logits.detach()).mean().item()
            g_opt.zero_grad()
            judged = discriminator(generator(torch.randn(batch, latent)))
            g_loss = F.binary_cross_entropy_with_logits(judged, torch.ones_like(judged))
            g_loss.backward()
            g_opt.step()
            g_sum += g_loss.item()
        generator.eval()
        with torch.no_grad():
            _ = (d_sum, g_sum, d_real, d_fake, energy_distance(generator(judge_noise), held))
    return n * epochs


class CartPole:
    """Gym's CartPole-v1 equations (as Dojo's CartPole)."""

    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.state = list(self.rng.uniform(-0.05, 0.05, 4))
        self.steps = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot * theta_dot * sin) / 1.1
        theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos * cos / 1.1))
        x_acc = temp - 0.05 * theta_acc * cos / 1.1
        self.state = [x + 0.02 * x_dot, x_dot + 0.02 * x_acc, theta + 0.02 * theta_dot, theta_dot + 0.02 * theta_acc]
        self.steps += 1
        failed = abs(self.state[0]) > 2.4 or abs(self.state[2]) > 12 * 2 * math.pi / 360
        return np.array(self.state, dtype=np.float32), 1.0, failed, not failed and self.steps >= 500


def dqn(spec):
    """DQN as the job spec sets it (replay, target network, Huber loss, double DQN, gradient clipping), for the
    spec's environment steps; periodic evaluation is left to the spec (the bench turns it off on both sides)."""
    torch.manual_seed(spec["training"].get("seed", 1))
    rng = np.random.default_rng(spec["training"].get("seed", 1))
    env = CartPole(rng)
    online, target = build(spec["network"]["layers"], [4]), build(spec["network"]["layers"], [4])
    target.load_state_dict(online.state_dict())
    opt = optimizer(spec["optimizer"], online.parameters())
    replay, explore = spec["replay"], spec["exploration"]
    capacity, batch = replay["capacity"], replay["batchSize"]
    states, nexts = np.zeros((capacity, 4), np.float32), np.zeros((capacity, 4), np.float32)
    actions, rewards, discounts = np.zeros(capacity, np.int64), np.zeros(capacity, np.float32), np.zeros(capacity, np.float32)
    gamma, steps, stored = spec["gamma"], 0, 0
    total = spec["training"]["steps"]
    while steps < total:
        observation, done = env.reset(), False
        while not done and steps < total:
            epsilon = max(explore["end"], explore["start"] + (explore["end"] - explore["start"]) * steps / explore["decaySteps"])
            if rng.random() < epsilon:
                action = int(rng.integers(2))
            else:
                with torch.no_grad():
                    action = int(online(torch.from_numpy(observation).unsqueeze(0)).argmax(1).item())
            following, reward, terminated, truncated = env.step(action)
            slot = stored % capacity
            states[slot], actions[slot], rewards[slot], nexts[slot] = observation, action, max(-1.0, min(1.0, reward)), following
            discounts[slot] = 0.0 if terminated else gamma
            stored, steps = stored + 1, steps + 1
            observation, done = following, terminated or truncated
            if steps > replay["learningStarts"] and steps % replay["trainFrequency"] == 0:
                for _ in range(replay.get("gradientSteps", 1)):
                    pick = rng.integers(0, min(stored, capacity), batch)
                    s, a, r, s2, d = (torch.from_numpy(v[pick]) for v in (states, actions, rewards, nexts, discounts))
                    online.train()
                    q = online(s)
                    taken = q.gather(1, a.unsqueeze(1)).squeeze(1)
                    with torch.no_grad():
                        bootstrap = target(s2).gather(1, online(s2).argmax(1, keepdim=True)).squeeze(1)
                        goal = r + bootstrap * d
                    loss = F.huber_loss(taken, goal)
                    opt.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(online.parameters(), spec["gradientClipping"])
                    opt.step()
                    _ = (loss.item(), q.detach().max(1).values.mean().item())
            if steps % spec["target"]["updateEvery"] == 0:
                target.load_state_dict(online.state_dict())
    return total


def run(spec):
    kind = spec.get("kind", "supervised")
    return {"gan": gan, "dqn": dqn}.get(kind, supervised)(spec)


def blas_kernels():
    """The kernels OpenBLAS chose in this process (None when torch's BLAS is not OpenBLAS)."""
    try:
        blas = ctypes.CDLL("libopenblas.so.0")
        blas.openblas_get_corename.restype = ctypes.c_char_p
        return blas.openblas_get_corename().decode()
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--blas-check", action="store_true", help="print the BLAS kernels and a 100x784x100 product's GFLOP/s, then stop")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.blas_check:
        a, b = torch.rand(100, 784), torch.rand(784, 100)
        times = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(500):
                a @ b
            times.append((time.perf_counter() - start) / 500)
        print(f"{blas_kernels()} kernels: 100x784x100 product {2 * 100 * 784 * 100 / sorted(times)[3] / 1e9:.1f} GFLOP/s (median of 7)")
        return
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas": os.environ.get("LD_LIBRARY_PATH", "system"), "kernels": blas_kernels()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        start = time.perf_counter()
        samples = run(spec)
        print(json.dumps({"seconds": time.perf_counter() - start, "samples": samples}), flush=True)


if __name__ == "__main__":
    main()
