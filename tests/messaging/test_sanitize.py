import pytest

from messaging.sanitize import html_to_text, message_html, sanitize_html


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Hi <strong>all</strong></p>", "<p>Hi <strong>all</strong></p>"),
        ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
        ("<p onclick='alert(1)' style='color:red'>x</p>", "<p>x</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="java\tscript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="&#106;avascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        (
            '<a href="https://example.org/?a=1&b=2" onmouseover="x()">x</a>',
            '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">x</a>',
        ),
        ('<img src="data:image/png;base64,AAA" onerror="x()">', ""),
        (
            '<img src="https://example.org/a.png" alt="A" onerror="x()">',
            '<img src="https://example.org/a.png" alt="A">',
        ),
        ("<iframe src='https://evil'>inside</iframe>after", "after"),
        ("<ul><li>one<li>two</ul>", "<ul><li>one<li>two</li></li></ul>"),
        ("<div><b>bold</b></div>", "<b>bold</b>"),
        ("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
        ("<p>unclosed", "<p>unclosed</p>"),
        ("<style>p{}</style><svg><script>x</script></svg>ok", "ok"),
    ],
)
def test_sanitize_keeps_the_allowed_subset_only(raw, clean):
    assert sanitize_html(raw) == clean


def test_text_part_of_a_body():
    body = sanitize_html(
        '<p>Hello &amp; welcome</p><ul><li>one</li><li>two</li></ul><p><a href="https://x.org">site</a></p>'
    )
    assert html_to_text(body) == "Hello & welcome\n\n- one\n- two\n\nsite (https://x.org)"


def test_typed_text_gets_its_paragraphs_and_line_breaks():
    assert message_html("Bonjour,\r\n\r\nPensez aux <b>sacs</b>\nà bientôt") == (
        "<p>Bonjour,</p><p>Pensez aux <b>sacs</b><br>à bientôt</p>"
    )
    assert (
        message_html("<p>déjà</p>\n\n<p>mis en forme</p>") == "<p>déjà</p>\n\n<p>mis en forme</p>"
    )
    assert message_html("<script>x</script>") == ""
