"""Exoplanet transit detection with a dual-view CNN (notebook 05), after Shallue & Vanderburg (2018, AJ 155, 94).

The spine's roles:

* :mod:`~coursekit.transits.config`: REDUCED / FULL run sizes, :func:`~coursekit.transits.config.get_config`;
* :mod:`~coursekit.transits.data`: Kepler ``_llc.fits`` and the KOI table through ``coursekit.data.resolve``,
  as ``lightkurve.LightCurve`` and astropy ``Table``;
* :mod:`~coursekit.transits.simulate`: Kepler-like light curves of planets, binaries and quiet stars;
* :mod:`~coursekit.transits.preprocess`: clipping, flattening, folding, the global and local views;
* :mod:`~coursekit.transits.search`: BLS period search (astropy), views and vetting of a TCE, candidates;
* :mod:`~coursekit.transits.model`: the dual-view CNN and its single-view ablation;
* :mod:`~coursekit.transits.baseline`: classical vetting (SNR, odd/even, secondary eclipse);
* :mod:`~coursekit.transits.metrics`, :mod:`~coursekit.transits.plots`, :mod:`~coursekit.transits.exercises`;
* :mod:`~coursekit.transits.experiment`: the lesson's steps and ``run``; :mod:`~coursekit.transits.cli`,
  :mod:`~coursekit.transits.bench`.

Importing this package is cheap; torch, astropy, lightkurve and batman load inside the modules that need them.
"""
