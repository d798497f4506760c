"""Sphinx configuration for skneuro's documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(or ``make -C docs html``). The example gallery is executed during the
build; ``-D plot_gallery=0`` skips running it.

No setting here needs the network. Cross-links to other projects'
documentation (intersphinx) are off unless ``SKNEURO_DOCS_INTERSPHINX=1``.
"""

import os
import sys
import time
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent
sys.path.insert(0, str(DOCS_DIR / "_ext"))

import skneuro_docs

import skneuro

# -- Environment of the executed examples -------------------------------------
# MovieLens is read from the project's shared data folder beside the
# repository when nobody said otherwise; it is never downloaded by the build
# if that copy exists.
_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
if "SKNEURO_DATA_HOME" not in os.environ and (_SHARED_DATA / "ml-100k").is_dir():
    os.environ["SKNEURO_DATA_HOME"] = str(_SHARED_DATA)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no TensorFlow start-up chatter

# -- Project ------------------------------------------------------------------
project = "skneuro"
author = "skneuro developers"
copyright = f"{time.gmtime().tm_year}, {author}"
release = skneuro.__version__
version = ".".join(release.split(".")[:2])

# -- General ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "skneuro_docs",
]
if os.environ.get("SKNEURO_DOCS_INTERSPHINX") == "1":  # needs the network
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "joblib": ("https://joblib.readthedocs.io/en/stable", None),
        "distributed": ("https://distributed.dask.org/en/stable", None),
    }

templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "_ext",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]
default_role = "literal"
# Markdown written for GitHub (the benchmark tables) may skip heading levels
# or link to files outside the documentation.
suppress_warnings = ["myst.header", "myst.xref_missing"]

# -- API pages ------------------------------------------------------------------
skneuro_docs.write_api_page(DOCS_DIR / "api.rst")
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # types are in the numpydoc sections
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- Example gallery ------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": [str(REPO_ROOT / "examples")],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",  # only plot_*.py are executed
    "ignore_pattern": r"__init__\.py|/_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skneuro",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "min_reported_time": 1,
    "capture_repr": ("_repr_html_", "__repr__"),
    "show_memory": False,
    "download_all_examples": False,
    "reset_modules_order": "both",
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skneuro {release}"
html_static_path = ["_static"]
html_css_files = ["skneuro.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
# Single pages have nothing to list in the left sidebar.
_SINGLE_PAGES = ("index", "installation", "quickstart", "benchmarks")
html_sidebars = {page: [] for page in _SINGLE_PAGES}
