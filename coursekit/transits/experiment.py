"""The lesson's steps, each callable alone and returning a typed result; :func:`run` calls them in order.

1. :func:`load_real_data`: Kepler-90's quarters and the KOI table (real sample by default, stand-in offline);
2. :func:`search_kepler90`: BLS search of Kepler-90 for several signals, matched to its known planets;
3. :func:`simulate_tces`: the labelled training set (simulated Kepler-like TCEs, 80/10/10 split);
4. :func:`vetting_baseline`: the classical vetter on the test split;
5. :func:`train_cnn`: the dual-view CNN (or a single-view ablation); :func:`calibrate_cnn`: its logit and the
   vetting features of :mod:`coursekit.transits.vetting` in a calibrated logistic regression (what ``transits
   train`` saves);
6. :func:`evaluate`: every classifier on the same test split, AUC with intervals, paired differences;
7. :func:`injection_recovery`: the search's completeness against injected SNR; :func:`search_census`: simulated
   stars of every kind through the path of ``transits search``, the fraction of each scored >= 0.5;
8. full mode: :func:`train_on_kois`: the dual-view CNN on real CONFIRMED vs FALSE POSITIVE KOIs.

Notebook 05 calls them one section at a time, ``python -m coursekit transits run`` and the bench through
:func:`run` and the same functions.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from coursekit.metrics import Measurement
from coursekit.transits.config import Config, get_config

#: Shallue & Vanderburg (2018, AJ 155, 94), test set of DR24 TCEs: AUC and accuracy of the dual-view AstroNet.
LITERATURE_AUC = 0.988
LITERATURE_ACCURACY = 0.960


# --------------------------------------------------------------------------- 1. real data

@dataclass
class RealData:
    """Kepler-90's light curve (``lightkurve.LightCurve``), the KOI table (astropy ``Table``) and the known
    planets' ephemerides taken from it; ``tiers``/``messages`` per data set (what ``resolve`` gave)."""

    lightcurve: Any
    koi_table: Any
    planets: dict[str, tuple[float, float, float]]
    tiers: dict[str, str]
    messages: dict[str, str]
    files: list[str] = field(default_factory=list)

    @property
    def is_real(self) -> bool:
        return self.tiers.get("kepler90_lightcurves") != "stand-in"


def load_real_data(mode: str | None = None, *, verbose: bool = True) -> RealData:
    """Resolve and read ``kepler90_lightcurves`` and ``kepler_koi_cumulative`` (see :mod:`~coursekit.transits.data`);
    ``verbose`` prints each data set's tier line."""
    from coursekit.transits.data import KEPLER90_PLANETS, known_planets, load_kepler90, load_koi_table

    lc = load_kepler90(mode, verbose=verbose)
    table = load_koi_table(mode, verbose=verbose)
    planets = known_planets(table) or dict(KEPLER90_PLANETS)
    tiers = {"kepler90_lightcurves": lc.meta["TIER"], "kepler_koi_cumulative": table.meta["TIER"]}
    messages = {"kepler90_lightcurves": lc.meta["DATA_MESSAGE"], "kepler_koi_cumulative": table.meta["DATA_MESSAGE"]}
    return RealData(lc, table, planets, tiers, messages, list(lc.meta["FILES_READ"]) + list(table.meta["FILES_READ"]))


# --------------------------------------------------------------------------- 2. search Kepler-90

@dataclass
class Kepler90Search:
    """Candidates found in Kepler-90 (strongest first), the known planet each matches (or None), seconds, and the
    days the light curve spans."""

    candidates: list[Any]
    matches: list[str | None]
    seconds: float
    baseline: float

    @property
    def recovered(self) -> list[str]:
        return [m for m in self.matches if m]

    @property
    def recovered_and_scored(self) -> list[str]:
        """Known planets recovered by a TCE that the CNN scored above 0.5."""
        return [m for m, c in zip(self.matches, self.candidates)
                if m and c.planet_score is not None and c.planet_score > 0.5]


def injected_views(data: RealData, depth_ppm: float, duration_h: float, *, period: float = 12.3,
                   t0: float = 135.0) -> tuple[np.ndarray, np.ndarray, Any]:
    """Inject a batman transit (``depth_ppm``, ``duration_h`` hours, ``period`` days, epoch ``t0`` BKJD) into
    Kepler-90's light curve, mask the eight known planets, and return ``(global_view, local_view, vetting)``:
    what the CNN would be shown, for the notebook's depth/duration slider. The default period lies clear of
    Kepler-90's planets."""
    from coursekit.transits import preprocess, search
    from coursekit.transits.data import lc_arrays
    from coursekit.transits.simulate import inject_transit

    fake = inject_transit(data.lightcurve, period=period, t0=t0, depth=depth_ppm * 1e-6, duration=duration_h / 24)
    time, flux = lc_arrays(fake)
    known = np.zeros(len(time), bool)
    for p, e, dur in data.planets.values():
        known |= np.abs(preprocess.phase_fold(time, p, e)) < dur / 24
    return search.views_and_vetting(time, flux, period, t0, duration_h / 24, keep=~known)


def search_kepler90(data: RealData, *, n_signals: int | None = None, model: Any = None,
                    config: Config | None = None) -> Kepler90Search:
    """:func:`~coursekit.transits.search.find_candidates` on Kepler-90, each signal matched to a known planet."""
    from coursekit.transits.data import lc_arrays
    from coursekit.transits.metrics import match_known_planet
    from coursekit.transits.search import find_candidates

    config = config or get_config()
    t0 = _time.perf_counter()
    cands = find_candidates(data.lightcurve, n_signals=n_signals or config.kepler90_signals, model=model)
    time, _ = lc_arrays(data.lightcurve)
    matches = [match_known_planet(c.signal, time, data.planets) for c in cands]
    return Kepler90Search(cands, matches, _time.perf_counter() - t0,
                          float(np.nanmax(time) - np.nanmin(time)))


def score_candidates(search: Kepler90Search, model: Any) -> Kepler90Search:
    """The same candidates scored by ``model`` and vetted as one system
    (:func:`~coursekit.transits.search.score_candidates`; views are reused, nothing re-searched)."""
    from coursekit.transits.search import score_candidates as _score

    unscored = [replace(c, planet_score=None, model_score=None, flags=()) for c in search.candidates]
    return Kepler90Search(_score(unscored, model, baseline=search.baseline), list(search.matches), search.seconds,
                          search.baseline)


# --------------------------------------------------------------------------- 3-6. simulated TCEs, baseline, CNN

@dataclass
class TCESplit:
    """Simulated TCEs split 80/10/10 (Shallue & Vanderburg 2018, Sec. 2.3): ``TransitDataset`` s and seconds."""

    train: Any
    val: Any
    test: Any
    seconds: float

    def __len__(self) -> int:
        return len(self.train) + len(self.val) + len(self.test)


def simulate_tces(config: Config | None = None, *, seed: int | None = None) -> TCESplit:
    """Simulate ``config.n_lightcurves`` Kepler-like TCEs (:func:`coursekit.transits.simulate.make_dataset`), split."""
    from coursekit.transits.simulate import make_dataset

    config = config or get_config()
    seed = config.seed if seed is None else seed
    t0 = _time.perf_counter()
    ds = make_dataset(config.n_lightcurves, seed=seed, n_quarters=config.n_quarters)
    train, val, test = ds.split((0.8, 0.1, 0.1), seed=seed)
    return TCESplit(train, val, test, _time.perf_counter() - t0)


def vetting_baseline(test: Any) -> Any:
    """The classical vetter's :class:`~coursekit.transits.metrics.ClassifierMetrics` on ``test`` (pass: score > 0)."""
    from coursekit.transits.metrics import classification_metrics

    return classification_metrics(test.label, test.vetting["score"], threshold=0.0)


@dataclass
class TrainedCNN:
    """A trained :class:`~coursekit.transits.model.TransitCNN`, its training history and seconds."""

    model: Any
    history: Any
    seconds: float


def train_cnn(split: TCESplit, config: Config | None = None, *, views: tuple[str, ...] = ("global", "local"),
              epochs: int | None = None, seed: int | None = None, progress: bool | None = None,
              calibrated: bool = False, search: SearchExamples | None = None) -> TrainedCNN:
    """Train the CNN on ``split.train`` with early stopping on ``split.val`` (sizes from ``config``).

    ``calibrated``: also fit the vetter (vetting features + calibration, :func:`calibrate_cnn`) on ``split.val``
    and the TCEs of ``search`` (:func:`search_examples`); this is the model ``transits train`` saves and
    ``transits search`` scores with.
    """
    from coursekit.transits.model import train_classifier

    config = config or get_config()
    t0 = _time.perf_counter()
    model, history = train_classifier(split.train, split.val, views=views, config=config.cnn,
                                      epochs=config.epochs if epochs is None else epochs,
                                      batch_size=config.batch_size, patience=config.patience,
                                      seed=config.seed if seed is None else seed, progress=progress)
    trained = TrainedCNN(model, history, _time.perf_counter() - t0)
    return calibrate_cnn(trained, split, search=search) if calibrated else trained


def calibrate_cnn(trained: TrainedCNN, split: TCESplit, *, search: SearchExamples | None = None) -> TrainedCNN:
    """The trained CNN with a vetter fitted on ``split.val``: a logistic regression on the CNN's logit and the
    vetting features of :mod:`coursekit.transits.vetting` (odd/even, secondary, period doubling, V shape,
    duration against stellar density, brightening, residual variability), which also calibrates the score.

    ``search``: TCEs found by a blind search of simulated stars (:func:`search_examples`), pooled with
    ``split.val``: the clean TCEs carry the simulator's ephemerides, while ``transits search`` scores what its own
    search found (fitted durations, binaries' residuals, variability folded at its period), so a vetter fitted on
    those too is calibrated where it is used. Planets and false positives weigh equally in the fit.
    """
    from coursekit.transits.model import calibrate

    t0 = _time.perf_counter()
    model = calibrate(trained.model, split.val,
                      search=None if search is None else (search.candidates, search.label))
    return TrainedCNN(model, trained.history, trained.seconds + _time.perf_counter() - t0)


@dataclass
class Evaluation:
    """Every classifier on one test set: ``metrics`` (name -> ClassifierMetrics), ``scores`` (name -> (n,) score),
    ``differences`` ((a, b) -> paired-bootstrap AUC(a) - AUC(b)), ``label`` (n,)."""

    label: np.ndarray
    scores: dict[str, np.ndarray]
    metrics: dict[str, Any]
    differences: dict[tuple[str, str], Measurement]

    def table(self) -> str:
        """Readable lines: AUC and accuracy with uncertainties, then each difference and its significance."""
        lines = [f"{name:>20}: AUC {m.auc}  accuracy {m.accuracy}" for name, m in self.metrics.items()]
        for (a, b), d in self.differences.items():
            verdict = "significant" if d.significance >= 2 else "not significant"
            lines.append(f"AUC({a}) - AUC({b}) = {d} ({d.significance:.1f} sigma, {verdict} at 2 sigma)")
        return "\n".join(lines)

    def by_kind(self, kind: np.ndarray, threshold: float = 0.5) -> str:
        """Per kind of object (``kind``: (n,) of the test set), the fraction each classifier scores >= ``threshold``
        (> 0 for the classical vetter), with its binomial error: a planet's recall, a false positive's leak."""
        from coursekit.metrics import binomial_err

        kind = np.asarray(kind)
        names = [n for n in self.scores if n != "classical vetting"]
        lines = [f"{'kind':>10} {'n':>4}  " + "  ".join(f"{n[:26]:>26}" for n in names)]
        for k in dict.fromkeys(np.sort(kind).tolist()):
            sel = kind == k
            cells = []
            for n in names:
                hits = int(np.sum(self.scores[n][sel] >= threshold))
                cells.append(f"{str(Measurement(hits / sel.sum(), binomial_err(hits, int(sel.sum())))):>26}")
            lines.append(f"{k:>10} {int(sel.sum()):>4}  " + "  ".join(cells))
        return "\n".join(lines)


def evaluate(test: Any, models: dict[str, Any], *, baseline: bool = True,
             pairs: list[tuple[str, str]] | None = None, n_boot: int = 500) -> Evaluation:
    """Score ``models`` (name -> TransitCNN) and, with ``baseline``, the classical vetter, on the same ``test``.

    ``pairs``: the (a, b) whose AUC difference is bootstrapped; default every model against the first model and
    against the vetter.
    """
    from coursekit.transits.metrics import auc_difference, classification_metrics
    from coursekit.transits.model import predict_proba

    scores = {name: predict_proba(m, test) for name, m in models.items()}
    if baseline:
        scores["classical vetting"] = np.asarray(test.vetting["score"], float)
    thresholds = {"classical vetting": 0.0}
    metrics = {name: classification_metrics(test.label, s, thresholds.get(name, 0.5), n_boot=n_boot)
               for name, s in scores.items()}
    if pairs is None:
        names = list(models)
        pairs = [(names[0], other) for other in names[1:]]
        if baseline:
            pairs += [(name, "classical vetting") for name in names[:1] + names[2:]]
    diffs = {(a, b): auc_difference(test.label, scores[a], scores[b], n_boot=n_boot) for a, b in pairs}
    return Evaluation(np.asarray(test.label), scores, metrics, diffs)


# --------------------------------------------------------------------------- 7. injection-recovery

@dataclass
class InjectionRecovery:
    """Planets injected into simulated light curves and searched blind: injected SNR, recovered or not,
    recovered period, the completeness per SNR bin, seconds per light curve."""

    snr: np.ndarray
    found: np.ndarray
    period_true: np.ndarray
    period_found: np.ndarray
    completeness: Any
    seconds_per_lightcurve: float


def injection_recovery(config: Config | None = None, *, n: int | None = None,
                       snr_range: tuple[float, float] | None = None, n_quarters: int | None = None,
                       period_tol: float = 1e-3, seed: int = 123, edges: tuple[float, ...] | None = None,
                       period_range: tuple[float, float] | None = None,
                       progress: bool | None = None) -> InjectionRecovery:
    """Inject ``n`` planets (batman, limb-darkened) into Kepler-like noise, search each blind, count recoveries.

    A planet is recovered when the strongest signal's period is within ``period_tol`` (fractional) of the
    injected one. ``snr_range``: injected SNR (log-uniform; default spans the edges of ``config.injection_snr``);
    ``edges``: completeness bins (default ``config.injection_snr``). ``period_range`` (days): injected periods
    (log-uniform; default the simulator's 0.8-60 d) and the search range (up to 1.2x its upper end), which keeps
    the search fast for a classroom run.
    """
    from dataclasses import replace

    from tqdm.auto import tqdm

    from coursekit.config import show_progress
    from coursekit.transits.metrics import completeness
    from coursekit.transits.search import search_transits
    from coursekit.transits.simulate import SimulationConfig, simulate_lightcurves

    config = config or get_config()
    edges = tuple(config.injection_snr if edges is None else edges)
    n = config.n_injections * (len(edges) - 1) if n is None else n
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive number of injected planets, got {n!r}")
    lo, hi = snr_range or (edges[0], edges[-1])
    sim_cfg = replace(SimulationConfig(n_quarters=n_quarters or max(config.n_quarters, 1)), planet_snr_range=(lo, hi))
    search_kw: dict[str, float] = {}
    if period_range is not None:
        sim_cfg = replace(sim_cfg, period_range=tuple(float(p) for p in period_range))
        search_kw = {"period_min": min(0.8, float(period_range[0])), "period_max": 1.2 * float(period_range[1])}
    sim = simulate_lightcurves(n, seed=seed, config=sim_cfg, kinds=["planet"] * n)
    p = sim.params
    found = np.zeros(n, bool)
    period_found = np.full(n, np.nan)
    show = show_progress() if progress is None else progress
    t0 = _time.perf_counter()
    for i in tqdm(range(n), desc="injection-recovery", disable=not show):
        t, f = sim.lightcurve(i)
        signals, _ = search_transits(t, f, n_signals=1, **search_kw)
        if signals:
            period_found[i] = signals[0].period
            found[i] = abs(signals[0].period / p["period"][i] - 1) < period_tol
    seconds = (_time.perf_counter() - t0) / n
    snr = np.asarray(p["snr_expected"], float)
    return InjectionRecovery(snr, found, np.asarray(p["period"], float), period_found,
                             completeness(snr, found, edges), seconds)


# --------------------------------------------------------------------------- 7b. every kind through `transits search`

@dataclass
class SearchCensus:
    """Simulated stars of every kind searched blind, as ``transits search`` does (:func:`find_candidates`).

    kind: (n,) the simulated kind. scores: model name -> (n,) for a planet the planet score of the candidate that
    recovers it (period within 1 %, also at 1/2 or 2x), for anything else the highest planet score among its
    candidates; NaN when no candidate was scored (no TCE, or the planet not recovered). seconds: per light curve.
    """

    kind: np.ndarray
    scores: dict[str, np.ndarray]
    seconds: float
    threshold: float = 0.5

    def above(self, kind: str, model: str | None = None) -> Measurement:
        """Fraction of ``kind`` scored >= threshold by ``model`` (default the first): a planet's recall, a false
        positive's leak; binomial error."""
        from coursekit.metrics import binomial_err

        sel = self.kind == kind
        n = int(sel.sum())
        if n == 0:
            raise ValueError(f"no simulated {kind!r} in this census; kinds are {sorted(set(self.kind.tolist()))}")
        score = self.scores[model or next(iter(self.scores))]
        k = int(np.sum(score[sel] >= self.threshold))  # NaN (not scored) counts as below
        return Measurement(k / n, binomial_err(k, n))

    def table(self) -> str:
        """One line per kind and model: how many, the fraction at or above the threshold, the median score."""
        lines = []
        for name, score in self.scores.items():
            for kind in dict.fromkeys(self.kind.tolist()):
                sc = score[self.kind == kind]
                what = "recall" if kind == "planet" else "above"
                med = f"{np.nanmedian(sc):.3f}" if np.isfinite(sc).any() else "-"
                lines.append(f"{name}: {kind:>10}: n = {len(sc):3d}, {what} {self.threshold:g}: "
                             f"{self.above(kind, name)}, median score {med}, not scored {int(np.sum(~np.isfinite(sc)))}")
        return "\n".join(lines)


def _searched_stars(*, n_per_kind: int, kinds: tuple[str, ...] | None, seed: int, n_quarters: int,
                    period_range: tuple[float, float], n_signals: int, progress: bool | None, desc: str):
    """Simulate ``n_per_kind`` single stars of each kind and search each as ``transits search`` does (no model).

    Yields ``(kind, true period [d], baseline [d], candidates)`` per star; the candidates are unscored
    (:func:`~coursekit.transits.search.find_candidates` with ``model=None``), so several models can score them.
    """
    from dataclasses import replace

    from tqdm.auto import tqdm

    from coursekit.config import show_progress
    from coursekit.transits.data import make_lightcurve
    from coursekit.transits.search import find_candidates
    from coursekit.transits.simulate import KINDS, SimulationConfig, simulate_lightcurves

    kinds = tuple(kinds or KINDS)
    if not isinstance(n_per_kind, (int, np.integer)) or n_per_kind < 1:
        raise ValueError(f"n_per_kind must be a positive integer, got {n_per_kind!r}")
    cfg = replace(SimulationConfig(n_quarters=n_quarters), period_range=tuple(float(p) for p in period_range))
    all_kinds = np.repeat(np.array(kinds), n_per_kind)
    sim = simulate_lightcurves(len(all_kinds), seed=seed, config=cfg, kinds=all_kinds)
    show = show_progress() if progress is None else progress
    for i in tqdm(range(len(sim)), desc=desc, disable=not show):
        t, f = sim.lightcurve(i)
        found = find_candidates(make_lightcurve(t, f), n_signals=n_signals)
        yield str(all_kinds[i]), float(sim.params["period"][i]), float(t.max() - t.min()), found


def recovers_period(candidate: Any, period: float, tol: float = 0.01) -> bool:
    """The candidate's period is within ``tol`` (fractional) of ``period``, of half or of twice it."""
    return any(abs(candidate.signal.period / (period * r) - 1) < tol for r in (1.0, 0.5, 2.0))


def search_census(models: Any, *, n_per_kind: int = 20, kinds: tuple[str, ...] | None = None, seed: int = 7,
                  n_quarters: int = 1, period_range: tuple[float, float] = (0.8, 25.0), n_signals: int = 3,
                  progress: bool | None = None, system: bool = True) -> SearchCensus:
    """Score ``n_per_kind`` simulated light curves of each kind through exactly the path of ``transits search``
    on ``n_quarters`` quarter(s): detrending, BLS, the TCE rules, views, vetting statistics, the model's score and
    the star's signals vetted as one system (:func:`~coursekit.transits.search.score_candidates`).

    models: a model, or ``{name: model}`` to score the same candidates with several (``None``: nothing scored).
    system: False scores each TCE on its own (the model's score, no system rules), to measure what they add.
    Planets need three transits in a quarter to be TCEs, hence ``period_range`` (days) for planets and binaries.
    Seeds: the bench's census uses 2024, this default 7; :func:`search_examples` (the vetter's training stars)
    must use others.
    """
    from coursekit.transits.model import score_views
    from coursekit.transits.search import score_candidates

    if not isinstance(models, dict):
        models = {"model": models}
    kind_list: list[str] = []
    rows: list[dict[str, float]] = []
    t0 = _time.perf_counter()
    for kind, p_true, baseline, found in _searched_stars(
            n_per_kind=n_per_kind, kinds=kinds, seed=seed, n_quarters=n_quarters, period_range=period_range,
            n_signals=n_signals, progress=progress, desc="search census"):
        kind_list.append(kind)
        row = {name: np.nan for name in models}
        for name, model in models.items():
            if model is None:
                continue
            cands = score_candidates(found, model, baseline=baseline) if system else [
                replace(c, planet_score=float(score_views(
                    model, c.global_view[None], c.local_view[None], vetting=c.vetting.to_dict(),
                    period=c.signal.period, duration=c.signal.duration)[0]))
                for c in found if c.is_tce and c.global_view is not None]
            if kind == "planet":
                cands = [c for c in cands if recovers_period(c, p_true)]
            sc = [c.planet_score for c in cands if c.planet_score is not None]
            if sc:
                row[name] = max(sc)
        rows.append(row)
    scores = {name: np.array([r[name] for r in rows], float) for name in models}
    return SearchCensus(np.array(kind_list), scores, (_time.perf_counter() - t0) / max(len(rows), 1))


@dataclass
class SearchExamples:
    """TCEs that the path of ``transits search`` finds in simulated single stars: what a model scores in use.

    candidates: the TCEs with views (:class:`~coursekit.transits.search.Candidate`, unscored). label: (n,) 1 for
    the TCE that recovers a simulated planet (its period, half or twice it), 0 for every other (binaries'
    eclipses and their residuals, variability, noise). kind: (n,) the simulated kind of the star. star_period: (n,)
    the simulated star's period, days (orbit, pulsation or rotation). seconds: in all.
    """

    candidates: list[Any]
    label: np.ndarray
    kind: np.ndarray
    star_period: np.ndarray
    seconds: float

    def __len__(self) -> int:
        return len(self.candidates)


#: Seed of the stars :func:`search_examples` simulates by default; the census (7) and the bench (2024) use others.
SEARCH_EXAMPLES_SEED = 31
#: The kinds of star :func:`search_examples` draws: all but background binaries. Diluted to planet-like depths,
#: their eclipses look like planets' in the light curve and only centroid motion tells them apart (Bryson et al.
#: 2013); among the vetter's examples they only lower the score of everything planet-like (census of 50 stars per
#: kind, vetter fitted on search TCEs alone, durations from the earlier trapezoid fit: planet recall 0.84 +- 0.05
#: without them, 0.78 +- 0.06 with them, the eclipsing binaries' leak 0.08 +- 0.04 both).
VETTER_KINDS = ("planet", "eb", "quiet", "heartbeat", "spotted", "pulsator")


def search_examples(n_per_kind: int = 20, *, kinds: tuple[str, ...] = VETTER_KINDS, seed: int = SEARCH_EXAMPLES_SEED,
                    n_quarters: int = 1, period_range: tuple[float, float] = (0.8, 25.0), n_signals: int = 3,
                    progress: bool | None = None) -> SearchExamples:
    """Labelled TCEs from ``n_per_kind`` simulated stars of each kind searched blind (as :func:`search_census`).

    The clean simulated TCEs the CNN learns from carry the simulator's ephemeris; a blind search of one quarter
    finds slightly different periods, epochs and fitted durations, residuals of binaries after their eclipses are
    masked, and variability folded at its own period. A vetter calibrated on these (:func:`calibrate_cnn` with
    ``search=``) learns the population ``transits search`` scores (a calibration set should look like the data
    it calibrates; Niculescu-Mizil & Caruana 2005). Use a ``seed`` other than the census's.
    """
    t0 = _time.perf_counter()
    cands: list[Any] = []
    label: list[int] = []
    kind_of: list[str] = []
    star_period: list[float] = []
    for kind, p_true, _, found in _searched_stars(
            n_per_kind=n_per_kind, kinds=kinds, seed=seed, n_quarters=n_quarters, period_range=period_range,
            n_signals=n_signals, progress=progress, desc="search examples"):
        for c in found:
            if c.is_tce and c.global_view is not None:
                cands.append(c)
                label.append(int(kind == "planet" and recovers_period(c, p_true)))
                kind_of.append(kind)
                star_period.append(p_true)
    return SearchExamples(cands, np.array(label, np.int64), np.array(kind_of), np.array(star_period, float),
                          _time.perf_counter() - t0)


# --------------------------------------------------------------------------- 8. real labelled KOIs (full mode)

def koi_tces(config: Config | None = None, *, n: int | None = None, loader: Any = None, mode: str | None = None):
    """Real labelled TCEs: CONFIRMED vs FALSE POSITIVE KOIs of the DR25 table, views from their light curves.

    The KOI table comes through ``resolve`` (verified); the light curves from MAST with lightkurve (quarters
    1-8, cached) unless ``loader(kepid) -> [paths]`` gives them. Returns a ``TransitDataset``.
    """
    from coursekit.transits.data import koi_dataset, load_koi_table, select_kois

    config = config or get_config(mode)
    table = load_koi_table(mode, verbose=False)
    if table.meta.get("TIER") == "stand-in":
        raise RuntimeError("the KOI table is not available (stand-in tier): fetch it with `python -m coursekit data "
                           "fetch kepler_koi_cumulative` (or `data import FOLDER`) before training on real KOIs")
    return koi_dataset(select_kois(table, n or config.n_real_kois, seed=config.seed), loader=loader)


@dataclass
class KOIResult:
    """The dual-view CNN trained and tested on real KOIs, beside the simulation-trained CNN and the vetter."""

    n_kois: int
    n_planets: int
    evaluation: Evaluation
    seconds: float


def train_on_kois(config: Config | None = None, *, sim_model: Any = None, dataset: Any = None, loader: Any = None,
                  mode: str | None = None) -> KOIResult:
    """Full mode: split real KOIs 80/10/10, train the dual-view CNN on them, evaluate it with the vetter (and the
    simulation-trained ``sim_model`` if given) on the held-out KOIs."""
    config = config or get_config(mode)
    t0 = _time.perf_counter()
    real = dataset if dataset is not None else koi_tces(config, loader=loader, mode=mode)
    r_train, r_val, r_test = real.split((0.8, 0.1, 0.1), seed=config.seed, stratify=True)
    if len(np.unique(r_test.label)) < 2:
        raise RuntimeError(f"the held-out KOIs ({len(r_test)}) hold one class only: use more KOIs (n_real_kois)")
    cnn = train_cnn(TCESplit(r_train, r_val, r_test, 0.0), config)
    models = {"CNN trained on KOIs": cnn.model}
    if sim_model is not None:
        models["CNN trained on simulations"] = sim_model
    ev = evaluate(r_test, models)
    return KOIResult(len(real), int(np.sum(real.label)), ev, _time.perf_counter() - t0)


# --------------------------------------------------------------------------- the whole lesson

def run(mode: str | None = None, *, config: Config | None = None):
    """Every step in order; returns a :class:`coursekit.experiment.Report` (metrics with uncertainties, the
    CNN-vs-vetting and dual-vs-global comparisons, Kepler-90 recoveries, step timings)."""
    from coursekit.config import get_mode
    from coursekit.experiment import Report

    mode = get_mode(mode)
    config = config or get_config(mode)
    report = Report(topic="transits", mode=mode)
    with report.step("data"):
        data = load_real_data(mode, verbose=False)  # the tiers go into the report; stdout may be --json
    report.notes.extend(data.messages.values())
    report.tiers.update(data.tiers)
    report.inputs.extend(data.files)
    with report.step("simulate"):
        split = simulate_tces(config)
    with report.step("baseline"):
        vet = vetting_baseline(split.test)
    with report.step("train"):
        dual = train_cnn(split, config, progress=False)
        glob = train_cnn(split, config, views=("global",), progress=False)
        vetted = calibrate_cnn(dual, split)
    with report.step("evaluate"):
        ev = evaluate(split.test, {"dual-view CNN": dual.model, "global-view CNN": glob.model,
                                   "dual-view CNN + vetting features": vetted.model})
    for name, m in ev.metrics.items():
        report.add_metric(f"AUC {name} (simulated test)", m.auc)
        report.add_metric(f"accuracy {name} (simulated test)", m.accuracy)
    report.add_comparison(ml="dual-view CNN", baseline="classical vetting", metric="AUC on simulated test TCEs",
                          ml_value=ev.metrics["dual-view CNN"].auc, baseline_value=vet.auc,
                          diff=ev.differences[("dual-view CNN", "classical vetting")])
    report.add_comparison(ml="dual-view CNN", baseline="global-view CNN", metric="AUC on simulated test TCEs",
                          ml_value=ev.metrics["dual-view CNN"].auc, baseline_value=ev.metrics["global-view CNN"].auc,
                          diff=ev.differences[("dual-view CNN", "global-view CNN")])
    report.add_comparison(ml="dual-view CNN + vetting features", baseline="classical vetting",
                          metric="AUC on simulated test TCEs",
                          ml_value=ev.metrics["dual-view CNN + vetting features"].auc, baseline_value=vet.auc,
                          diff=ev.differences[("dual-view CNN + vetting features", "classical vetting")])
    with report.step("kepler90"):
        k90 = search_kepler90(data, model=vetted.model, config=config)
    for c, m in zip(k90.candidates, k90.matches):
        score = "-" if c.planet_score is None else f"{c.planet_score:.3f}"
        report.notes.append(f"Kepler-90 [{data.tiers['kepler90_lightcurves']}]: P = {c.signal.period:.3f} d, "
                            f"SNR {c.signal.snr:.1f}, {c.signal.n_transits} transits -> {m or 'no known planet'}; "
                            f"CNN {score}")
    report.add_metric("Kepler-90 known planets recovered", Measurement(len(set(k90.recovered)), 0.0))
    with report.step("injection_recovery"):
        inj = injection_recovery(config, n_quarters=1, period_range=(1.0, 10.0), progress=False)
    for (lo, hi), frac in zip(zip(inj.completeness.edges[:-1], inj.completeness.edges[1:]), inj.completeness.fraction):
        report.add_metric(f"completeness SNR {lo:g}-{hi:g}", frac)
    report.notes.append(f"Shallue & Vanderburg 2018 (DR24 TCEs): AUC {LITERATURE_AUC}, accuracy {LITERATURE_ACCURACY}")
    if mode == "full":
        with report.step("real_kois"):
            koi = train_on_kois(config, sim_model=dual.model, mode=mode)
        m = koi.evaluation.metrics["CNN trained on KOIs"]
        report.add_metric("AUC CNN trained on KOIs (real test KOIs)", m.auc)
        report.add_comparison(ml="CNN trained on KOIs", baseline="classical vetting", metric="AUC on real test KOIs",
                              ml_value=m.auc, baseline_value=koi.evaluation.metrics["classical vetting"].auc,
                              diff=koi.evaluation.differences[("CNN trained on KOIs", "classical vetting")])
        report.notes.append(f"real KOIs: {koi.n_kois} ({koi.n_planets} confirmed planets); literature AUC "
                            f"{LITERATURE_AUC} on DR24")
    return report
