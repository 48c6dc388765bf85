"""docs/tools/check_site.py's static checks fail where they should (the
browser checks run in make docs-check)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "tools"))
import check_site  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _site(tmp_path, pages):
    for name, html in pages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html)
    return tmp_path


@pytest.mark.parametrize(
    "html, bad",
    [
        ('<script src="https://code.jquery.com/jquery.js"></script>', True),
        ('<link rel="stylesheet" href="https://cdn.example/x.css">', True),
        ('<link href="//cdn.example/x.css" rel="stylesheet">', True),
        ('<img src="http://example.org/a.png">', True),
        ("<style>@import url('https://fonts.example/f.css');</style>", True),
        ('<a href="https://scikit-learn.org">a link is not a load</a>', False),
        ('<script src="_static/local.js"></script><link rel="stylesheet" href="a.css">', False),
    ],
)
def test_pages_that_load_from_the_network_fail(tmp_path, html, bad):
    site = _site(tmp_path, {"page.html": html})
    assert bool(check_site._check_nothing_loaded_from_the_network(site)) is bad


def test_teaching_pages_need_their_distinct_figures(tmp_path):
    pages = {page: "" for page in check_site.FIGURES}
    site = _site(tmp_path, pages)
    failures = check_site._check_figures(site)
    assert len(failures) == len(check_site.FIGURES)  # no figure anywhere
    (site / "_images").mkdir()
    (site / "_images" / "a.png").write_bytes(PNG + b"a")
    (site / "_images" / "b.png").write_bytes(PNG + b"a")  # the same picture again
    (site / "user_guide" / "deeper.html").write_text(
        '<img src="../_images/a.png"><img src="../_images/b.png">'
    )
    failures = check_site._check_figures(site)
    assert any("deeper.html: the same figure is shown twice" in f for f in failures)
    (site / "_images" / "b.png").write_bytes(PNG + b"b")
    assert not any("deeper.html" in f for f in check_site._check_figures(site))


def test_gallery_pages_printing_warnings_fail(tmp_path):
    site = _site(
        tmp_path,
        {
            "auto_examples/a.html": "<pre>/work/x/_training.py:770: ConvergenceWarning: ...</pre>",
            "auto_examples/b.html": "<pre>warnings.filterwarnings('ignore')</pre>",
        },
    )
    failures = check_site._check_no_warning_output(site)
    assert len(failures) == 1 and failures[0].startswith("auto_examples/a.html")
