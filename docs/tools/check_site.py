"""Open the built site in headless Chromium: navigation, search, images.

Serves docs/_build/html on a local port, takes screenshots of the landing
page and of a gallery page, and checks the rendered DOM: the navigation bar
links the main sections, a search finds the estimators, and the gallery's
figures are there. It also checks that the pages that teach with pictures
show them, and that no page loads anything (script, stylesheet, image) from
the network. It exits non-zero, naming what failed.

    python docs/tools/check_site.py docs/_build/html docs/_build/check
"""

import functools
import hashlib
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1000",
]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    sys.exit("check_site: no Chromium found; on Debian: apt-get install chromium")


def run_browser(*args):
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
    return result.stdout


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(root):
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def screenshot_is_not_blank(path):
    from matplotlib.image import imread

    pixels = imread(path)
    return pixels.shape[0] > 500 and pixels[..., :3].std() > 0.05


def check(site, out):
    out.mkdir(parents=True, exist_ok=True)
    server, base = serve(site)
    failures = []
    try:
        pages = {"landing": "index.html", "gallery": "auto_examples/plot_bank_transactions.html"}
        for label, page in pages.items():
            shot = out / f"{label}.png"
            run_browser(f"--screenshot={shot}", f"{base}/{page}")
            if not shot.exists() or not screenshot_is_not_blank(shot):
                failures.append(f"{page}: the screenshot is missing or blank")
        landing = run_browser("--dump-dom", f"{base}/index.html")
        for section in ("Getting started", "User guide", "Gallery", "API reference"):
            if section not in landing:
                failures.append(f"index.html: no navigation link to {section!r}")
        gallery = run_browser("--dump-dom", f"{base}/auto_examples/plot_bank_transactions.html")
        images = [line for line in gallery.split('src="')[1:] if "sphx_glr_plot_bank" in line]
        if not images:
            failures.append("gallery page: no figure of the example")
        for image in images:
            relative = image.split('"')[0]
            if not (site / "auto_examples" / relative).resolve().exists():
                failures.append(f"gallery page: figure {relative} is not in the site")
        failures += _check_offline_math(site, base)
        failures += _check_figures(site)
        failures += _check_nothing_loaded_from_the_network(site)
        failures += _check_no_warning_output(site)
        search = run_browser(
            "--virtual-time-budget=10000", "--dump-dom", f"{base}/search.html?q=MLPRegressor"
        )
        if "api/sknn_scratch.MLPRegressor.html" not in search:
            failures.append("search for 'MLPRegressor' does not find its API page")
    finally:
        server.shutdown()
    return failures


#: The pages that teach with pictures, and how many figures each must show.
FIGURES = {
    "index.html": 1,
    "user_guide/neurons.html": 1,
    "user_guide/deeper.html": 2,
    "user_guide/activations.html": 1,
    "user_guide/training.html": 1,
    "worked_examples.html": 4,
    "auto_examples/plot_worked_examples.html": 2,
}

_IMAGE = re.compile(r'<img\b[^>]*\bsrc="([^"]+)"')
#: What a page loads (not what it links to): scripts, stylesheets, images,
#: frames, and CSS imports.
_LOADS = re.compile(
    r'<(?:script|img|iframe|source|embed)\b[^>]*\bsrc="((?:https?:)?//[^"]+)"'
    r'|<link\b[^>]*\brel="(?:stylesheet|preload|modulepreload|icon)"[^>]*\bhref="((?:https?:)?//[^"]+)"'
    r'|<link\b[^>]*\bhref="((?:https?:)?//[^"]+)"[^>]*\brel="(?:stylesheet|preload|modulepreload|icon)"'
    r'|@import\s+(?:url\()?["\']?((?:https?:)?//[^"\')]+)'
)


def _check_figures(site):
    """Each teaching page shows its figures, and the image files are there."""
    failures = []
    for page, wanted in FIGURES.items():
        path = site / page
        if not path.exists():
            failures.append(f"{page}: the page is missing")
            continue
        images = [src for src in _IMAGE.findall(path.read_text()) if src.endswith((".png", ".svg"))]
        images = [src for src in images if "logo" not in src]
        if len(images) < wanted:
            failures.append(f"{page}: {len(images)} figure(s), expected at least {wanted}")
        files = [(path.parent / src).resolve() for src in images]
        for src, file in zip(images, files):
            if not file.exists():
                failures.append(f"{page}: figure {src} is not in the site")
        contents = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.exists()]
        if len(set(contents)) < len(contents):
            failures.append(f"{page}: the same figure is shown twice (a stale or reused image)")
    return failures


def _check_nothing_loaded_from_the_network(site):
    """The site is read offline: no page may load a script, a stylesheet or
    an image from another host."""
    failures = []
    for path in sorted(site.rglob("*.html")):
        for match in _LOADS.finditer(path.read_text(errors="replace")):
            url = next(group for group in match.groups() if group)
            failures.append(f"{path.relative_to(site)}: loads {url} from the network")
    return failures


#: A Python warning as printed, with the file path of the machine that ran it.
_PRINTED_WARNING = re.compile(r"[\w/.-]+\.py:\d+: \w*Warning: ")


def _check_no_warning_output(site):
    """The gallery's output shows no raw Python warning (they name the build
    machine's paths): examples catch or explain them."""
    failures = []
    for path in sorted((site / "auto_examples").glob("*.html")):
        match = _PRINTED_WARNING.search(path.read_text(errors="replace"))
        if match:
            failures.append(f"{path.relative_to(site)}: prints a warning: {match.group(0)}")
    return failures


def _check_offline_math(site, base):
    """Math is typeset by a MathJax served from the site itself."""
    failures = []
    page = "api/sknn_scratch.MLPRegressor.html"
    html = (site / page).read_text()
    if "_static/mathjax/tex-chtml.js" not in html:
        failures.append(f"{page}: MathJax is not loaded from the site's _static")
    if "cdn.jsdelivr.net" in html or "mathjax@" in html:
        failures.append(f"{page}: MathJax is still loaded from a CDN")
    if not (site / "_static" / "mathjax" / "tex-chtml.js").exists():
        failures.append("_static/mathjax/tex-chtml.js is not in the site")
    rendered = run_browser("--virtual-time-budget=10000", "--dump-dom", f"{base}/{page}")
    if "mjx-container" not in rendered:
        failures.append(f"{page}: the objective's formula was not typeset")
    return failures


def main(argv):
    site, out = Path(argv[0]), Path(argv[1])
    failures = check(site, out)
    for failure in failures:
        print(f"check_site: {failure}", file=sys.stderr)
    if not failures:
        print(
            "check_site: landing page, gallery page, navigation, offline math, search and the "
            "teaching figures render, and no page loads anything from the network; "
            f"screenshots in {out}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
