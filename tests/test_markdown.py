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
