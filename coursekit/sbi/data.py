"""The lesson's observation: band powers resolved through ``coursekit.data.resolve``.

There is no real data set in this lesson, in either mode: the manifest's ``sbi_band_powers_simulated`` has only
its stand-in, the simulator itself. The observation is one noisy draw of the simulator at the problem's fiducial
parameters (Planck 2018's central values), so that the truth is known; :func:`load_observation` says so in the
one line of ``resolve``, and returns the same :class:`Observation` in every mode. To analyse your own measurement,
build a :class:`~coursekit.sbi.simulate.Survey` with your volume, number density and k-bins and pass your band
powers to :func:`observation_from_band_powers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.sbi.simulate import FIDUCIAL_SURVEY, Problem, Survey, get_problem, simulate

__all__ = ["DATASET", "Observation", "load_observation", "observation_from_band_powers"]

#: The manifest entry of this lesson's data (stand-in only: the simulator).
DATASET = "sbi_band_powers_simulated"


@dataclass(frozen=True)
class Observation:
    """Measured band powers and what they belong to.

    x: (n_bins,) shot-noise-subtracted band powers in (Mpc/h)^3; survey: volume, n_bar, k-bins; problem: the
    model they are analysed with; theta_true: the parameters that made them (``None`` for real data);
    tier: the data tier ("stand-in" for the simulated observation); message: resolve's one line.
    """

    x: np.ndarray
    survey: Survey
    problem: Problem
    theta_true: np.ndarray | None
    tier: str
    message: str

    @property
    def k(self) -> np.ndarray:
        """(n_bins,) mode-weighted mean k of each band, h/Mpc."""
        return self.survey.k_eff

    def table(self):
        """The band powers as an astropy ``Table`` (columns k_lo, k_hi, k_eff in h/Mpc, band_power, sigma_model in
        (Mpc/h)^3, n_modes), with the survey and the truth in ``meta``."""
        from astropy.table import Table

        from coursekit.sbi.simulate import band_power_model, band_power_sigma

        s = self.survey
        cols = {"k_lo": s.k_edges[:-1], "k_hi": s.k_edges[1:], "k_eff": s.k_eff, "band_power": self.x,
                "n_modes": s.n_modes}
        if self.theta_true is not None:
            cols["sigma_model"] = band_power_sigma(band_power_model(self.theta_true, s, problem=self.problem)[0], s)
        meta = {"volume_mpc3_h3": s.volume, "n_bar_h3_mpc3": s.n_bar, "problem": self.problem.name,
                "tier": self.tier, "units": "k in h/Mpc, P in (Mpc/h)^3"}
        if self.theta_true is not None:
            meta["theta_true"] = dict(zip(self.problem.param_names, map(float, self.theta_true)))
        return Table(cols, meta=meta)


def load_observation(
    mode: str | None = None, problem: str | Problem = "eh", theta: Any = None, seed: int | None = None,
    survey: Survey = FIDUCIAL_SURVEY, verbose: bool = True,
) -> Observation:
    """The lesson's observation for ``problem``: resolved through ``coursekit.data.resolve`` (stand-in: the
    simulator at ``theta``, default the problem's fiducial Planck 2018 values, noise seed ``seed``, default the
    config's ``observation_seed``).

    ``theta`` may lie outside the prior box (the misspecification experiment): the simulator is then called with
    the box widened to include it, and the observation says so in its message.
    """
    from coursekit.data import resolve
    from coursekit.sbi.config import get_config

    prob = get_problem(problem)
    resolved = resolve(DATASET, mode=mode, verbose=verbose)
    seed = get_config(mode).observation_seed if seed is None else int(seed)
    th = np.asarray(prob.fiducial if theta is None else theta, dtype=float)
    if th.shape != (prob.dim,):
        raise ValueError(f"theta must have shape ({prob.dim},) = ({', '.join(prob.param_names)}), got {th.shape}")
    if not np.all(np.isfinite(th)) or th[0] <= 0.05 or np.any(th <= 0):
        raise ValueError(f"theta must be finite and positive with Omega_m > 0.05, got {th.tolist()}")
    message = resolved.message
    inside = bool(np.all((th >= prob.low_array) & (th <= prob.high_array)))
    if not inside:  # simulate outside the box on purpose: a problem whose box holds theta
        prob_wide = Problem(prob.name, prob.param_names, prob.labels, tuple(np.minimum(prob.low_array, th)),
                            tuple(np.maximum(prob.high_array, th)), prob.fiducial, prob.description)
        x = simulate(th, seed, survey, prob_wide)
        message += f" The true parameters {th.tolist()} lie OUTSIDE the prior box ({prob.box_text()})."
    else:
        x = simulate(th, seed, survey, prob)
    if resolved.is_real:  # no real tier exists for this set; refuse rather than silently ignore one
        raise ValueError(f"{DATASET} resolved to real files, which this lesson does not read; update coursekit.sbi.data")
    return Observation(x=np.asarray(x, dtype=float), survey=survey, problem=prob, theta_true=th, tier=resolved.tier,
                       message=message)


def observation_from_band_powers(x: Any, survey: Survey = FIDUCIAL_SURVEY, problem: str | Problem = "eh") -> Observation:
    """Wrap your own measured band powers (n_bins,) in (Mpc/h)^3 for ``survey``'s k-bins (truth unknown)."""
    from coursekit.sbi.baseline import check_x

    return Observation(x=check_x(x, survey), survey=survey, problem=get_problem(problem), theta_true=None,
                       tier="user", message="data: band powers supplied by the user")
