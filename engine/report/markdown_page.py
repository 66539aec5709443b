"""An HTML page from the Markdown the audit and corpus reports write, for `--format html`.

`diff`, `impact`, `validate`, `sensitivity` and `consistency` each render Markdown already; their
HTML is that Markdown on a standalone page with the reports' stylesheet, so the two never say
different things. Only what those renderers write is read: ATX headings, paragraphs (two
trailing spaces break a line), `-` lists (nested by two spaces), pipe tables whose second row is
the separator, fenced code, `>` quotes, and inline `code` and **bold**. Everything else is text,
escaped: a report never carries markup of its own into the page; the escapes the Markdown gave
a dossier's text (`\\*`, `&lt;`) are read as Markdown reads them, so the page shows the text.
"""

from __future__ import annotations

import html
import re

from engine.report.html import stylesheet

_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_ITEM = re.compile(r"^( *)- (.*)$")
_INLINE = re.compile(r"(?<!\\)`([^`]+)(?<!\\)`|\*\*(.+?)\*\*")  # an escaped \` is text
_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def markdown_page(markdown: str, title: str) -> str:
    """A whole HTML5 document (UTF-8, the reports' stylesheet) showing `markdown`."""
    body = "\n".join(_blocks(markdown.splitlines()))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{stylesheet()}</style>\n</head>\n"
        f'<body>\n<main class="report">\n{body}\n</main>\n</body>\n</html>\n'
    )


# What the Markdown renderers escape in a report's text (engine/report/mdtext.py), as Markdown
# itself reads it: a backslash before a punctuation mark, and the entities for < and &.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])|&(lt|amp);")


def _literal(match: re.Match[str]) -> str:
    mark, entity = match.groups()
    return mark if mark is not None else ("<" if entity == "lt" else "&")


def _text(text: str) -> str:
    """Text as written, escaped for HTML (the Markdown escapes undone first, not shown)."""
    return html.escape(_ESCAPED.sub(_literal, text))


def inline(text: str) -> str:
    """Escaped text with `code` and **bold** marked up."""
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(_text(text[last : match.start()]))
        code, bold = match.groups()
        out.append(
            f"<code>{html.escape(code)}</code>"
            if code is not None
            else f"<strong>{inline(bold)}</strong>"
        )
        last = match.end()
    out.append(_text(text[last:]))
    return "".join(out)


def _cells(row: str) -> list[str]:
    """The cells of a pipe-table row; `\\|` is a pipe inside a cell."""
    inner = row.strip()[1:-1] if row.strip().endswith("|") else row.strip()[1:]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def _blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    paragraph: list[str] = []
    index = 0

    def close_paragraph() -> None:
        if paragraph:
            text = "<br>\n".join(inline(line.rstrip()) for line in _joined_breaks(paragraph))
            out.append(f"<p>{text}</p>")
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            close_paragraph()
            index += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            close_paragraph()
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline(heading.group(2).strip())}</h{level}>")
            index += 1
            continue
        if stripped.startswith("```"):
            close_paragraph()
            index += 1
            code: list[str] = []
            while index < len(lines) and not lines[index].strip().startswith("```"):
                code.append(lines[index])
                index += 1
            index += 1  # the closing fence (or the end)
            out.append(f"<pre><code>{html.escape(chr(10).join(code))}</code></pre>")
            continue
        if (
            stripped.startswith("|")
            and index + 1 < len(lines)
            and _SEPARATOR.match(lines[index + 1].strip())
        ):
            close_paragraph()
            head = _cells(line)
            rows: list[list[str]] = []
            index += 2
            while index < len(lines) and lines[index].strip().startswith("|"):
                rows.append(_cells(lines[index]))
                index += 1
            out.append(_table(head, rows))
            continue
        if _ITEM.match(line):
            close_paragraph()
            items: list[tuple[int, str]] = []
            while index < len(lines):
                item = _ITEM.match(lines[index])
                if item:
                    items.append((len(item.group(1)) // 2, item.group(2)))
                elif lines[index].strip() and items and lines[index].startswith("  "):
                    depth, text = items[-1]  # a continuation line of the item above
                    items[-1] = (depth, f"{text} {lines[index].strip()}")
                else:
                    break
                index += 1
            out.append(_list(items))
            continue
        if stripped.startswith(">"):
            close_paragraph()
            quoted: list[str] = []
            while index < len(lines) and lines[index].strip().startswith(">"):
                quoted.append(lines[index].strip()[1:].strip())
                index += 1
            out.append(f"<blockquote>{''.join(_blocks(quoted))}</blockquote>")
            continue
        paragraph.append(line)
        index += 1
    close_paragraph()
    return out


def _joined_breaks(lines: list[str]) -> list[str]:
    """A paragraph's lines, one per hard break (a line ending in two spaces); other line ends
    are spaces."""
    joined: list[str] = []
    current = ""
    for line in lines:
        current = f"{current} {line.strip()}" if current else line.strip()
        if line.endswith("  "):
            joined.append(current)
            current = ""
    if current:
        joined.append(current)
    return joined


def _table(head: list[str], rows: list[list[str]]) -> str:
    header = "".join(f"<th>{inline(cell)}</th>" for cell in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


def _list(items: list[tuple[int, str]]) -> str:
    """Nested `<ul>`s from (depth, text) items; a deeper item nests in the one above it."""
    out: list[str] = []
    depth = -1
    for level, text in items:
        level = min(level, depth + 1)  # never skip a level
        if level > depth:
            out.append("<ul>")
        else:
            out.append("</li>")
            while depth > level:
                out.append("</ul></li>")
                depth -= 1
        out.append(f"<li>{inline(text)}")
        depth = level
    out.append("</li>")
    while depth > 0:
        out.append("</ul></li>")
        depth -= 1
    out.append("</ul>")
    return "".join(out)


__all__ = ["inline", "markdown_page"]
