"""Sphinx configuration for the sknn-scratch documentation (``make docs``)."""

import sys
from pathlib import Path

import sknn_scratch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "tools"))

project = "sknn-scratch"
author = "the sknn-scratch developers"
copyright = "2026, the sknn-scratch developers"
release = version = sknn_scratch.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax copied into the site and loaded from _static/mathjax, not from
    # a CDN: the documentation is read offline too.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    # Figures drawn at build time by the code shown beside them (the
    # networks and curves of the user guide).
    "matplotlib.sphinxext.plot_directive",
]

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.max_open_warning": 0}

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "tools", "**/GALLERY_HEADER.rst", "**.ipynb_checkpoints"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# API reference: one page per public object, from the docstrings.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# The build machine reaches no documentation site, so intersphinx reads
# inventories that tools/make_inventories.py builds from the installed
# packages; the links still point at each project's online docs.
_inv = HERE / "_inventories"
intersphinx_mapping = {
    "numpy": ("https://numpy.org/doc/stable/", str(_inv / "numpy.inv")),
    "scipy": ("https://docs.scipy.org/doc/scipy/", str(_inv / "scipy.inv")),
    "sklearn": ("https://scikit-learn.org/stable/", str(_inv / "sklearn.inv")),
    "matplotlib": ("https://matplotlib.org/stable/", str(_inv / "matplotlib.inv")),
}

sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sknn_scratch",),
    # Its execution-time pages load jQuery and DataTables from a CDN; the
    # site is read offline.
    "write_computation_times": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"sknn-scratch {release}"
html_theme_options = {
    "navbar_end": ["navbar-icon-links"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "check_switcher": False,
}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
# Pages outside the user guide and the gallery have no section to navigate:
# no empty "Section Navigation" sidebar there, and more room for the text.
html_sidebars = {
    page: []
    for page in (
        "getting_started",
        "cli",
        "benchmarks",
        "reliability",
        "changelog",
        "worked_examples",
        "api",
        "api/*",
    )
}
templates_path = ["_templates"]
html_show_sourcelink = False
