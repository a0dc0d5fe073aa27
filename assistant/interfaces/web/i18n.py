"""The page's own words in the six UN languages, for Gradio's i18n.

Gradio picks the language from the browser's and offers a switch under "Settings" in the footer;
its own buttons and notices come translated. These are the labels this page adds. The answers
speak the question's language by themselves (answer/messages.py), and so do the labels around
them (texts.py), and the example questions follow the browser's language (choices.py); the
documents' text is shown as it is.
"""

from __future__ import annotations

from typing import cast

import gradio as gr

from assistant.interfaces.web.texts import LANGUAGES, RIGHT_TO_LEFT, TEXTS

__all__ = ["I18N", "LANGUAGES", "RIGHT_TO_LEFT", "TEXTS", "as_text", "t"]

I18N = gr.I18n(
    **{lang: {key: texts[i] for key, texts in TEXTS.items()} for i, lang in enumerate(LANGUAGES)}
)


def t(key: str) -> gr.i18n.I18nData:
    """A page text by key, shown in the reader's language."""
    if key not in TEXTS:
        raise KeyError(f"no page text {key!r}")
    return I18N(key)


def as_text(text: gr.i18n.I18nData) -> str:
    """A page text where Gradio's type hints ask for a str: the page translates it there too
    (the browser test checks the chat's placeholder and the download button)."""
    return cast(str, text)
