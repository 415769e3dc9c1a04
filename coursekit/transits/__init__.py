"""Exoplanet transit detection with a dual-view CNN (notebook 05), after Shallue & Vanderburg (2018, AJ 155, 94).

Modules, in pipeline order:

* :mod:`~coursekit.transits.io`: Kepler ``_llc.fits`` reader (PDCSAP flux, quality mask, quarters stitched);
* :mod:`~coursekit.transits.preprocess`: clipping, flattening, folding, global and local views;
* :mod:`~coursekit.transits.search`: BLS period search (astropy ``BoxLeastSquares``), multi-signal;
* :mod:`~coursekit.transits.vetting`: the classical baseline (SNR, odd/even, secondary eclipse);
* :mod:`~coursekit.transits.simulate`: Kepler-like light curves of planets, binaries and quiet stars;
* :mod:`~coursekit.transits.model`: the dual-view CNN and single-view ablations;
* :mod:`~coursekit.transits.pipeline`: light curve -> scored candidates; Kepler-90 ephemerides;
* :mod:`~coursekit.transits.evaluate`, :mod:`~coursekit.transits.plots`, :mod:`~coursekit.transits.workflow`.

Importing this package is cheap; torch, astropy and batman load inside the modules that need them.
"""
