# Sphinx configuration of the documentation site; scripts/build_docs.py copies it into the staged sources
# (build/docs/src/) beside the pages it generates. Nothing here loads anything from the network.
import re

project = 'attnrepro'
html_title = 'attnrepro'
copyright = 'attnrepro developers'
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.mathjax']
nb_execution_mode = 'off'                  # render the outputs stored in the notebooks; never execute
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'amsmath']
myst_dmath_double_inline = True
myst_heading_anchors = 4
html_theme = 'furo'
html_static_path = ['_static']
html_css_files = ['site.css']
html_show_sourcelink = False
html_copy_source = False
mathjax_path = 'mathjax/tex-svg-full.js'   # the local copy in _static (from django-static-mathjax): no CDN
mathjax3_config = {'svg': {'fontCache': 'global'}}
autodoc_member_order = 'bysource'
autodoc_inherit_docstrings = False        # not torch's nn.Module.forward text on every module
autodoc_default_options = {'members': True, 'undoc-members': True}
default_role = 'literal'
suppress_warnings = ['myst.header']        # notebooks may skip heading levels

_INLINE = re.compile(r'(``[^`]+``)|(?<![`\\])`([^`]+)`(?!`)|\$\$(.+?)\$\$|(?<![\\$])\$([^$\s][^$]*?)\$')

def _inline(m):
    lit, code, dmath, math = m.groups()
    if lit: return lit
    if code is not None: return rf'\ ``{code}``\ '
    return rf'\ :math:`{dmath if dmath is not None else math}`\ '

def _markdown_docstring(app, what, name, obj, options, lines):
    """nbdev docstrings are markdown: `x` is code, $x$ is math. Make them an RST literal / :math: role that may touch
    any character (e.g. `scale`x), so autodoc renders them as the notebook does."""
    for i, line in enumerate(lines): lines[i] = _INLINE.sub(_inline, line)

def setup(app):
    app.connect('autodoc-process-docstring', _markdown_docstring)
