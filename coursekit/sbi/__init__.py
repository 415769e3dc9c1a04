"""Simulation-based inference of (Omega_m, sigma_8) from a measured matter power spectrum.

Modules (import them explicitly; this package imports nothing heavy):

* :mod:`coursekit.sbi.power`: vectorised Eisenstein & Hu (1998) linear P(k), normalised to sigma_8,
  held to pyccl within 0.1%;
* :mod:`coursekit.sbi.simulate`: the prior box, the band-power simulator (Gaussian cosmic variance
  plus shot noise in a survey volume) and a Gaussian-random-field check on a grid;
* :mod:`coursekit.sbi.reference`: the exact posterior on a grid (the likelihood is known);
* :mod:`coursekit.sbi.inference`: neural posterior estimation with the ``sbi`` library, C2ST,
  SBC, expected coverage and TARP;
* :mod:`coursekit.sbi.analysis`, :mod:`coursekit.sbi.plots`: S_8, widths versus volume, figures.

Note on names: this sub-package is ``coursekit.sbi``; inside it ``import sbi`` is an absolute
import and still means the top-level ``sbi`` library (tested).
"""
