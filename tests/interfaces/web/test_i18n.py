"""The page's own words: every label in each of the six UN languages."""

from __future__ import annotations

import pytest

from assistant.interfaces.web.i18n import I18N, LANGUAGES, RIGHT_TO_LEFT, TEXTS, t
from assistant.interfaces.web.texts import reader_language


def test_every_text_is_given_in_the_six_un_languages() -> None:
    assert set(LANGUAGES) == {"en", "fr", "es", "ar", "zh", "ru"}
    for key, texts in TEXTS.items():
        assert len(texts) == len(LANGUAGES), key
        assert all(text.strip() for text in texts), key
        # A translation is not the English left in place (short labels may coincide).
        assert len(set(texts)) >= 4, key
    for language in LANGUAGES:
        assert set(I18N.translations_dict[language]) == set(TEXTS)
    assert RIGHT_TO_LEFT == ("ar",)


def test_an_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no page text 'sned'"):
        t("sned")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("de-DE,de;q=0.9,ru;q=0.8,en;q=0.7", "ru"),  # German is not offered: the next one is
        ("en;q=0.5, zh-CN", "zh"),  # by quality, not by order
        ("ar", "ar"),
        ("", "en"),
        ("pt-BR, xx;q=nonsense", "en"),
    ],
)
def test_the_readers_language_is_read_from_the_browsers_header(header: str, language: str) -> None:
    assert reader_language(header) == language
