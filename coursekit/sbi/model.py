"""Neural posterior estimation with ``sbi``: train (amortised or sequential), sample, save and load.

* :func:`train_posterior`: amortised NPE (Papamakarios & Murray 2016; Greenberg et al. 2019) through sbi's
  ``NPE`` class (``append_simulations(...).train()``, ``build_posterior()``): one network for every observation.
* :func:`train_sequential`: sequential NPE (APT, Greenberg et al. 2019) on one observation: each round draws its
  parameters from the previous round's posterior at that observation, and sbi's ``NPE`` corrects for the proposal
  (``append_simulations(theta, x, proposal=...)``, atomic loss).
* :func:`save_posterior` / :func:`load_posterior`: the trained flow as a self-checking ``coursekit.checkpoint``
  model file (topic ``"sbi"``).

The band powers enter the network as ``ln x`` (:func:`features`): cosmic variance is multiplicative, so the log
makes the noise nearly homoscedastic and the flow's job easier. Imports of torch and sbi stay inside the functions.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from coursekit.metrics import Measurement, binomial_err
from coursekit.sbi.config import REDUCED, Config
from coursekit.sbi.simulate import FIDUCIAL_SURVEY, Problem, Survey, get_problem, sample_prior, simulate

__all__ = ["TrainedPosterior", "features", "load_posterior", "save_posterior", "train_posterior", "train_sequential"]


@contextmanager
def _stdout_unless(progress: bool):
    """sbi prints its convergence line and its loss choice with ``print``; keep stdout clean (``--json``) unless
    progress output was asked for."""
    import contextlib
    import io

    if progress:
        yield
    else:
        with contextlib.redirect_stdout(io.StringIO()):
            yield


@contextmanager
def quiet_sbi():
    """Silence warnings that sbi/nflows raise on every call and that say nothing about our results:
    nflows' use of ``torch.triangular_solve``, sbi's notice that it caps its sampling batch size, and the
    notice that training stopped at ``max_epochs`` (the tiny test runs do that on purpose)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*triangular_solve is deprecated")
        warnings.filterwarnings("ignore", message="Capping max_sampling_batch_size")
        warnings.filterwarnings("ignore", message="Maximum number of epochs")
        yield


def features(x: Any) -> Any:
    """Network input: ln of the band powers, (n, n_bins) -> (n, n_bins) (NumPy or torch).

    Band powers are positive except for very rare downward fluctuations in tiny surveys; they are
    floored at 1 (Mpc/h)^3 before the log so the input stays finite.
    """
    if hasattr(x, "detach"):
        import torch

        return torch.log(torch.clamp(x, min=1.0))
    return np.log(np.maximum(np.asarray(x, dtype=float), 1.0))


def _tensor(a: Any):
    import torch

    return torch.as_tensor(a.detach() if hasattr(a, "detach") else np.asarray(a, dtype=float), dtype=torch.float32)


@dataclass
class TrainedPosterior:
    """An NPE posterior for one problem and survey, with its training record.

    ``sample(n, x_obs)`` and ``log_prob(theta, x_obs)`` take band powers in (Mpc/h)^3;
    ``posterior`` is sbi's ``DirectPosterior`` (it expects ``features(x)``). ``x_obs`` is the observation a
    sequential posterior was trained for (``None`` for an amortised one).
    """

    posterior: Any
    survey: Survey
    n_simulations: int
    epochs: int
    problem: str = "eh"
    config: Config = REDUCED
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    x_obs: np.ndarray | None = None

    def history(self):
        """The per-epoch losses as a :class:`coursekit.training.History` (for ``plot_history``)."""
        from coursekit.training import History

        best = int(np.argmin(self.val_loss)) if self.val_loss else None
        return History(train_loss=list(self.train_loss), val_loss=list(self.val_loss), best_epoch=best,
                       best_val_loss=float(min(self.val_loss)) if self.val_loss else float("inf"))

    def _check_x(self, x_obs: Any):
        x = _tensor(x_obs)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.survey.n_bins:
            raise ValueError(f"x_obs must have shape ({self.survey.n_bins},) or (n, {self.survey.n_bins}), "
                             f"got {tuple(x.shape)}")
        if not bool(np.all(np.isfinite(x.numpy()))):
            raise ValueError("x_obs contains NaN or infinite values")
        return features(x)

    def sample(self, n: int, x_obs: Any, seed: int | None = None, reject_outside_prior: bool = True) -> np.ndarray:
        """(n, d) posterior samples for one observation x_obs (n_bins,).

        With ``reject_outside_prior`` (default) samples outside the prior box are rejected, as sbi does; when less
        than 0.1% of the network's mass lies inside the box (an observation the prior cannot produce) this raises
        ValueError instead of rejecting for ever. ``reject_outside_prior=False`` returns the network's raw samples.
        """
        import torch

        x = self._check_x(x_obs)
        if x.shape[0] != 1:
            raise ValueError("sample() takes one observation; use sample_batched for many")
        if seed is not None:
            torch.manual_seed(seed)
        with quiet_sbi():
            if reject_outside_prior:
                inside = self.mass_inside_prior(x_obs, n_pilot=1000)
                if inside.value < 1e-3:
                    raise ValueError(
                        f"only {100 * inside.value:.2f}% of the network's posterior mass lies inside the prior box at "
                        "this observation: it is probably outside what the prior can produce. Sample with "
                        "reject_outside_prior=False to see where the network puts it")
            out = self.posterior.sample((n,), x=x[0], show_progress_bars=False,
                                        reject_outside_prior=reject_outside_prior)
        return out.detach().numpy().astype(float)

    def mass_inside_prior(self, x_obs: Any, n_pilot: int = 2000) -> Measurement:
        """Fraction of the network's raw samples (no rejection) that lie inside the prior box, with its binomial
        error. Near 1 for observations the prior can produce; small values flag a misspecified prior."""
        x = self._check_x(x_obs)
        prob = get_problem(self.problem)
        with quiet_sbi(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*lie outside the prior support")  # measured here instead
            raw = self.posterior.sample((n_pilot,), x=x[0], show_progress_bars=False,
                                        reject_outside_prior=False).detach().numpy()
        k = int(np.sum(np.all((raw >= prob.low_array) & (raw <= prob.high_array), axis=1)))
        return Measurement(k / n_pilot, binomial_err(k, n_pilot))

    def sample_batched(self, n: int, x_obs: Any) -> np.ndarray:
        """(n, batch, d) samples for a batch of observations (batch, n_bins)."""
        with quiet_sbi():
            return self.posterior.sample_batched((n,), x=self._check_x(x_obs),
                                                 show_progress_bars=False).numpy().astype(float)

    def log_prob(self, theta: Any, x_obs: Any) -> np.ndarray:
        """(n,) log density of theta (n, d) given one observation (not renormalised for leakage out of the prior)."""
        x = self._check_x(x_obs)
        th = _tensor(np.atleast_2d(np.asarray(theta, dtype=float)))
        with quiet_sbi():
            return self.posterior.log_prob(th, x=x[0], norm_posterior=False).detach().numpy().astype(float)


class _NoTracker:
    """An sbi tracker that logs nothing (the losses stay in ``inference.summary``)."""

    log_dir = None

    def log_metric(self, name, value, step=None) -> None:
        pass

    def log_metrics(self, metrics, step=None) -> None:
        pass

    def log_params(self, params) -> None:
        pass

    def add_figure(self, name, figure, step=None) -> None:
        pass

    def flush(self) -> None:
        pass


def _no_tensorboard() -> dict:
    """NPE keyword that stops sbi (>= 0.26) writing TensorBoard logs into ``./sbi-logs`` on every training run."""
    import inspect

    from sbi.inference import NPE

    return {"tracker": _NoTracker()} if "tracker" in inspect.signature(NPE.__init__).parameters else {}


def _estimator(config: Config):
    from sbi.neural_nets import posterior_nn

    return posterior_nn(model=config.density_estimator, hidden_features=config.hidden_features,
                        num_transforms=config.num_transforms)


def _inference(prob: Problem, config: Config, progress: bool | None):
    from sbi.inference import NPE

    from coursekit.config import show_progress as _show
    from coursekit.sbi.simulate import prior as make_prior

    progress = _show() if progress is None else progress
    return NPE(prior=make_prior(problem=prob), density_estimator=_estimator(config), show_progress_bars=progress,
               **_no_tensorboard())


def _train_kwargs(config: Config, n: int) -> dict:
    """sbi's training arguments; batches hold at most n/16 simulations, so that small budgets still take ~15
    gradient steps per epoch (with 512 a budget of 300 took one step per epoch and barely trained)."""
    batch = min(config.training_batch_size, max(64, n // 16))
    return dict(training_batch_size=batch, learning_rate=config.learning_rate,
                max_num_epochs=config.max_epochs, stop_after_epochs=config.stop_after_epochs, show_train_summary=False)


def train_posterior(
    theta: Any | None = None,
    x: Any | None = None,
    *,
    survey: Survey = FIDUCIAL_SURVEY,
    config: Config = REDUCED,
    seed: int = 0,
    show_progress: bool | None = None,
    problem: str | Problem = "eh",
    n_simulations: int | None = None,
) -> TrainedPosterior:
    """Train an amortised neural posterior with sbi's ``NPE`` on (theta, x) pairs.

    Parameters
    ----------
    theta, x: (n, d) parameters from the prior and (n, n_bins) band powers from :func:`simulate`;
        if both are ``None``, ``n_simulations`` (default ``config.n_simulations``) are drawn and simulated here.
    survey: the survey the band powers belong to (checked against x's width).
    config: network and training sizes.
    seed: seeds torch (network initialisation, batches) and the simulations made here.
    show_progress: sbi's progress bars (default: ``coursekit.config.show_progress()``).
    problem: "eh", "toy" or "bias" (:data:`coursekit.sbi.simulate.PROBLEMS`).
    """
    import torch

    prob = get_problem(problem)
    if (theta is None) != (x is None):
        raise ValueError("pass both theta and x, or neither (then n_simulations are simulated)")
    if theta is None:
        n = config.n_simulations if n_simulations is None else int(n_simulations)
        if n < 50:
            raise ValueError(f"n_simulations must be at least 50 (sbi holds out 10% for validation), got {n}")
        rng = np.random.default_rng(seed)
        theta = sample_prior(n, rng, prob)
        x = simulate(theta, rng, survey, prob)
    th, xs = _tensor(theta), _tensor(x)
    if th.ndim != 2 or th.shape[1] != prob.dim:
        raise ValueError(f"theta must have shape (n, {prob.dim}) for problem {prob.name!r}, got {tuple(th.shape)}")
    if xs.ndim != 2 or xs.shape[0] != th.shape[0] or xs.shape[1] != survey.n_bins:
        raise ValueError(f"x must have shape ({th.shape[0]}, {survey.n_bins}) to match theta and the survey's "
                         f"k-bins, got {tuple(xs.shape)}")
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    inference = _inference(prob, config, show_progress)
    with quiet_sbi(), _stdout_unless(inference._show_progress_bars):
        inference.append_simulations(th, features(xs)).train(**_train_kwargs(config, int(th.shape[0])))
    posterior = inference.build_posterior()
    summary = inference.summary
    return TrainedPosterior(
        posterior=posterior, survey=survey, n_simulations=int(th.shape[0]), epochs=len(summary["training_loss"]),
        problem=prob.name, config=config, train_loss=[float(v) for v in summary["training_loss"]],
        val_loss=[float(v) for v in summary["validation_loss"]], wall_s=time.perf_counter() - t0,
    )


def train_sequential(
    x_obs: Any,
    n_simulations: int,
    rounds: int,
    *,
    survey: Survey = FIDUCIAL_SURVEY,
    config: Config = REDUCED,
    seed: int = 0,
    show_progress: bool | None = None,
    problem: str | Problem = "eh",
) -> TrainedPosterior:
    """Sequential NPE on one observation: ``n_simulations`` in total, split equally over ``rounds`` rounds.

    Round 1 draws from the prior; each later round draws from the current posterior at ``x_obs`` and sbi's ``NPE``
    trains with the atomic loss of APT (Greenberg et al. 2019), which corrects for the proposal. The result is a
    posterior for ``x_obs`` only (not amortised): it is not valid for other observations.
    """
    import torch

    prob = get_problem(problem)
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    per_round = int(n_simulations) // rounds
    if per_round < 50:
        raise ValueError(f"{n_simulations} simulations over {rounds} rounds leave {per_round} per round; "
                         "give at least 50 per round")
    x_f = features(_tensor(x_obs).reshape(1, -1))[0]
    if x_f.shape[0] != survey.n_bins:
        raise ValueError(f"x_obs must have shape ({survey.n_bins},), got {tuple(_tensor(x_obs).shape)}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    inference = _inference(prob, config, show_progress)
    proposal = None
    train_loss: list[float] = []
    val_loss: list[float] = []
    with quiet_sbi(), _stdout_unless(inference._show_progress_bars):
        for _round in range(rounds):
            if proposal is None:
                theta = sample_prior(per_round, rng, prob)
            else:
                theta = proposal.sample((per_round,), show_progress_bars=False).numpy().astype(float)
                theta = np.clip(theta, prob.low_array, prob.high_array)  # float32 round-off at the box's edges
            x = simulate(theta, rng, survey, prob)
            estimator = inference.append_simulations(_tensor(theta), features(_tensor(x)), proposal=proposal).train(
                **_train_kwargs(config, per_round))
            proposal = inference.build_posterior(estimator).set_default_x(x_f)
        train_loss = [float(v) for v in inference.summary["training_loss"]]
        val_loss = [float(v) for v in inference.summary["validation_loss"]]
    return TrainedPosterior(
        posterior=proposal, survey=survey, n_simulations=per_round * rounds, epochs=len(train_loss),
        problem=prob.name, config=config, train_loss=train_loss, val_loss=val_loss,
        wall_s=time.perf_counter() - t0, x_obs=np.asarray(_tensor(x_obs).numpy(), dtype=float),
    )


def save_posterior(trained: TrainedPosterior, path: str | Path) -> Path:
    """Write the trained flow as a coursekit model file (topic "sbi"): weights, network config, problem, survey."""
    from coursekit.checkpoint import save_model

    if trained.x_obs is not None:
        raise ValueError("a sequential posterior is valid for one observation only; save an amortised one")
    survey = trained.survey
    extra = {"problem": trained.problem, "n_simulations": trained.n_simulations, "epochs": trained.epochs,
             "survey": {"volume": survey.volume, "n_bar": survey.n_bar, "k_min": survey.k_min,
                        "k_max": survey.k_max, "n_bins": survey.n_bins}}
    config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(trained.config).items()}
    return save_model(path, topic="sbi", state_dict=trained.posterior.posterior_estimator.state_dict(),
                      config=config, extra=extra)


def load_posterior(path: str | Path) -> TrainedPosterior:
    """Read a model file written by :func:`save_posterior` (checked by ``coursekit.checkpoint.load_model``)."""
    import torch
    from sbi.inference import DirectPosterior

    from coursekit.checkpoint import ModelFileError, load_model
    from coursekit.sbi.simulate import prior as make_prior

    ck = load_model(path, topic="sbi")
    try:
        fields = {k: (tuple(v) if isinstance(v, list) else v) for k, v in ck.config.items()}
        config = replace(REDUCED, **fields)
        prob = get_problem(ck.extra["problem"])
        survey = Survey(**ck.extra["survey"])
        # the network is built from a dummy batch of the right shapes; the weights and z-scoring come from the file
        net = _estimator(config)(torch.as_tensor(sample_prior(64, 0, prob), dtype=torch.float32),
                                 torch.zeros(64, survey.n_bins).normal_())
        net.load_state_dict(ck.state_dict)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: not an sbi posterior this version can rebuild ({exc}); "
                             "retrain it with `python -m coursekit sbi train`") from None
    net.eval()
    posterior = DirectPosterior(posterior_estimator=net, prior=make_prior(problem=prob))
    return TrainedPosterior(posterior=posterior, survey=survey, n_simulations=int(ck.extra["n_simulations"]),
                            epochs=int(ck.extra["epochs"]), problem=prob.name, config=config)
