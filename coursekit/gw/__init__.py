"""Gravitational-wave detection: GWOSC strain I/O, whitening, a BBH injection simulator,
a 1D CNN detector, a matched-filter baseline and a sliding-window scan.

The roles of the spine (SPINE.md), plus three modules named after the physics (as in ml4gw):

``config``        REDUCED / FULL run sizes, ``get_config``
``data``          GWOSC strain as gwpy ``TimeSeries``: the GW150914 sample, any GWTC event (full mode)
``simulate``      BBH injections in whitened windows, banks, glitches, the offline stand-in of GW150914
``model``         the multi-scale 1D CNN (logits), its fused inference form, training, model files
``baseline``      the matched filter: template bank, window search, SNR time series, chi^2 test
``metrics``       efficiency at a false-alarm probability, ROC, false-alarm rates of overlapping windows
``plots``         ``plot_*(..., ax=None) -> Axes``
``exercises``     checks for notebook 04 (build-it, experiments, quiz)
``experiment``    the lesson's steps and ``run(mode) -> Report``
``cli``           ``gw train``, ``gw scan``, ``gw run``
``bench``         the benchmark of the experiment's steps
``spectral``      PSDs, whitening, band-passing, resampling, SNR
``waveforms``     BBH prior, an IMRPhenomD waveform bank, H1/L1 projection
``scan``          preparing real strain (checks, whitening) and the sliding-window scan

Heavy back-ends (pycbc, torch, gwpy) are imported inside the functions that need them.
"""

import warnings as _warnings

# LALSuite warns once per IPython session that it redirects stdout; the message is noise in a notebook.
_warnings.filterwarnings("ignore", message="Wswiglal-redir-stdio")
