"""`--format html` of the audit and corpus reports: their Markdown on a page of its own
(engine/report/markdown_page.py), saying what the Markdown says, with nothing of a report's
text read as markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import support
from audit_support import make_workspace, run, set_parameter

from engine.report.markdown_page import markdown_page


def _body(page: str) -> str:
    return page.split('<main class="report">\n', 1)[1].split("\n</main>", 1)[0]


def test_the_blocks_the_reports_write() -> None:
    markdown = "\n".join(
        [
            "# Rules diff",
            "",
            "- base: `git:HEAD` (tvpa 0.2.0)",
            "- 3 change(s): **2 outcome-affecting**, 1 editorial",
            "  - nested under the change",
            "- back at the top",
            "",
            "| Dossier | Verdict |",
            "| --- | --- |",
            "| Peru 2007 | agree |",
            "| a \\| b | `x` |",
            "",
            "Condition:",
            "",
            "```diff",
            "- old <line>",
            "+ new & line",
            "```",
            "",
            "> **Warning:** check it",
            "",
            "first line  ",
            "second line",
            "joined",
        ]
    )
    body = _body(markdown_page(markdown, "Rules diff"))
    assert body.splitlines()[0] == "<h1>Rules diff</h1>"
    assert (
        "<ul><li>base: <code>git:HEAD</code> (tvpa 0.2.0)</li>"
        "<li>3 change(s): <strong>2 outcome-affecting</strong>, 1 editorial"
        "<ul><li>nested under the change</li></ul></li>"
        "<li>back at the top</li></ul>"
    ) in body
    assert "<thead><tr><th>Dossier</th><th>Verdict</th></tr></thead>" in body
    assert "<tr><td>Peru 2007</td><td>agree</td></tr>" in body
    assert "<tr><td>a | b</td><td><code>x</code></td></tr>" in body
    assert "<pre><code>- old &lt;line&gt;\n+ new &amp; line</code></pre>" in body
    assert "<blockquote><p><strong>Warning:</strong> check it</p></blockquote>" in body
    assert "<p>first line<br>\nsecond line joined</p>" in body


def test_a_reports_text_is_never_markup() -> None:
    page = markdown_page(
        '# <script>alert(1)</script>\n\n- a "quote" & <b>bold</b>\n\n**<i>x</i>**', "a <title>"
    )
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "<title>a &lt;title&gt;</title>" in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "<strong>&lt;i&gt;x&lt;/i&gt;</strong>" in page


def _words(text: str) -> list[str]:
    plain = re.sub(r"<[^>]+>", " ", text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#x27;", "'")):
        plain = plain.replace(entity, char)
    plain = plain.replace("&amp;", "&")
    tokens = re.findall(r"[\w.:@/→%-]+", plain.replace("`", " ").replace("**", " "))
    return [token for token in tokens if any(c.isalnum() for c in token)]  # not "-", "---"


def test_diff_and_impact_pages_say_what_their_markdown_says(tmp_path: object) -> None:
    from pathlib import Path

    workspace = make_workspace(Path(str(tmp_path)) / "workspace")
    set_parameter(workspace, "incarceration_min_years", 10)
    for args in (("diff", "git:HEAD"), ("impact", "--base", "git:HEAD")):
        markdown = run(workspace, *args, "--format", "markdown")
        page = run(workspace, *args, "--format", "html")
        assert page.exit_code == markdown.exit_code, page.stderr
        assert page.stdout.startswith("<!DOCTYPE html>")
        assert _words(_body(page.stdout)) == _words(markdown.stdout.replace("|", " ")), args


def test_validate_as_html_is_its_markdown_table_on_a_page() -> None:
    args = ("validate", "evidence", "--expected", "evidence/expected.csv", "--depth", "1")
    markdown = support.run_cli(*args, "--format", "markdown")
    page = support.run_cli(*args, "--format", "html")
    assert page.returncode == markdown.returncode == 0, page.stderr
    rows = [line for line in markdown.stdout.splitlines() if line.startswith("| ")][2:]
    assert page.stdout.count("<tr><td>") == len(rows) > 10
    assert "<title>Validation against official placements</title>" in page.stdout


HOSTILE = "<script>alert(1)</script> *Peru* [x](y)"


def _hostile_tree(root: Path) -> Path:
    """Peru 2007 with a country name a Markdown viewer would act on."""
    dossier = support.peru_tree(root)
    text = dossier.read_text()
    assert "country: Peru\n" in text
    dossier.write_text(text.replace("country: Peru\n", f"country: '{HOSTILE}'\n", 1))
    return root


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "peru", "--expected", str(support.EVIDENCE / "expected.csv")],
        ["sensitivity", "peru/2007.yaml"],
        ["whatif", "peru/2007.yaml", "--without", "minors-removed"],
    ],
    ids=["validate", "sensitivity", "whatif"],
)
def test_a_dossiers_text_is_shown_not_acted_on(tmp_path: Path, args: list[str]) -> None:
    tree = _hostile_tree(tmp_path)
    rules = ["--rules", str(support.RULES)]
    markdown = support.run_cli(*args, *rules, "--format", "markdown", cwd=tree)
    assert markdown.returncode in (0, 1), markdown.stderr
    assert "<script>" not in markdown.stdout and "*Peru*" not in markdown.stdout
    assert r"&lt;script>alert(1)&lt;/script> \*Peru\* [x\](y)" in markdown.stdout
    page = support.run_cli(*args, *rules, "--format", "html", cwd=tree)
    assert "<script>" not in page.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *Peru* [x](y)" in page.stdout
    assert "&amp;lt;" not in page.stdout and "\\*" not in page.stdout


def test_the_page_reads_markdown_escapes_as_markdown_does() -> None:
    body = _body(markdown_page("a \\*b\\* &lt;c> &amp;lt; \\\\ `\\*`\n", "t"))
    assert body == "<p>a *b* &lt;c&gt; &amp;lt; \\ <code>\\*</code></p>"


def test_a_dossiers_text_in_a_line_or_cell_is_never_code_or_emphasis() -> None:
    from engine.report.mdtext import md_cell

    cell = md_cell("a_b `c` | *d*")
    assert cell == r"a\_b \`c\` \| \*d\*"
    assert _body(markdown_page(f"| x |\n| --- |\n| {cell} |\n", "t")) == (
        "<table>\n<thead><tr><th>x</th></tr></thead>\n<tbody><tr><td>a_b `c` | *d*</td></tr>"
        "</tbody>\n</table>"
    )


def test_consistency_shows_a_dossiers_text_not_markup(tmp_path: Path) -> None:
    root = _hostile_tree(tmp_path)
    twin = root / "twin" / "2007.yaml"
    twin.parent.mkdir()
    text = (root / "peru" / "2007.yaml").read_text()
    twin.write_text(text.replace(f"country: '{HOSTILE}'", "country: 'a_b `c`'", 1))
    # official placements that differ: the two are listed as like findings, unlike placements
    expected = root / "expected.csv"
    expected.write_text(f'country,year,tier\n"{HOSTILE}",2007,Tier 2\na_b `c`,2007,Tier 3\n')
    args = ["consistency", "peru", "twin", "--rules", str(support.RULES), "--expected"]
    args += [str(expected), "--format"]
    markdown = support.run_cli(*args, "markdown", cwd=root)
    assert markdown.returncode in (0, 1), markdown.stderr
    assert r"&lt;script>alert(1)&lt;/script> \*Peru\* [x\](y)" in markdown.stdout
    assert r"a\_b \`c\`" in markdown.stdout
    assert "<script>" not in markdown.stdout and "a_b" not in markdown.stdout
    page = support.run_cli(*args, "html", cwd=root).stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *Peru* [x](y)" in page
    assert "a_b `c`" in page and "<code>c</code>" not in page
