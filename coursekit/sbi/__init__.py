"""Simulation-based inference of (Omega_m, sigma_8) from a measured power spectrum (notebook 07).

The spine's roles (import them explicitly; this package imports nothing heavy):

* :mod:`~coursekit.sbi.config`: REDUCED / FULL run sizes, :func:`~coursekit.sbi.config.get_config`;
* :mod:`~coursekit.sbi.power`: vectorised Eisenstein & Hu (1998) linear P(k), normalised to sigma_8, held to pyccl;
* :mod:`~coursekit.sbi.simulate`: the three problems (matter P(k), the guide's degenerate toy, a free galaxy bias),
  their prior boxes, the band-power simulator and a Gaussian-random-field check on a grid;
* :mod:`~coursekit.sbi.data`: the observation, resolved through ``coursekit.data.resolve`` (stand-in: the simulator);
* :mod:`~coursekit.sbi.baseline`: the exact posterior on a grid (the likelihood is known) and emcee;
* :mod:`~coursekit.sbi.model`: neural posterior estimation with the ``sbi`` library, amortised and sequential,
  saved and loaded through ``coursekit.checkpoint``;
* :mod:`~coursekit.sbi.metrics`: C2ST with its error, SBC, expected coverage, TARP, S_8, a posterior predictive check;
* :mod:`~coursekit.sbi.plots`, :mod:`~coursekit.sbi.exercises`, :mod:`~coursekit.sbi.experiment` (the lesson's
  steps and ``run``), :mod:`~coursekit.sbi.cli`, :mod:`~coursekit.sbi.bench`.

Note on names: this sub-package is ``coursekit.sbi``; inside it ``import sbi`` is an absolute import and still
means the top-level ``sbi`` library (tested).
"""
