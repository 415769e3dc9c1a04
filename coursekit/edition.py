"""The student edition: ``python -m coursekit edition``.

The notebooks in ``notebooks/`` are the *solved* edition. This module writes

* ``notebooks/student/NN_*.ipynb``: the same notebooks with every solution removed and every output stripped:
  in a code cell, the lines from ``### BEGIN SOLUTION [<id>]`` to ``### END SOLUTION`` are dropped and a line
  ``### STUDENT: <code>`` becomes ``<code>`` (its indentation kept); a cell tagged ``solution`` (the older form,
  the whole cell is the solution) is dropped;
* ``coursekit/solutions/<topic>.txt``: those solutions, keyed by exercise id, encoded (zlib + base85) so that
  the installed package holds no solution in plain text; ``coursekit.exercises.show_solution`` decodes them.
  Each topic's quiz (questions, answer keys, feedback) is written in ``notebooks/quizzes/<topic>.yaml`` and goes
  into the same file, so the answer keys are not in plain text in the package either.

``python -m coursekit edition --check`` writes nothing and exits 1 when a file is out of date (the test
``tests/test_edition.py`` does the same), so whoever edits a solved notebook reruns the command.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.exercises import QUIZ_KEY, decode_solutions, encode_solutions, question_to_dict, questions_from_list

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUDENT = "### STUDENT: "
SOLUTION_TAG = "solution"
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w]+\.[\w.]+)["']""")
_ROOT = Path(__file__).resolve().parent.parent

STUDENT_BANNER = (
    "> **Student edition.** Write your answers where a cell says `None` or `your code here`; `check(...)` tells you "
    "whether they are right, `hint(\"<id>\")` gives a nudge and then the method, and `show_solution(\"<id>\")` shows "
    "the worked solution once you have tried. Cells further down never depend on your answers, so the notebook runs "
    "top to bottom even with everything left at `None`."
)


class EditionError(ValueError):
    """A solved notebook whose solution markers cannot be turned into a student edition."""


@dataclass
class Edition:
    """The student notebook (as a dict) and the solutions taken out of it, by exercise id."""

    notebook: dict
    solutions: dict[str, str] = field(default_factory=dict)


def _lines(source: str | list[str]) -> list[str]:
    return (source if isinstance(source, str) else "".join(source)).split("\n")


def _single_check_id(source: str, where: str) -> str | None:
    ids = sorted(set(_CHECK_CALL.findall(source)))
    if len(ids) > 1:
        raise EditionError(f"{where}: a solution block without an id, in a cell that checks {', '.join(ids)}; "
                           f"name it: '{BEGIN} <topic>.<name>'")
    return ids[0] if ids else None


def _add(solutions: dict[str, str], exercise_id: str, text: str, where: str) -> None:
    text = textwrap.dedent(text).strip("\n")
    if exercise_id in solutions and solutions[exercise_id] != text:
        solutions[exercise_id] = solutions[exercise_id] + "\n\n" + text
    else:
        solutions[exercise_id] = text


def studentize_source(source: str | list[str], where: str = "cell") -> tuple[str, dict[str, str]]:
    """Student version of one code cell's source, and the solutions it held (by id)."""
    full = "\n".join(_lines(source))
    out: list[str] = []
    solutions: dict[str, str] = {}
    block: list[str] | None = None
    block_id: str | None = None
    for n, line in enumerate(_lines(source), 1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if block is not None:
                raise EditionError(f"{where}, line {n}: '{BEGIN}' inside another solution block; close it with '{END}'")
            block, block_id = [], stripped[len(BEGIN):].strip() or _single_check_id(full, where)
            if block_id and not re.fullmatch(r"\w+\.[\w.]+", block_id):
                raise EditionError(f"{where}, line {n}: {block_id!r} is not an exercise id like 'gw.network_snr'")
            continue
        if stripped.startswith(END):
            if block is None:
                raise EditionError(f"{where}, line {n}: '{END}' without a '{BEGIN}' before it")
            if block_id:
                _add(solutions, block_id, "\n".join(block), where)
            block, block_id = None, None
            continue
        if block is not None:
            block.append(line)
            continue
        if stripped.startswith(STUDENT.strip()):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + stripped[len(STUDENT.strip()):].lstrip(" ") if stripped != STUDENT.strip() else indent)
            continue
        out.append(line)
    if block is not None:
        raise EditionError(f"{where}: '{BEGIN}' is never closed; add '{END}'")
    return "\n".join(out), solutions


def _is_solution_cell(cell: dict) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def studentize(nb: dict, name: str = "notebook") -> Edition:
    """The student edition of a solved notebook (a dict in nbformat 4 layout); ``nb`` is not changed."""
    nb = copy.deepcopy(nb)
    cells, solutions = [], {}
    for i, cell in enumerate(nb.get("cells", [])):
        where = f"{name}, cell {i}"
        if cell.get("cell_type") != "code":
            cells.append(cell)
            continue
        source = "".join(cell.get("source", []))
        if _is_solution_cell(cell):
            ex_id = _single_check_id(source, where)
            if ex_id:
                body = "\n".join(ln for ln in source.split("\n") if ln.strip().lower() != "# solution")
                _add(solutions, ex_id, body, where)
            continue
        new_source, found = studentize_source(source, where)
        for key, text in found.items():
            _add(solutions, key, text, where)
        cell["source"] = new_source
        cell["outputs"] = []
        cell["execution_count"] = None
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        if meta.get("jupyter", {}).get("source_hidden"):
            meta["jupyter"].pop("source_hidden")
            if not meta["jupyter"]:
                meta.pop("jupyter")
        cells.append(cell)
    # the banner goes after the Colab set-up cell and the title
    banner = {"cell_type": "markdown", "id": "student-edition", "metadata": {}, "source": STUDENT_BANNER}
    insert_at = next((i + 1 for i, c in enumerate(cells) if c.get("cell_type") == "markdown"), 0)
    cells.insert(insert_at, banner)
    nb["cells"] = cells
    for i, cell in enumerate(nb["cells"]):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        cell.setdefault("id", f"cell-{i}")
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) < (4, 5):
        nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return Edition(nb, solutions)


def _dump(nb: dict) -> str:
    import nbformat

    node = nbformat.from_dict(nb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.writes(node) + "\n"


def plan(root: Path = _ROOT) -> dict[Path, str]:
    """Every file the edition consists of, with the text it must have."""
    files: dict[Path, str] = {}
    by_topic: dict[str, dict[str, str]] = {}
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        # read the JSON as it is: nbformat.read would give cells without ids new random ones on every run
        nb = json.loads(path.read_text(encoding="utf-8"))
        if nb.get("nbformat") != 4:
            raise EditionError(f"{path.name}: nbformat {nb.get('nbformat')} notebook; save it as nbformat 4")
        edition = studentize(nb, name=path.name)
        files[root / "notebooks" / "student" / path.name] = _dump(edition.notebook)
        for ex_id, text in edition.solutions.items():
            by_topic.setdefault(ex_id.split(".", 1)[0], {})[ex_id] = text
    for topic, items in quiz_sources(root).items():
        by_topic.setdefault(topic, {})[f"{topic}.{QUIZ_KEY}"] = json.dumps(items, ensure_ascii=False, sort_keys=True)
    for topic, sols in sorted(by_topic.items()):
        files[root / "coursekit" / "solutions" / f"{topic}.txt"] = encode_solutions(sols)
    return files


def quiz_sources(root: Path = _ROOT) -> dict[str, list[dict]]:
    """Every quiz in ``notebooks/quizzes/<topic>.yaml``, checked (8-10 valid questions), in plain form."""
    import yaml

    out: dict[str, list[dict]] = {}
    for path in sorted((root / "notebooks" / "quizzes").glob("*.yaml")):
        where = f"notebooks/quizzes/{path.name}"
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            raise EditionError(f"{where}: not valid YAML{at} ({getattr(exc, 'problem', None) or exc}); "
                               "fix the file and rerun") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("questions"), list):
            raise EditionError(f"{where}: expected a mapping with a 'questions' list")
        if doc.get("topic", path.stem) != path.stem:
            raise EditionError(f"{where}: says topic {doc['topic']!r}; the file name gives the topic ({path.stem!r})")
        try:
            questions = questions_from_list(path.stem, doc["questions"], where=where)
        except (TypeError, ValueError) as exc:
            raise EditionError(str(exc)) from None
        out[path.stem] = [question_to_dict(q) for q in questions]
    return out


def stale_files(root: Path = _ROOT) -> list[str]:
    """Files that differ from what ``python -m coursekit edition`` would write, or that it would delete."""
    wanted = plan(root)
    out = [str(p.relative_to(root)) for p, text in wanted.items()
           if not p.exists() or p.read_text(encoding="utf-8") != text]
    existing = list((root / "notebooks" / "student").glob("*.ipynb")) + list((root / "coursekit" / "solutions").glob("*.txt"))
    out += [str(p.relative_to(root)) + " (no longer generated)" for p in existing if p not in wanted]
    return sorted(out)


def write(root: Path = _ROOT) -> list[str]:
    """Write the student edition and the encoded solutions; return the files that changed."""
    wanted = plan(root)
    changed = []
    for path, text in wanted.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(str(path.relative_to(root)))
    for path in list((root / "notebooks" / "student").glob("*.ipynb")) + list((root / "coursekit" / "solutions").glob("*.txt")):
        if path not in wanted:
            path.unlink()
            changed.append(str(path.relative_to(root)) + " (deleted)")
    return changed


def solutions_of(root: Path = _ROOT) -> dict[str, str]:
    """All committed solutions, decoded (for instructors and tests)."""
    out: dict[str, str] = {}
    for path in sorted((root / "coursekit" / "solutions").glob("*.txt")):
        out.update(decode_solutions(path.read_text(encoding="utf-8")))
    return out


def _cmd_edition(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if args.audit:
        from coursekit.course import audit, audit_markdown

        rows = audit(root / "notebooks")
        print(audit_markdown(rows))
        return 0 if all(r.complete for r in rows) else 1
    if args.check:
        stale = stale_files(root)
        if stale:
            print("student edition out of date: " + ", ".join(stale) + "; run `python -m coursekit edition`")
            return 1
        print("student edition up to date")
        return 0
    changed = write(root)
    print("\n".join(f"wrote {c}" for c in changed) or "student edition already up to date")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("edition", help="write the student edition (notebooks/student/) and encoded solutions")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if any generated file is out of date")
    p.add_argument("--audit", action="store_true",
                   help="print what each solved notebook asks (exercises by kind, quiz, widget, solutions); "
                        "exit 1 unless every notebook has a build-it, an experiment and a quiz")
    p.add_argument("--root", default=str(_ROOT), help="repository root (default: this checkout)")
    p.set_defaults(func=_cmd_edition)
