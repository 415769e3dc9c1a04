"""One training loop for every torch model in the course.

``fit`` trains with a progress bar (``tqdm.auto``; ``progress=False`` or
``COURSEKIT_PROGRESS=0`` hides it), validates every epoch, stops early when the
validation loss stops improving, keeps the best weights (in memory and, if a
``checkpoint`` path is given, on disk, written atomically and read back with
``weights_only=True``) and restores them at the end. Mixed precision is used on
CUDA when ``amp=True``. It returns a :class:`History`.

Batches are tuples ``(x, y)`` or ``(x1, x2, ..., y)``; the model is called as
``model(x1, x2, ...)`` and the loss as ``loss_fn(output, y)``. A
``batch_transform(inputs, y) -> (inputs, y)`` runs on the device after the
batch is moved there (e.g. random rotations of galaxy images on the GPU).

Beyond one machine or GPU: the same script, unchanged, runs data-parallel under
``torchrun --nproc_per_node N script.py``. ``fit`` sees torchrun's ``WORLD_SIZE``
/ ``RANK`` / ``LOCAL_RANK``, joins the process group (NCCL on CUDA, gloo on
CPU), wraps the model in ``DistributedDataParallel`` (Li et al. 2020,
arXiv:2006.15704), gives each process its share of every ``DataLoader`` (a
``DistributedSampler``, reshuffled each epoch with ``set_epoch``), averages the
losses and metrics over all processes, keeps BatchNorm statistics identical on
every rank, writes checkpoints and draws progress bars on rank 0 only, and
leaves the process group it created at the end. ``batch_size`` stays per
process, so the global batch is ``N`` times larger.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from coursekit.config import get_device, show_progress

Batch = Sequence[torch.Tensor]
MetricFn = Callable[[torch.Tensor, torch.Tensor], float]


@dataclass
class History:
    """Per-epoch record of a ``fit`` run."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_loss: float = math.inf
    stopped_early: bool = False
    samples_seen: int = 0

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    @property
    def samples_per_second(self) -> float:
        total = sum(self.epoch_time)
        return self.samples_seen / total if total > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "metrics": self.metrics,
            "lr": self.lr,
            "epoch_time": self.epoch_time,
            "best_epoch": self.best_epoch,
            "best_val_loss": self.best_val_loss,
            "stopped_early": self.stopped_early,
        }

    def summary(self) -> str:
        best = f"best epoch {self.best_epoch + 1}" if self.best_epoch is not None else "no validation"
        parts = [f"{self.epochs} epochs", best, f"final train loss {self.train_loss[-1]:.4g}"]
        if self.val_loss:
            parts.append(f"best val loss {self.best_val_loss:.4g}")
        parts.append(f"{self.samples_per_second:,.0f} samples/s")
        return ", ".join(parts)


def _to_device(batch: Batch, device: torch.device) -> list[torch.Tensor]:
    if not isinstance(batch, (list, tuple)):
        raise ValueError(
            f"fit() expects batches (x, y) or (x1, x2, ..., y), e.g. from a TensorDataset; got a {type(batch).__name__}"
        )
    return [t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t for t in batch]


def _split(batch: Batch) -> tuple[list[torch.Tensor], torch.Tensor]:
    if not isinstance(batch, (list, tuple)) or len(batch) < 2:
        raise ValueError(
            "fit() expects batches (x, y) or (x1, x2, ..., y); got "
            f"{type(batch).__name__} of length {len(batch) if hasattr(batch, '__len__') else '?'}"
        )
    return list(batch[:-1]), batch[-1]


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write a state dict atomically (temporary file, then rename).

    For ``fit``'s best-weights file. A model file meant to be shared or loaded by a
    command is written with :func:`coursekit.checkpoint.save_model`, which records
    its topic and a sha256 of its tensors; topics still calling this for model files
    should move to it (this function stays for ``fit``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def load_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`, safely (``weights_only=True``).

    Nothing checks these bytes: load model files with :func:`coursekit.checkpoint.load_model`.
    """
    return torch.load(Path(path), map_location=map_location, weights_only=True)


# --------------------------------------------------------------------------- distributed (torchrun)


@dataclass(frozen=True)
class DistEnv:
    """Where this process sits in a ``torchrun`` job."""

    rank: int
    world_size: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def distributed_env() -> DistEnv | None:
    """The torchrun layout from ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``; ``None`` for a single process."""
    raw = {k: os.environ.get(k, "").strip() for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    if not raw["WORLD_SIZE"]:
        return None
    try:
        world, rank = int(raw["WORLD_SIZE"]), int(raw["RANK"] or 0)
        local = int(raw["LOCAL_RANK"] or rank)
    except ValueError:
        raise ValueError(
            f"WORLD_SIZE/RANK/LOCAL_RANK must be integers, got {raw}; launch with torchrun, which sets them"
        ) from None
    if world <= 1:
        return None
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} is outside 0..{world - 1} (WORLD_SIZE={world}); launch with torchrun")
    return DistEnv(rank=rank, world_size=world, local_rank=local)


def is_main_process() -> bool:
    """True on rank 0 of a torchrun job and in an ordinary single process: the one that writes files and prints."""
    env = distributed_env()
    return env is None or env.is_main


class _ShardSampler(torch.utils.data.Sampler):
    """Indices ``rank, rank + world, ...`` of ``n``: every example evaluated exactly once across the ranks."""

    def __init__(self, n: int, rank: int, world_size: int) -> None:
        self.n, self.rank, self.world_size = n, rank, world_size

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, self.n, self.world_size))

    def __len__(self) -> int:
        return len(range(self.rank, self.n, self.world_size))


def _shard_loader(loader: Any, env: DistEnv, *, train: bool) -> Any:
    """A copy of a map-style ``DataLoader`` that yields only this rank's share; other iterables unchanged."""
    from torch.utils.data import DataLoader, DistributedSampler, IterableDataset, RandomSampler

    if (not isinstance(loader, DataLoader) or isinstance(loader.dataset, IterableDataset)
            or loader.batch_size is None):
        if env.is_main:
            import warnings

            warnings.warn(
                f"fit under torchrun: a {type(loader).__name__} that is not a DataLoader with a batch_size cannot be "
                "split between processes, so every process sees all of it (correct, but no speed-up); "
                "pass a torch DataLoader",
                RuntimeWarning,
                stacklevel=3,
            )
        return loader
    if train:
        seed = loader.generator.initial_seed() if loader.generator is not None else 0
        sampler = DistributedSampler(loader.dataset, num_replicas=env.world_size, rank=env.rank,
                                     shuffle=isinstance(loader.sampler, RandomSampler), seed=seed)
    else:
        sampler = _ShardSampler(len(loader.dataset), env.rank, env.world_size)
    return DataLoader(
        loader.dataset, batch_size=loader.batch_size, sampler=sampler, num_workers=loader.num_workers,
        collate_fn=loader.collate_fn, pin_memory=loader.pin_memory, drop_last=loader.drop_last,
        timeout=loader.timeout, worker_init_fn=loader.worker_init_fn,
        persistent_workers=loader.persistent_workers and loader.num_workers > 0,
    )


def _all_reduce_sum(values: Sequence[float], device: torch.device) -> list[float]:
    import torch.distributed as dist

    t = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def _sync_buffers(model: nn.Module) -> None:
    """Give every rank rank 0's buffers (BatchNorm running statistics), so all ranks hold the same model."""
    import torch.distributed as dist

    for b in model.buffers():
        dist.broadcast(b, src=0)


@torch.no_grad()
def _evaluate(model: nn.Module, loader: Iterable[Batch], loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
              device: torch.device, metrics: dict[str, MetricFn] | None, env: DistEnv | None) -> dict[str, float]:
    model.eval()
    total, n = 0.0, 0
    outs, ys = [], []
    for batch in loader:
        inputs, y = _split(_to_device(batch, device))
        out = model(*inputs)
        total += float(loss_fn(out, y)) * len(y)
        n += len(y)
        if metrics:
            outs.append(out.detach().float().cpu())
            ys.append(y.detach().cpu())
    if env is not None:
        import torch.distributed as dist

        total, n = _all_reduce_sum([total, n], device)
        n = int(round(n))
        if metrics:
            gathered: list[Any] = [None] * env.world_size
            dist.all_gather_object(gathered, (outs, ys))
            outs = [o for part_outs, _ in gathered for o in part_outs]
            ys = [y for _, part_ys in gathered for y in part_ys]
    if n == 0:
        raise ValueError("evaluate() got an empty loader")
    result = {"loss": total / n}
    if metrics:
        o, t = torch.cat(outs), torch.cat(ys)
        result.update({name: float(fn(o, t)) for name, fn in metrics.items()})
    return result


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    device: torch.device | str | None = None,
    metrics: dict[str, MetricFn] | None = None,
) -> dict[str, float]:
    """Mean loss (and metrics computed on all outputs) of ``model`` over ``loader``."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    return _evaluate(model, loader, loss_fn, device, metrics, None)


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Temporarily set ``torch.set_num_threads(n)``, restored on exit (``None``: leave it alone)."""
    if n is None:
        yield
        return
    if int(n) < 1:
        raise ValueError(f"threads must be >= 1, got {n}")
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch] | None = None,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    epochs: int = 10,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    scheduler: Any | None = None,
    scheduler_step: str = "epoch",
    device: torch.device | str | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    checkpoint: str | os.PathLike | None = None,
    restore_best: bool = True,
    amp: bool = False,
    grad_clip: float | None = None,
    batch_transform: Callable[[list[torch.Tensor], torch.Tensor], tuple[list[torch.Tensor], torch.Tensor]]
    | None = None,
    metrics: dict[str, MetricFn] | None = None,
    progress: bool | None = None,
    desc: str = "training",
    threads: int | None = None,
) -> History:
    """Train ``model`` and return its :class:`History`.

    Parameters
    ----------
    model, train_loader, val_loader:
        A torch module and iterables of ``(inputs..., target)`` batches.
    loss_fn:
        ``loss_fn(model_output, target) -> scalar tensor``.
    optimizer:
        Defaults to ``AdamW(lr, weight_decay)``.
    scheduler:
        Any torch LR scheduler; stepped every epoch (``scheduler_step="epoch"``)
        or every batch (``"batch"``, e.g. OneCycle). ``ReduceLROnPlateau`` gets
        the validation loss.
    patience:
        Stop after this many epochs without a validation improvement of more
        than ``min_delta``. ``None`` trains for all ``epochs``.
    checkpoint:
        Path for the best weights; written atomically at each improvement.
    restore_best:
        Load the best-validation weights into ``model`` before returning.
    amp:
        Mixed precision (bfloat16/float16 autocast with loss scaling); CUDA only,
        ignored elsewhere.
    threads:
        torch intra-op CPU threads while training on a CPU, restored afterwards
        (:func:`torch_threads`). Small networks often train as fast on one thread
        and leave the other cores to the notebook; ``None`` keeps torch's setting.

    Under ``torchrun --nproc_per_node N`` the same call trains data-parallel (see the
    module docstring): ``batch_size`` is per process, the returned :class:`History`
    holds losses and metrics averaged over all processes, and every process ends with
    the same weights.
    """
    env = distributed_env()
    device = torch.device(device) if device is not None else get_device()
    if env is not None and device.type == "cuda":
        device = torch.device("cuda", env.local_rank)  # one GPU per process
        torch.cuda.set_device(device)
    owns_group = False
    if env is not None:
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo",
                                    rank=env.rank, world_size=env.world_size)
            owns_group = True
    try:
        with torch_threads(threads if device.type == "cpu" else None):
            return _fit(
                model, train_loader, val_loader, loss_fn=loss_fn, epochs=epochs, optimizer=optimizer, lr=lr,
                weight_decay=weight_decay, scheduler=scheduler, scheduler_step=scheduler_step, device=device,
                patience=patience, min_delta=min_delta, checkpoint=checkpoint, restore_best=restore_best, amp=amp,
                grad_clip=grad_clip, batch_transform=batch_transform, metrics=metrics, progress=progress, desc=desc,
                env=env,
            )
    finally:
        if owns_group:
            dist.destroy_process_group()
        release_memory()


def release_memory() -> None:
    """Collect garbage and hand the C heap's free pages back to the system (glibc's ``malloc_trim``).

    glibc keeps the pages of freed blocks (a training run's activations and gradients, a simulator's work arrays),
    so a notebook's resident memory would stay at each step's high-water mark and every later step would add its
    own peak on top of it (Binder gives 2 GB): in notebook 04 this takes the runner's peak from 1571 to 1372 MB, in
    02 from 1567 to 1475 MB. ``fit`` calls it at the end; topics call it after other heavy steps. Where the C
    library has no ``malloc_trim`` (macOS, Windows, musl) it only collects garbage. (A fixed mmap threshold,
    ``mallopt``, would return more but costs ~25% more CPU in page faults while training.)
    """
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        libc = None
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _fit(model, train_loader, val_loader, *, loss_fn, epochs, optimizer, lr, weight_decay, scheduler, scheduler_step,
         device: torch.device, patience, min_delta, checkpoint, restore_best, amp, grad_clip, batch_transform, metrics,
         progress, desc, env: DistEnv | None) -> History:
    model.to(device)
    if optimizer is None:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    net: nn.Module = model
    if env is not None:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        train_loader = _shard_loader(train_loader, env, train=True)
        if val_loader is not None:
            val_loader = _shard_loader(val_loader, env, train=False)
    main_rank = env is None or env.is_main
    use_amp = bool(amp) and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    progress = (show_progress() if progress is None else progress) and main_rank
    history = History()
    best_state: dict[str, torch.Tensor] | None = None
    since_best = 0

    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=True)
    for epoch in bar:
        net.train()
        sampler = getattr(train_loader, "sampler", None)
        if env is not None and hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on every rank
        t0 = time.perf_counter()
        running, seen = 0.0, 0
        for batch in train_loader:
            inputs, y = _split(_to_device(batch, device))
            if batch_transform is not None:
                inputs, y = batch_transform(inputs, y)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, enabled=use_amp):
                out = net(*inputs)
                loss = loss_fn(out, y)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"loss became {loss.item()} at epoch {epoch + 1}; lower the learning rate or check the inputs"
                )
            scaler.scale(loss).backward()
            if grad_clip is not None:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            scaler.step(optimizer)
            scaler.update()
            if scheduler is not None and scheduler_step == "batch":
                scheduler.step()
            running += float(loss.detach()) * len(y)
            seen += len(y)
        if env is not None:
            _sync_buffers(model)
            running, seen = _all_reduce_sum([running, seen], device)
            seen = int(round(seen))
        if seen == 0:
            raise ValueError("fit() got an empty train_loader")
        history.epoch_time.append(time.perf_counter() - t0)
        history.samples_seen += seen
        history.train_loss.append(running / seen)
        history.lr.append(float(optimizer.param_groups[0]["lr"]))

        postfix = {"train": f"{history.train_loss[-1]:.4g}"}
        monitored = history.train_loss[-1]
        if val_loader is not None:
            res = _evaluate(model, val_loader, loss_fn, device, metrics, env)
            history.val_loss.append(res.pop("loss"))
            for k, v in res.items():
                history.metrics.setdefault(k, []).append(v)
            monitored = history.val_loss[-1]
            postfix["val"] = f"{monitored:.4g}"
            postfix.update({k: f"{v:.3g}" for k, v in res.items()})
        bar.set_postfix(postfix)

        if scheduler is not None and scheduler_step == "epoch":
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(monitored)
            else:
                scheduler.step()

        if monitored < history.best_val_loss - min_delta:
            history.best_val_loss = monitored
            history.best_epoch = epoch
            since_best = 0
            best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
            if checkpoint is not None and main_rank:
                save_checkpoint(best_state, checkpoint)
        else:
            since_best += 1
            if patience is not None and since_best >= patience:
                history.stopped_early = True
                break
    bar.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    if val_loader is None:
        history.best_val_loss = math.inf if not history.val_loss else history.best_val_loss
    return history


@torch.no_grad()
def predict(
    model: nn.Module,
    data: torch.Tensor | np.ndarray | Iterable[Batch],
    *,
    batch_size: int = 512,
    device: torch.device | str | None = None,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> np.ndarray:
    """Run ``model`` in eval mode over a tensor/array (batched) or a loader; return NumPy outputs.

    With a loader, the last element of each batch (the target) is ignored.
    ``transform`` is applied to the raw outputs (e.g. ``torch.softmax``).
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    outs = []
    if isinstance(data, (np.ndarray, torch.Tensor)):
        x = torch.as_tensor(data, dtype=torch.float32)
        batches: Iterable = ((x[i : i + batch_size],) for i in range(0, len(x), batch_size))
        for (xb,) in batches:
            o = model(xb.to(device))
            outs.append((transform(o) if transform else o).float().cpu())
    else:
        for batch in data:
            inputs = _to_device(batch[:-1] if len(batch) > 1 else batch, device)
            o = model(*inputs)
            outs.append((transform(o) if transform else o).float().cpu())
    return torch.cat(outs).numpy()


def make_loaders(
    *arrays: np.ndarray | torch.Tensor,
    batch_size: int = 128,
    val_fraction: float = 0.2,
    seed: int = 0,
    shuffle: bool = True,
) -> tuple[torch.utils.data.DataLoader, torch.utils.data.DataLoader]:
    """Split arrays (all with the same first dimension; last one is the target) into train/val loaders."""
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"make_loaders: arrays have different lengths {[len(a) for a in arrays]}")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    rng = np.random.default_rng(seed)
    idx = rng.permutation(n)
    n_val = max(1, int(round(n * val_fraction)))
    tensors = [torch.as_tensor(np.asarray(a)) if not isinstance(a, torch.Tensor) else a for a in arrays]
    tensors = [t.float() if t.is_floating_point() else t for t in tensors]
    val_idx, tr_idx = torch.as_tensor(idx[:n_val]), torch.as_tensor(idx[n_val:])
    train = torch.utils.data.TensorDataset(*[t[tr_idx] for t in tensors])
    val = torch.utils.data.TensorDataset(*[t[val_idx] for t in tensors])
    g = torch.Generator().manual_seed(seed)
    return (
        torch.utils.data.DataLoader(train, batch_size=batch_size, shuffle=shuffle, generator=g),
        torch.utils.data.DataLoader(val, batch_size=batch_size),
    )


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
