"""The one place that holds the repository's address.

README badges and every notebook's Colab set-up cell are generated from here;
``tests/test_course.py`` fails if any of them drifts. To move the course to
another repository, change ``REPO`` and run ``python -m coursekit.links --write``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = "ml4astro/ml-astro-cosmology"  # GitHub owner/name
BRANCH = "main"
REPO_URL = f"https://github.com/{REPO}"

COLAB_CELL_MARKER = "# Colab set-up: installs coursekit on Google Colab only; does nothing elsewhere."


def colab_setup_source() -> str:
    """Source of the guarded first cell of every notebook."""
    return (
        f"{COLAB_CELL_MARKER}\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q "coursekit @ git+{REPO_URL}@{BRANCH}"\n'
        "    # Full mode (the real data; pick a GPU runtime), with the downloads kept on Google Drive: uncomment.\n"
        "    # import os; os.environ[\"COURSEKIT_MODE\"] = \"full\"\n"
        "    # from google.colab import drive; drive.mount(\"/content/drive\")\n"
        "    # os.environ[\"COURSEKIT_DATA_DIR\"] = \"/content/drive/MyDrive/coursekit-cache\""
    )


def colab_url(notebook: str) -> str:
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{notebook}"


def binder_url(notebook: str) -> str:
    return f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?labpath=notebooks%2F{notebook}"


def badges(notebook: str) -> str:
    """Markdown for the Colab and Binder launch badges of one notebook."""
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)}) "
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(notebook)})"
    )


def _rewrite(root: Path) -> list[str]:
    changed = []
    for nb_path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(nb_path.read_text())
        first = nb["cells"][0]
        new = colab_setup_source()
        if "".join(first["source"]) != new:
            first["source"] = new.splitlines(keepends=True)
            nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
            changed.append(nb_path.name)
    readme = root / "README.md"
    text = readme.read_text()
    new_text = re.sub(r"github\.com/[\w.-]+/[\w.-]+(?=[/@)])", f"github.com/{REPO}", text)
    new_text = re.sub(r"gh/[\w.-]+/[\w.-]+/", f"gh/{REPO}/", new_text)
    if new_text != text:
        readme.write_text(new_text)
        changed.append("README.md")
    return changed


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Show or rewrite the repository links in README and notebooks.")
    ap.add_argument("--write", action="store_true", help="rewrite README badges and notebook set-up cells")
    a = ap.parse_args()
    if a.write:
        print("\n".join(_rewrite(Path.cwd())) or "nothing to change")
    else:
        print(REPO_URL)
    sys.exit(0)
