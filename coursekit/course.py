"""The course map: the eight notebooks, what each teaches and what it needs, and an audit of what each has.

One table used by notebook 01, ``python -m coursekit run`` and the README test. :func:`audit` reads the solved
notebooks and says, per notebook, how many exercises of each kind it checks (value, build-it function,
experiment), whether it ends with a quiz, whether every exercise has a worked solution and whether it has a
widget: ``python -m coursekit edition --audit`` prints it, for the course-wide acceptance.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Notebook:
    number: str
    filename: str
    title: str
    learn: str
    method: str
    baseline: str
    reduced_minutes: float
    full_minutes: float
    gpu: str
    topic: str
    study_hours: float = 1.5        # reading + build-it + exercises + quiz, estimated
    measured: str = ""              # reduced-mode run time measured by `python -m coursekit run` on a 2-core CPU


NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook("01", "01_data_tsunami.ipynb", "The data tsunami",
             "survey data rates with astropy units; a lower bound vs an estimate; designing a survey (sliders); "
             "environment check",
             "ResNet18 throughput measured live", "volunteer classification (Galaxy Zoo)", 1, 2, "no", "surveys",
             1.0, "14 s"),
    Notebook("02", "02_galaxy_morphology.ipynb", "Galaxy morphology with CNNs",
             "real Galaxy Zoo 1 cut-outs; transfer learning (a ResNet18 pretrained on simulated galaxies, or on "
             "ImageNet where the weights can be had, fine-tuned on real ones); rotation averaging (build it); "
             "rotation and MC-dropout experiments; calibration; domain shift",
             "ResNet18 CNN", "morphology features + random forest", 1.5, 20, "yes (full mode)", "galaxies", 2.0, "66 s"),
    Notebook("03", "03_photometric_redshifts.ipynb", "Photometric redshifts",
             "real SDSS BOSS DR10 photometry; build a mixture density network for p(z); NMAD, outliers, PIT, CRPS "
             "with error bars; K, domain-shift and error-input experiments",
             "mixture density network", "kNN and random forest (BOSS), vs χ² template fitting (synthetic)", 1, 10, "no",
             "photoz", 2.0, "69 s"),
    Notebook("04", "04_gravitational_waves.ipynb", "Gravitational-wave detection",
             "GW150914 through gwpy; whitening; build the FFT matched filter; 1D CNN vs matched filtering at a fixed "
             "false-alarm probability; overlapping-window false alarms; glitches and chi^2; network-SNR slider",
             "1D CNN", "matched filtering (PyCBC)", 1.5, 30, "helps", "gw", 2.5, "87 s"),
    Notebook("05", "05_exoplanet_transits.ipynb", "Exoplanet transits",
             "Kepler-90 through lightkurve; detrending, BLS and what makes a TCE; build the global/local views; "
             "dual-view CNN (Shallue & Vanderburg 2018) vs vetting; injection-recovery; depth/duration slider",
             "dual-view CNN", "BLS SNR + odd/even + secondary vetting", 1, 30, "helps", "transits", 2.5, "66 s"),
    Notebook("06", "06_symbolic_regression.ipynb", "Symbolic regression",
             "Kepler's third law from the real exoplanet catalogue, NFW, H0 and q0 from Pantheon+ (cosmography done "
             "right); build the Pareto front; noise and operator experiments; PySR online, Operon offline",
             "PySR / Operon", "least-squares fit of the known law", 1, 25, "no", "symbolic", 1.25, "52 s"),
    Notebook("07", "07_simulation_based_inference.ipynb", "Simulation-based inference",
             "neural posterior estimation of Omega_m and sigma_8 (build the simulator); degeneracies; a nuisance "
             "galaxy bias; the simulation budget (amortised vs sequential); SBC, coverage, TARP, misspecification",
             "NPE (sbi)", "exact Gaussian-likelihood posterior on a grid", 1, 15, "no", "sbi", 2.0, "88 s"),
    Notebook("08", "08_astropy_ml.ipynb", "Astropy + ML",
             "real DSS/Spitzer plates with their WCS, photutils detection and deblending, finding M67, cross-match "
             "and cut-out → tensor (build it), threshold experiment, back to FITS; `astro locate` on any plate",
             "star/galaxy CNN on cutouts", "concentration cut and random forest (paired bootstrap)", 0.5, 10, "no",
             "astro", 2.0, "32 s"),
)


def course_table() -> list[dict[str, str]]:
    """Rows for a printed or plotted course map."""
    return [
        {"#": n.number, "notebook": n.title, "you learn": n.learn, "ML method": n.method,
         "classical baseline": n.baseline, "run (reduced)": f"~{n.reduced_minutes:g} min",
         "run (full)": f"~{n.full_minutes:g} min", "GPU": n.gpu, "study": f"~{n.study_hours:g} h"}
        for n in NOTEBOOKS
    ]


def readme_table() -> str:
    """The README's notebook table: links to the solved notebooks, launch badges to the student edition."""
    from coursekit.links import badges

    rows = ["| # | notebook | you learn | ML method vs classical baseline | run: reduced | run: full | study | GPU "
            "| launch (student edition) |", "|---|---|---|---|---|---|---|---|---|"]
    for n in NOTEBOOKS:
        rows.append(f"| {n.number} | [{n.title}](notebooks/{n.filename}) | {n.learn} | {n.method} vs {n.baseline} | "
                    f"{n.measured or f'~{n.reduced_minutes:g} min'} | ~{n.full_minutes:g} min | ~{n.study_hours:g} h | "
                    f"{n.gpu} | {badges('student/' + n.filename)} |")
    return "\n".join(rows)


_CHECK = re.compile(r"""\bcheck\(\s*["']([\w]+\.[\w.]+)["']""")
_QUIZ = re.compile(r"""\bquiz\(\s*["'](\w+)["']""")


@dataclass
class NotebookAudit:
    """What a solved notebook asks of a student."""

    notebook: str
    value: list[str] = field(default_factory=list)
    function: list[str] = field(default_factory=list)
    effect: list[str] = field(default_factory=list)
    quiz: bool = False
    widget: bool = False
    study_time: bool = False
    missing_solutions: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    plain_text_solutions: list[str] = field(default_factory=list)   # `solution=` text inside the package

    @property
    def complete(self) -> bool:
        """Asks the student to write code, run an experiment and answer a quiz, with every solution stored."""
        return bool(self.function and self.effect and self.quiz and self.study_time
                    and not self.missing_solutions and not self.unknown and not self.plain_text_solutions)


def audit_notebook(path: Path) -> NotebookAudit:
    """Exercises by kind, quiz, widget, study time and missing solutions of one solved notebook."""
    from coursekit.edition import studentize
    from coursekit.exercises import get_exercise

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"])
    result = NotebookAudit(Path(path).stem)
    ids = sorted(set(_CHECK.findall(text)))
    for ex_id in ids:
        try:
            ex = get_exercise(ex_id)
        except Exception as exc:  # an unknown id, or a topic whose exercises module does not import
            result.unknown.append(f"{ex_id} ({type(exc).__name__})")
            continue
        getattr(result, ex.kind).append(ex_id)
        if ex.solution:
            result.plain_text_solutions.append(ex_id)
    result.quiz = bool(_QUIZ.search(text))
    result.widget = "explore(" in text or "ipywidgets" in text
    header = "".join(nb["cells"][1]["source"]) if len(nb["cells"]) > 1 else ""
    result.study_time = "Study" in header
    solutions = studentize(nb, Path(path).name).solutions
    result.missing_solutions = [i for i in ids if i not in solutions]
    return result


def audit(folder: Path | None = None) -> list[NotebookAudit]:
    """:func:`audit_notebook` for every solved notebook in ``folder`` (default: this checkout's notebooks/)."""
    folder = folder or Path(__file__).resolve().parent.parent / "notebooks"
    return [audit_notebook(p) for p in sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))]


def audit_markdown(rows: list[NotebookAudit]) -> str:
    lines = ["| notebook | value | build-it | experiment | quiz | widget | study time | missing solutions "
             "| plain-text solutions in the package | complete |", "|---|---:|---:|---:|---|---|---|---|---|---|"]
    for r in rows:
        yn = {True: "yes", False: "no"}
        lines.append(f"| {r.notebook} | {len(r.value)} | {len(r.function)} | {len(r.effect)} | {yn[r.quiz]} | "
                     f"{yn[r.widget]} | {yn[r.study_time]} | {', '.join(r.missing_solutions + r.unknown) or '-'} | "
                     f"{', '.join(r.plain_text_solutions) or '-'} | {yn[r.complete]} |")
    return "\n".join(lines)
