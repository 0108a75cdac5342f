from tutorloop.markdown import render_markdown


def test_raw_html_is_shown_as_text():
    html = render_markdown('<script>alert(1)</script> <img src=x onerror="alert(1)">')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_not_linked():
    html = render_markdown("[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](data:text/html,hi)")
    assert "href" not in html


def test_safe_links_open_safely():
    html = render_markdown("[guide](https://example.org/g)")
    assert 'href="https://example.org/g"' in html and 'rel="noopener noreferrer nofollow"' in html


class TestCodeAndMath:
    def test_fenced_code_with_a_language_is_highlighted_and_escaped(self):
        out = render_markdown("```python\nif x < 1:\n    print('<b>')\n```\n")
        assert '<pre class="highlight" dir="ltr"><code class="language-python">' in out
        assert 'class="hl-k">if</span>' in out
        assert "<b>" not in out and "&lt;" in out

    def test_unknown_language_falls_back_to_plain_escaped_code(self):
        out = render_markdown("```nosuchlang\n<i>x</i>\n```\n")
        assert "<i>" not in out and "&lt;i&gt;" in out

    def test_tex_becomes_mathml(self):
        out = render_markdown("Energy $E=mc^2$.\n\n$$\\frac{a}{b}$$\n")
        assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in out
        assert "<msup><mi>c</mi><mn>2</mn></msup>" in out and 'display="block"' in out

    def test_math_cannot_carry_markup_links_or_styles(self):
        out = render_markdown(r"$\text{<script>alert(1)</script>}$ $\href{javascript:alert(1)}{x}$ "
                              r"$\style{color:red}{y}$")
        assert "<script" not in out and "javascript:" not in out and "style=" not in out
        assert "<math" in out

    def test_prices_with_dollar_signs_stay_text(self):
        assert render_markdown("It costs $5 and $6.") == "<p>It costs $5 and $6.</p>\n"
