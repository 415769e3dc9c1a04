"""The student edition: markers, dropped solution cells, stripped outputs, encoded solutions, and sync."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from coursekit.edition import EditionError, plan, stale_files, studentize, studentize_source, write
from coursekit.exercises import decode_solutions

ROOT = Path(__file__).resolve().parent.parent

BUILD_IT = '''import numpy as np

def whiten(x):
    """Divide by the standard deviation."""
    ### BEGIN SOLUTION gw.whiten
    scale = np.std(x)
    return x / scale
    ### END SOLUTION
    ### STUDENT: raise NotImplementedError("your code here")

check("gw.whiten", whiten)'''


def test_build_it_cell_keeps_indentation_and_records_solution():
    student, sols = studentize_source(BUILD_IT)
    assert "np.std" not in student and "SOLUTION" not in student
    assert '    raise NotImplementedError("your code here")' in student.split("\n")
    assert student.split("\n")[-1] == 'check("gw.whiten", whiten)'
    assert sols == {"gw.whiten": "scale = np.std(x)\nreturn x / scale"}
    compile(student, "student", "exec")  # still valid Python


def test_value_cell_id_taken_from_the_single_check_call():
    src = ("### BEGIN SOLUTION\nanswer = 22.8\n### END SOLUTION\n### STUDENT: answer = None  # yours\n"
           "check('gw.network_snr', answer)")
    student, sols = studentize_source(src)
    assert student == "answer = None  # yours\ncheck('gw.network_snr', answer)"
    assert sols == {"gw.network_snr": "answer = 22.8"}


@pytest.mark.parametrize("src, message", [
    ("### BEGIN SOLUTION x.y\na = 1", "never closed"),
    ("### END SOLUTION", "without a"),
    ("### BEGIN SOLUTION a.b\n### BEGIN SOLUTION a.c\n### END SOLUTION", "inside another"),
    ("### BEGIN SOLUTION\na = 1\n### END SOLUTION\ncheck('a.b', a); check('a.c', a)", "name it"),
    ("### BEGIN SOLUTION not an id\n### END SOLUTION", "not an exercise id"),
])
def test_malformed_markers_are_refused_with_the_fix(src, message):
    with pytest.raises(EditionError, match=message):
        studentize_source(src, "nb, cell 3")


def _solved_notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("answer = None\ncheck('surveys.x', answer)")
    code.outputs = [nbformat.v4.new_output("stream", text="NOT YET")]
    code.execution_count = 3
    sol = nbformat.v4.new_code_cell("# Solution\nanswer = 6\ncheck('surveys.x', answer)",
                                    metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}})
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), code, sol, nbformat.v4.new_code_cell(BUILD_IT)]
    return json.loads(nbformat.writes(nb))


def test_studentize_drops_solution_cells_and_outputs_and_adds_a_banner():
    solved = _solved_notebook()
    ed = studentize(solved, "t.ipynb")
    sources = ["".join(c["source"]) for c in ed.notebook["cells"]]
    assert not any("answer = 6" in s or "np.std" in s for s in sources)
    assert "Student edition" in sources[1]
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
               for c in ed.notebook["cells"] if c["cell_type"] == "code")
    assert ed.solutions == {"surveys.x": "answer = 6\ncheck('surveys.x', answer)",
                            "gw.whiten": "scale = np.std(x)\nreturn x / scale"}
    assert solved["cells"][2]["metadata"]["tags"] == ["solution"]  # input untouched
    nbformat.validate(nbformat.from_dict(ed.notebook))


def test_write_then_check_on_a_scratch_repository(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nbformat.from_dict(_solved_notebook()), tmp_path / "notebooks" / "01_t.ipynb")
    assert sorted(stale_files(tmp_path)) == ["coursekit/solutions/gw.txt", "coursekit/solutions/surveys.txt",
                                             "notebooks/student/01_t.ipynb"]
    write(tmp_path)
    assert stale_files(tmp_path) == []
    text = (tmp_path / "coursekit/solutions/surveys.txt").read_text()
    assert "answer = 6" not in text and decode_solutions(text)["surveys.x"].startswith("answer = 6")
    (tmp_path / "notebooks" / "student" / "99_old.ipynb").write_text("{}")
    assert stale_files(tmp_path) == ["notebooks/student/99_old.ipynb (no longer generated)"]


def test_committed_student_edition_is_in_sync():
    stale = stale_files(ROOT)
    assert not stale, (f"out of date: {stale}; run `python -m coursekit edition` and commit notebooks/student "
                       "and coursekit/solutions")


def test_student_edition_holds_no_solution_and_package_holds_no_plain_solution():
    files = plan(ROOT)
    solutions = {}
    for path, text in files.items():
        if path.suffix == ".txt":
            solutions.update(decode_solutions(text))
    assert solutions, "no solutions found in the solved notebooks"
    for path, text in files.items():
        if path.suffix == ".ipynb":
            nb = json.loads(text)
            assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]), path
            assert "### BEGIN SOLUTION" not in text, path
        else:
            for sol in solutions.values():
                longest = max(sol.splitlines(), key=len)
                assert longest not in text


def test_cells_without_ids_get_the_same_ids_every_time(tmp_path):
    (tmp_path / "notebooks").mkdir()
    nb = _solved_notebook()
    for cell in nb["cells"]:
        cell.pop("id", None)
    nb["nbformat_minor"] = 4
    (tmp_path / "notebooks" / "02_t.ipynb").write_text(json.dumps(nb))
    first = plan(tmp_path)
    assert plan(tmp_path) == first
    student = json.loads(first[tmp_path / "notebooks" / "student" / "02_t.ipynb"])
    assert [c["id"] for c in student["cells"]][:2] == ["cell-0", "student-edition"]


def test_every_student_code_cell_is_valid_python():
    """A misplaced marker (a STUDENT line at the wrong indentation, a half-removed block) is caught without a kernel."""
    import re as _re

    bad = []
    for path, text in plan(ROOT).items():
        if path.suffix != ".ipynb":
            continue
        for i, cell in enumerate(json.loads(text)["cells"]):
            if cell["cell_type"] != "code":
                continue
            src = "".join(cell["source"])
            src = _re.sub(r"^(\s*)[%!].*$", r"\1pass", src, flags=_re.M)   # IPython magics and shell lines
            try:
                compile(src, f"{path.name}[{i}]", "exec")
            except SyntaxError as exc:
                bad.append(f"{path.name} cell {i}: {exc.msg} (line {exc.lineno})")
    assert not bad, bad


# ------------------------------------------------------------------------------------------------ quizzes

_QUIZ_YAML = """topic: TOPIC
questions:
- prompt: What is 2 + 2?
  answer: 4
  unit: apples
  feedback:
  - near: 22
    why: That is string concatenation.
""" + "".join(f"""- prompt: Pick b ({i}).
  choices: {{a: not this, b: this one}}
  answer: b
  feedback: {{a: The secret feedback {i}.}}
""" for i in range(7))


def test_quiz_yaml_is_packaged_encoded_and_graded(tmp_path):
    from coursekit.exercises import QUIZ_KEY, Question, questions_from_list

    (tmp_path / "notebooks" / "quizzes").mkdir(parents=True)
    (tmp_path / "notebooks" / "quizzes" / "gw.yaml").write_text(_QUIZ_YAML.replace("TOPIC", "gw"))
    write(tmp_path)
    text = (tmp_path / "coursekit/solutions/gw.txt").read_text()
    assert "secret feedback" not in text and "string concatenation" not in text
    items = json.loads(decode_solutions(text)[f"gw.{QUIZ_KEY}"])
    questions = questions_from_list("gw", items)
    assert len(questions) == 8 and isinstance(questions[0], Question)
    assert questions[0].grade(4.0).passed and not questions[0].grade(5).passed
    assert questions[0].grade(22).message == "That is string concatenation."
    assert questions[1].grade("b").passed and questions[1].grade("a").message == "The secret feedback 0."
    assert stale_files(tmp_path) == []
    changed = _QUIZ_YAML.replace("TOPIC", "gw").replace("answer: b", "answer: a", 1)
    (tmp_path / "notebooks" / "quizzes" / "gw.yaml").write_text(changed)
    assert stale_files(tmp_path) == ["coursekit/solutions/gw.txt"]


@pytest.mark.parametrize("text, message", [
    (_QUIZ_YAML.replace("TOPIC", "sbi"), "says topic 'sbi'"),
    ("questions: [", "not valid YAML"),
    ("- a list", "expected a mapping with a 'questions' list"),
    (_QUIZ_YAML.replace("TOPIC", "gw").replace("answer: b", "answer: z", 1), "is not one of the choices"),
    (_QUIZ_YAML.replace("TOPIC", "gw").split("- prompt: Pick b (6)")[0], "has 7 questions; write 8-10"),
    (_QUIZ_YAML.replace("TOPIC", "gw").replace("unit: apples", "units: apples"), "question 1: a question needs"),
    (_QUIZ_YAML.replace("TOPIC", "gw").replace("  - near: 22\n    why: That is string concatenation.", "  - [22, wrong]"),
     "is a list of {near: NUMBER"),
    (_QUIZ_YAML.replace("TOPIC", "gw").replace("near: 22", "near: twenty-two"), "'near') must be a number"),
])
def test_bad_quiz_yaml_is_refused_in_one_line(tmp_path, text, message):
    (tmp_path / "notebooks" / "quizzes").mkdir(parents=True)
    (tmp_path / "notebooks" / "quizzes" / "gw.yaml").write_text(text)
    with pytest.raises(EditionError, match="notebooks/quizzes/gw.yaml") as info:
        plan(tmp_path)
    assert message in str(info.value) and "\n" not in str(info.value).strip()


def test_every_course_quiz_comes_from_its_yaml_through_the_package():
    import yaml

    from coursekit.exercises import get_quiz, packaged_quiz, questions_from_list

    sources = sorted((ROOT / "notebooks" / "quizzes").glob("*.yaml"))
    assert {p.stem for p in sources} >= {"surveys", "galaxies", "photoz", "gw", "transits", "symbolic", "sbi", "astro"}
    for path in sources:
        wanted = questions_from_list(path.stem, yaml.safe_load(path.read_text())["questions"])
        assert packaged_quiz(path.stem) == wanted, path.name
        assert get_quiz(path.stem) == wanted, path.name


def test_no_quiz_answer_key_or_feedback_in_plain_text_in_the_package():
    import yaml

    package_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "coursekit").rglob("*.py"))
    assert "quiz_questions(\"" not in package_text and "quiz_questions('" not in package_text
    for path in sorted((ROOT / "notebooks" / "quizzes").glob("*.yaml")):
        for q in yaml.safe_load(path.read_text())["questions"]:
            feedback = q.get("feedback") or {}
            texts = list(feedback.values()) if isinstance(feedback, dict) else [f["why"] for f in feedback]
            for text in [q.get("explain", ""), *texts]:
                snippet = " ".join(text.split())[:60]
                if len(snippet) >= 30:
                    assert snippet not in package_text, f"{path.name}: {snippet!r} is in plain text in coursekit/"
