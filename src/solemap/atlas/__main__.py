"""``python -m solemap.atlas``: validate the packaged atlas, or refresh the source table of its README.

``python -m solemap.atlas`` prints a one-line summary (exit 1 with the problems if invalid);
``python -m solemap.atlas readme`` rewrites the table between the ``sources`` markers of
``atlas/README.md`` from ``data/sources.yaml``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from solemap.atlas.loader import AtlasError, atlas_report, load_atlas, sources_markdown

README = Path(__file__).with_name("README.md")
START, END = "<!-- sources:start -->", "<!-- sources:end -->"


def refresh_readme(path: Path = README) -> bool:
    """Replace the source table in ``path``; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{sources_markdown(load_atlas())}{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def main(argv: list[str]) -> int:
    try:
        atlas = load_atlas()
    except AtlasError as exc:
        print(exc, file=sys.stderr)
        return 1
    if argv[:1] == ["readme"]:
        print("README updated" if refresh_readme() else "README already up to date")
        return 0
    report = atlas_report(atlas)
    print(f"atlas ok: {report['areas']} areas in {len(report['layers'])} layers, {report['sources']} sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
