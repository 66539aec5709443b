"""The text report's wrapper is textwrap's algorithm, made fast: held to textwrap itself."""

from __future__ import annotations

import random
import textwrap

import pytest
import support

from engine.report.wrap import wrap

PIECES = ["a", "bb", "ccc", "word", "long-hyphenated-word", " ", "  ", "\t", "\n", "\xa0", "é"]
PIECES += ["x" * 30, " \n ", "-", "—", "[unverified]", "'none reported'"]


def _textwrap(text: str, width: int, first: str, rest: str) -> list[str] | str:
    try:
        return textwrap.wrap(
            text,
            width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
    except ValueError:
        return "error"


def _ours(text: str, width: int, first: str, rest: str) -> list[str] | str:
    try:
        return wrap(text, width, first, rest)
    except ValueError:
        return "error"


@pytest.mark.parametrize("seed", range(4))
def test_random_text_wraps_as_textwrap_wraps_it(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 60)))
        width = rng.randint(-1, 40)
        first, rest = " " * rng.randint(0, 4), " " * rng.randint(0, 6)
        assert _ours(text, width, first, rest) == _textwrap(text, width, first, rest), (
            text,
            width,
            first,
            rest,
        )


def test_the_narratives_wrap_as_textwrap_wraps_them() -> None:
    paragraphs = [
        paragraph
        for source in sorted((support.EVIDENCE / "sources").glob("*.txt"))
        for paragraph in source.read_text(encoding="utf-8").split("\n\n")
    ]
    assert len(paragraphs) > 50
    for paragraph in paragraphs:
        for width, first, rest in ((100, "  ", "    "), (96, "", "      "), (12, " ", "  ")):
            assert _ours(paragraph, width, first, rest) == _textwrap(paragraph, width, first, rest)


@pytest.mark.parametrize("seed", range(2))
def test_words_parted_by_single_spaces_wrap_as_textwrap_wraps_them(seed: int) -> None:
    """Most report text takes the word-by-word path: held to textwrap on such text too."""
    rng = random.Random(seed)
    words = ["a", "bb", "ccc", "word", "long-hyphenated-word", "x" * 30, "é", "[unverified]"]
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
        width = rng.randint(1, 60)
        first, rest = " " * rng.randint(0, 4), " " * rng.randint(0, 6)
        assert _ours(text, width, first, rest) == _textwrap(text, width, first, rest), (
            text,
            width,
        )
