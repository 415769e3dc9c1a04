"""The lesson's steps: observation -> exact posterior (baseline) -> NPE -> C2ST, calibration -> degeneracies ->
nuisance parameter -> simulation budget -> prior misspecification -> report.

Each step is a plain function returning a typed result; notebook 07 calls them one section at a time,
``python -m coursekit sbi run`` and the bench call :func:`run`, which calls them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coursekit.metrics import Measurement
from coursekit.sbi.baseline import GridPosterior, reference_posterior
from coursekit.sbi.config import Config, get_config
from coursekit.sbi.data import Observation, load_observation
from coursekit.sbi.metrics import Calibration, c2st, calibration, degeneracy_exponent, posterior_predictive_pvalue
from coursekit.sbi.model import TrainedPosterior, train_posterior, train_sequential

__all__ = [
    "BudgetResult", "DegeneracyResult", "MisspecificationResult", "NuisanceResult", "PosteriorComparison",
    "calibrate", "compare_to_exact", "degeneracy", "exact_posterior", "misspecification", "nuisance", "observe",
    "run", "simulation_budget", "train_npe",
]


def _cfg(mode: str | None, config: Config | None) -> Config:
    return config if config is not None else get_config(mode)


def _mean_sem(values: Any) -> Measurement:
    v = np.asarray(values, dtype=float).ravel()
    return Measurement(float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan"))


def observe(mode: str | None = None, problem: str = "eh", theta: Any = None, verbose: bool = True) -> Observation:
    """Step 1, data: the observed band powers (through ``coursekit.data.resolve``; here the simulator's stand-in)."""
    return load_observation(mode, problem=problem, theta=theta, verbose=verbose)


def exact_posterior(obs: Observation) -> GridPosterior:
    """Step 2, baseline: the exact posterior of the observation on a grid (the likelihood is known)."""
    return reference_posterior(obs.x, obs.survey, problem=obs.problem)


def train_npe(mode: str | None = None, problem: str = "eh", n_simulations: int | None = None, seed: int = 0,
              config: Config | None = None, show_progress: bool | None = None) -> TrainedPosterior:
    """Step 3, train: amortised NPE on fresh simulations from the prior (``config.n_simulations`` by default)."""
    cfg = _cfg(mode, config)
    return train_posterior(config=cfg, seed=seed, problem=problem, n_simulations=n_simulations,
                           show_progress=show_progress)


@dataclass
class PosteriorComparison:
    """NPE against the exact posterior at one observation.

    c2st: NPE vs exact (0.5 = indistinguishable) with its binomial error; c2st_floor: two exact sample sets (what
    the classifier reaches by chance); means and standard deviations per parameter.
    """

    npe_samples: np.ndarray
    exact_samples: np.ndarray
    c2st: Measurement
    c2st_floor: Measurement
    npe_mean: np.ndarray
    npe_std: np.ndarray
    exact_mean: np.ndarray
    exact_std: np.ndarray

    @property
    def excess(self) -> Measurement:
        """C2ST above the floor, with both errors in quadrature: is NPE distinguishable from exact?"""
        from coursekit.metrics import difference

        return difference(self.c2st, self.c2st_floor)


def compare_to_exact(trained: TrainedPosterior, obs: Observation, exact: GridPosterior, n_samples: int = 2000,
                     seed: int = 0) -> PosteriorComparison:
    """Step 4, evaluate: C2ST between ``n_samples`` NPE and exact samples, and the floor of two exact sets."""
    npe_s = trained.sample(n_samples, obs.x, seed=seed)
    ref_s = exact.sample(n_samples, seed + 1)
    return PosteriorComparison(
        npe_samples=npe_s, exact_samples=ref_s, c2st=c2st(npe_s, ref_s, seed=seed),
        c2st_floor=c2st(exact.sample(n_samples, seed + 2), ref_s, seed=seed),
        npe_mean=npe_s.mean(0), npe_std=npe_s.std(0), exact_mean=exact.mean(), exact_std=exact.std(),
    )


def calibrate(trained: TrainedPosterior, mode: str | None = None, config: Config | None = None,
              seed: int = 1) -> Calibration:
    """Step 5, evaluate: SBC, expected coverage and TARP over ``config.n_sbc`` fresh simulations."""
    cfg = _cfg(mode, config)
    return calibration(trained, n_tests=cfg.n_sbc, n_samples=cfg.n_posterior_samples, seed=seed)


@dataclass
class DegeneracyResult:
    """The guide's toy P = A sigma_8 Omega_m k^-2: the data measure only the product.

    obs, exact, trained, comparison: as in the main steps, for the toy problem; alpha_exact, alpha_npe: the
    best-measured sigma_8 Omega_m^alpha (1 for a pure product); product_exact, product_npe: sigma_8 Omega_m
    (mean ± posterior std); widths_exact: (2,) standard deviations of Omega_m and sigma_8.
    """

    obs: Observation
    exact: GridPosterior
    trained: TrainedPosterior
    comparison: PosteriorComparison
    alpha_exact: float
    alpha_npe: float
    product_exact: Measurement
    product_npe: Measurement
    widths_exact: np.ndarray


def degeneracy(mode: str | None = None, config: Config | None = None, seed: int = 0,
               n_c2st: int | None = None) -> DegeneracyResult:
    """Step 6: NPE on the guide's toy spectrum against its exact ridge posterior (C2ST on ``n_c2st`` samples per
    side, default ``config.budget_c2st``)."""
    cfg = _cfg(mode, config)
    obs = observe(mode, problem="toy", verbose=False)
    exact = exact_posterior(obs)
    trained = train_npe(mode, "toy", cfg.toy_simulations, seed=seed, config=cfg, show_progress=False)
    comp = compare_to_exact(trained, obs, exact, n_c2st or cfg.budget_c2st, seed=seed)
    m, s = exact.function_moments(lambda t: t[:, 0] * t[:, 1])
    prod = comp.npe_samples[:, 0] * comp.npe_samples[:, 1]
    return DegeneracyResult(
        obs=obs, exact=exact, trained=trained, comparison=comp,
        alpha_exact=degeneracy_exponent(comp.exact_samples), alpha_npe=degeneracy_exponent(comp.npe_samples),
        product_exact=Measurement(m, s), product_npe=Measurement(float(prod.mean()), float(prod.std())),
        widths_exact=exact.std(),
    )


@dataclass
class NuisanceResult:
    """A free linear galaxy bias b marginalised, against b known (the matter problem).

    sigma8_fixed: sigma_8 from the matter problem's exact posterior (b known); sigma8_marg_exact/_npe: sigma_8 with b
    marginalised; bs8_*: b sigma_8, the amplitude the galaxy spectrum does measure; s8_*: S_8 = sigma_8
    (Omega_m/0.3)^0.5 with b marginalised, and s8_fixed with b known. Each is mean ± posterior std.
    """

    obs: Observation
    exact: GridPosterior
    trained: TrainedPosterior
    comparison: PosteriorComparison
    sigma8_fixed: Measurement
    sigma8_marg_exact: Measurement
    sigma8_marg_npe: Measurement
    bs8_exact: Measurement
    bs8_npe: Measurement
    s8_fixed: Measurement
    s8_marg_exact: Measurement
    s8_marg_npe: Measurement

    @property
    def sigma8_degradation(self) -> float:
        """How many times wider sigma_8's posterior is with b free than with b known (exact posteriors)."""
        return self.sigma8_marg_exact.err / self.sigma8_fixed.err


def _moments(values: np.ndarray) -> Measurement:
    return Measurement(float(np.mean(values)), float(np.std(values)))


def nuisance(mode: str | None = None, config: Config | None = None, seed: int = 0,
             matter_exact: GridPosterior | None = None, n_c2st: int | None = None) -> NuisanceResult:
    """Step 7: NPE with a free galaxy bias b against the exact 3-D posterior marginalised over b (C2ST on
    ``n_c2st`` samples per side, default ``config.budget_c2st``)."""
    cfg = _cfg(mode, config)
    obs = observe(mode, problem="bias", verbose=False)
    exact = exact_posterior(obs)
    trained = train_npe(mode, "bias", cfg.bias_simulations, seed=seed, config=cfg, show_progress=False)
    comp = compare_to_exact(trained, obs, exact, n_c2st or cfg.budget_c2st, seed=seed)
    if matter_exact is None:
        matter_exact = exact_posterior(observe(mode, problem="eh", verbose=False))
    s8_of = lambda t: t[:, 1] * (t[:, 0] / 0.3) ** 0.5  # noqa: E731
    npe = comp.npe_samples
    return NuisanceResult(
        obs=obs, exact=exact, trained=trained, comparison=comp,
        sigma8_fixed=Measurement(*matter_exact.function_moments(lambda t: t[:, 1])),
        sigma8_marg_exact=Measurement(*exact.function_moments(lambda t: t[:, 1])),
        sigma8_marg_npe=_moments(npe[:, 1]),
        bs8_exact=Measurement(*exact.function_moments(lambda t: t[:, 1] * t[:, 2])),
        bs8_npe=_moments(npe[:, 1] * npe[:, 2]),
        s8_fixed=Measurement(*matter_exact.function_moments(s8_of)),
        s8_marg_exact=Measurement(*exact.function_moments(s8_of)),
        s8_marg_npe=_moments(s8_of(npe)),
    )


@dataclass
class BudgetResult:
    """C2ST against the exact posterior as a function of the number of simulations.

    sizes: (n_sizes,) simulation budgets; amortised, sequential: (n_sizes, n_seeds) C2ST accuracies of amortised
    NPE and of sequential NPE (``rounds`` rounds on the one observation) at each budget and seed.
    """

    sizes: np.ndarray
    amortised: np.ndarray
    sequential: np.ndarray
    rounds: int
    seconds: dict[str, float] = field(default_factory=dict)

    def curve(self, which: str = "amortised") -> list[Measurement]:
        """Mean ± standard error over seeds at each budget."""
        return [_mean_sem(row) for row in getattr(self, which)]

    def gain(self, which: str = "amortised") -> Measurement:
        """C2ST at the smallest budget minus at the largest, with the seeds' standard errors in quadrature
        (positive: more simulations bring NPE closer to the exact posterior)."""
        from coursekit.metrics import difference

        c = self.curve(which)
        return difference(c[0], c[-1])

    def sequential_advantage(self) -> list[Measurement]:
        """Amortised minus sequential C2ST at each budget (positive: the rounds paid)."""
        from coursekit.metrics import difference

        return [difference(a, s) for a, s in zip(self.curve("amortised"), self.curve("sequential"))]


def _budget_job(obs_x: np.ndarray, problem: str, ref: np.ndarray, n: int, seed: int, rounds: int, cfg: Config,
                sequential: bool) -> tuple[float, float, float, float]:
    """One (budget, seed) cell of the budget curve: C2ST of amortised and of sequential NPE against ``ref`` and
    the seconds each took. Seeded by ``seed`` alone, so it gives the same numbers in this process or a worker."""
    import time

    import torch

    torch.set_num_threads(1)  # the flows are tiny; parallelism comes from training several at once
    t0 = time.perf_counter()
    tp = train_posterior(config=cfg, seed=100 + seed, n_simulations=n, problem=problem, show_progress=False)
    amort = c2st(tp.sample(cfg.budget_c2st, obs_x, seed=seed), ref, seed=seed).value
    t_amort = time.perf_counter() - t0
    seq, t_seq = float("nan"), 0.0
    if sequential:
        t0 = time.perf_counter()
        sq = train_sequential(obs_x, n, rounds, config=cfg, seed=100 + seed, problem=problem, show_progress=False)
        seq = c2st(sq.sample(cfg.budget_c2st, obs_x, seed=seed), ref, seed=seed).value
        t_seq = time.perf_counter() - t0
    return amort, t_amort, seq, t_seq


def simulation_budget(obs: Observation, exact: GridPosterior, mode: str | None = None, config: Config | None = None,
                      sizes: Any = None, seeds: int | None = None, rounds: int | None = None,
                      sequential: bool = True, progress: bool | None = None,
                      workers: int | None = None) -> BudgetResult:
    """Step 8: C2ST of amortised and sequential NPE against ``exact`` for each budget in ``sizes`` and each seed.

    ``sizes``, ``seeds``, ``rounds`` default to the config's budget_sizes, budget_seeds and sequential_rounds.
    The (budget, seed) cells are independent, so ``workers`` processes (default ``config.budget_workers``, at most
    the machine's CPU count) train them side by side; each cell is seeded on its own, so the numbers do not depend
    on ``workers``. ``seconds`` adds up the time spent in each kind of training, over all workers.
    """
    import os

    from tqdm.auto import tqdm

    from coursekit.config import show_progress

    cfg = _cfg(mode, config)
    sizes = np.asarray(cfg.budget_sizes if sizes is None else sizes, dtype=int)
    seeds = cfg.budget_seeds if seeds is None else int(seeds)
    rounds = cfg.sequential_rounds if rounds is None else int(rounds)
    workers = cfg.budget_workers if workers is None else int(workers)
    if sizes.ndim != 1 or len(sizes) < 2 or np.any(sizes < 100 * rounds):
        raise ValueError(f"give at least two budgets of at least {100 * rounds} simulations, got {sizes.tolist()}")
    if seeds < 2:
        raise ValueError(f"intervals over seeds need at least 2 seeds, got {seeds}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    ref = exact.sample(cfg.budget_c2st, 10_001)
    amort = np.full((len(sizes), seeds), np.nan)
    seq = np.full((len(sizes), seeds), np.nan)
    t = {"amortised": 0.0, "sequential": 0.0}
    # the largest budgets first, so that two workers finish together
    jobs = sorted(((i, s) for i in range(len(sizes)) for s in range(seeds)), key=lambda j: -sizes[j[0]])
    args = [(np.asarray(obs.x, dtype=float), obs.problem.name, ref, int(sizes[i]), s, rounds, cfg, sequential)
            for i, s in jobs]
    workers = min(workers, len(jobs), os.cpu_count() or 1)
    if workers > 1:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=workers, backend="loky", return_as="generator")(
            delayed(_budget_job)(*a) for a in args)
    else:
        results = (_budget_job(*a) for a in args)
    bar = tqdm(zip(jobs, results), total=len(jobs), desc="simulation budget",
               disable=not (show_progress() if progress is None else progress))
    for (i, s), (a, ta, q, tq) in bar:
        amort[i, s], seq[i, s] = a, q
        t["amortised"] += ta
        t["sequential"] += tq
    return BudgetResult(sizes=sizes, amortised=amort, sequential=seq, rounds=rounds, seconds=t)


@dataclass
class MisspecificationResult:
    """An observation made outside the prior box, analysed by the amortised NPE trained on the box.

    obs_in, obs_out: observations at the fiducial parameters and outside the box; samples_in: NPE samples (inside
    the box); samples_out: the network's raw samples (no rejection: where it puts the posterior); inside_in/_out:
    fraction of the network's mass inside the prior box; offset_in/_out: posterior mean of sigma_8 minus its true
    value, with the posterior std as the error (how many posterior widths the truth lies away); ppc_in/_out: posterior
    predictive p-values; calibration_verdict: what SBC and coverage (computed over the prior) say about the network.
    """

    obs_in: Observation
    obs_out: Observation
    samples_in: np.ndarray
    samples_out: np.ndarray
    inside_in: Measurement
    inside_out: Measurement
    offset_in: Measurement
    offset_out: Measurement
    ppc_in: Measurement
    ppc_out: Measurement
    calibration_verdict: str


def sigma8_offset(samples: np.ndarray, obs: Observation) -> Measurement:
    """Posterior mean of sigma_8 minus the true sigma_8, with the posterior standard deviation as its error."""
    if obs.theta_true is None:
        raise ValueError("the observation has no known truth")
    return Measurement(float(samples[:, 1].mean() - obs.theta_true[1]), float(samples[:, 1].std()))


def misspecification(trained: TrainedPosterior, mode: str | None = None, sigma8_true: float = 1.15,
                     cal: Calibration | None = None, n_samples: int = 2000, seed: int = 0) -> MisspecificationResult:
    """Step 9: the same amortised network on an observation whose sigma_8 lies outside the prior box
    (default 1.15 > 1.0) and on the fiducial one: mass inside the box, offset from the truth, posterior predictive
    checks. The outside observation is sampled without rejection (rejection would find almost nothing to keep)."""
    prob = trained.problem
    obs_in = observe(mode, problem=prob, verbose=False)
    theta = np.array(obs_in.theta_true, dtype=float)
    theta[1] = sigma8_true
    obs_out = observe(mode, problem=prob, theta=theta, verbose=False)
    s_in = trained.sample(n_samples, obs_in.x, seed=seed)
    s_out = trained.sample(n_samples, obs_out.x, seed=seed, reject_outside_prior=False)
    verdict = cal.verdict() if cal is not None else "calibration not run"
    return MisspecificationResult(
        obs_in=obs_in, obs_out=obs_out, samples_in=s_in, samples_out=s_out,
        inside_in=trained.mass_inside_prior(obs_in.x), inside_out=trained.mass_inside_prior(obs_out.x),
        offset_in=sigma8_offset(s_in, obs_in), offset_out=sigma8_offset(s_out, obs_out),
        ppc_in=posterior_predictive_pvalue(obs_in.x, s_in, obs_in.survey, prob, seed=seed),
        ppc_out=posterior_predictive_pvalue(obs_out.x, s_out, obs_out.survey, prob, seed=seed),
        calibration_verdict=verdict,
    )


def run(mode: str | None = None):
    """All steps in order; returns a :class:`coursekit.experiment.Report`."""
    from coursekit.config import get_mode
    from coursekit.data import resolve
    from coursekit.experiment import Report

    mode = get_mode(mode)
    cfg = get_config(mode)
    report = Report(topic="sbi", mode=mode)
    with report.step("data"):
        obs = observe(mode)
        report.record_data("sbi_band_powers_simulated", resolve("sbi_band_powers_simulated", mode=mode, verbose=False))
    with report.step("baseline"):
        exact = exact_posterior(obs)
    with report.step("train"):
        trained = train_npe(mode, config=cfg, show_progress=False)
    with report.step("evaluate"):
        comp = compare_to_exact(trained, obs, exact, cfg.n_c2st)
        cal = calibrate(trained, config=cfg)
    report.add_metric("C2ST NPE vs exact (eh)", comp.c2st)
    report.add_metric("C2ST exact vs exact (floor)", comp.c2st_floor)
    report.add_metric("68% coverage", cal.coverage_68())
    report.add_metric("SBC KS p Omega_m", Measurement(float(cal.ks_pvals[0]), 0.0))
    report.add_metric("SBC KS p sigma_8", Measurement(float(cal.ks_pvals[1]), 0.0))
    for d, name in enumerate(obs.problem.param_names):
        report.add_comparison(ml="NPE", baseline="exact grid posterior", metric=f"posterior mean of {name}",
                              ml_value=Measurement(float(comp.npe_mean[d]), float(comp.npe_std[d]) / np.sqrt(
                                  len(comp.npe_samples))),
                              baseline_value=Measurement(float(comp.exact_mean[d]), 0.0))
    report.notes.append(cal.verdict())
    with report.step("degeneracy"):
        deg = degeneracy(mode, cfg)
    report.add_metric("C2ST NPE vs exact (toy ridge)", deg.comparison.c2st)
    report.add_metric("toy: sigma_8 Omega_m (exact)", deg.product_exact)
    report.notes.append(f"toy degeneracy exponent alpha: exact {deg.alpha_exact:.2f}, NPE {deg.alpha_npe:.2f} (1 = "
                        "pure product)")
    with report.step("nuisance"):
        nui = nuisance(mode, cfg, matter_exact=exact)
    report.add_metric("C2ST NPE vs exact (bias, 3 parameters)", nui.comparison.c2st)
    report.add_metric("sigma_8 width, b known", Measurement(nui.sigma8_fixed.err, 0.0))
    report.add_metric("sigma_8 width, b marginalised (exact)", Measurement(nui.sigma8_marg_exact.err, 0.0))
    report.add_metric("b sigma_8, b marginalised (exact)", nui.bs8_exact)
    report.add_metric("S_8, b marginalised (exact)", nui.s8_marg_exact)
    with report.step("budget"):
        bud = simulation_budget(obs, exact, mode, cfg, progress=False)
    for n, a, s in zip(bud.sizes, bud.curve("amortised"), bud.curve("sequential")):
        report.add_comparison(ml=f"sequential NPE ({bud.rounds} rounds)", baseline="amortised NPE",
                              metric=f"C2ST vs exact at {n} simulations", ml_value=s, baseline_value=a)
    report.add_metric("C2ST gain from the smallest to the largest budget (amortised)", bud.gain())
    with report.step("misspecification"):
        mis = misspecification(trained, mode, cal=cal)
    report.add_metric("PPC p-value, truth inside the prior", mis.ppc_in)
    report.add_metric("PPC p-value, truth outside the prior", mis.ppc_out)
    report.add_metric("sigma_8 offset / posterior std, truth outside", Measurement(
        mis.offset_out.value / mis.offset_out.err, 0.0))
    report.add_metric("NPE mass inside the prior, truth inside", mis.inside_in)
    report.add_metric("NPE mass inside the prior, truth outside", mis.inside_out)
    return report
