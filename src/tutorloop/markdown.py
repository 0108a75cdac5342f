"""Markdown to safe HTML: raw HTML is disabled (shown as text) and only safe link schemes survive.

Fenced code blocks with a language are highlighted server-side (Pygments, CSS classes only), and TeX math
between `$…$` / `$$…$$` becomes MathML (latex2mathml), which browsers draw natively. The MathML is rebuilt
from a whitelist of MathML elements and presentation attributes, so nothing else can pass through it.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from functools import lru_cache

from markdown_it import MarkdownIt

SAFE_SCHEMES = ("http://", "https://", "mailto:", "#", "/")
MATH_NS = "{http://www.w3.org/1998/Math/MathML}"
MATH_ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot", "mstyle", "merror",
    "mpadded", "mphantom", "msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts",
    "mprescripts", "none", "mtable", "mtr", "mtd", "semantics", "annotation", "menclose",
}
MATH_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder", "lspace", "rspace",
    "columnalign", "rowalign", "rowspacing", "columnspacing", "displaystyle", "scriptlevel", "minsize",
    "maxsize", "movablelimits", "largeop", "symmetric", "form", "width", "height", "depth", "linethickness",
    "notation", "columnlines", "rowlines", "frame", "encoding",
}
MAX_MATH_CHARS = 2000


def _is_safe_link(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(SAFE_SCHEMES) or ":" not in lowered.split("/", 1)[0]


def _clean_math(element: ET.Element) -> str:
    """Re-serialise a MathML tree keeping only whitelisted elements and attributes (text escaped)."""
    tag = element.tag.removeprefix(MATH_NS)
    if tag not in MATH_ELEMENTS:
        return html.escape("".join(element.itertext()))
    attrs = "".join(f' {name}="{html.escape(value)}"' for name, value in element.attrib.items()
                    if name in MATH_ATTRIBUTES)
    inner = html.escape(element.text or "") + "".join(
        _clean_math(child) + html.escape(child.tail or "") for child in element)
    return f"<{tag}{attrs}>{inner}</{tag}>"


@lru_cache(maxsize=4096)
def render_math(tex: str, display: bool) -> str:
    """TeX to sanitised MathML; the TeX itself, escaped, when it cannot be converted."""
    fallback = f'<code class="math-source">{html.escape(tex)}</code>'
    if len(tex) > MAX_MATH_CHARS:
        return fallback
    try:
        from latex2mathml.converter import convert

        tree = ET.fromstring(convert(tex, display="block" if display else "inline"))
    except Exception:  # noqa: BLE001 — any TeX the converter cannot handle is shown as source
        return fallback
    math = _clean_math(tree)
    return math.replace("<math", '<math xmlns="http://www.w3.org/1998/Math/MathML"', 1)


def _highlight(code: str, lang: str, attrs: str) -> str:
    """Pygments HTML (spans with short CSS classes) for a known language; '' lets markdown-it escape it."""
    if not lang:
        return ""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(lang.split()[0], stripnl=False)
    except ClassNotFound:
        return ""
    body = highlight(code, lexer, HtmlFormatter(nowrap=True, classprefix="hl-"))
    return f'<pre class="highlight" dir="ltr"><code class="language-{html.escape(lang.split()[0])}">{body}</code></pre>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "highlight": _highlight})
    md.validateLink = _is_safe_link
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True,
           renderer=lambda content, opts: render_math(content, bool(opts.get("display_mode"))))

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        tokens[idx].attrSet("target", "_blank")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to insert into a page."""
    return _parser().render(text or "")
