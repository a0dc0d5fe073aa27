"""Which language a question is in, by a trained detector (lingua), not by word lists.

The documents are English. A question is taken to be in another language only when the detector
is sure enough: keywords, names, acronyms and typos ("vacine hubb Korea", "Africa CDC PAVM")
give it little to go on, and they are searched as English, as they always were.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from assistant.language.text import LETTERS

ENGLISH = "en"
# The six UN languages, and other languages of the Forum's delegates; ISO 639-1 codes.
UN_LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
LANGUAGES = (*UN_LANGUAGES, "de", "pt", "it")
# Latin-script text is another language only when the detector gives it at least this share
# of its confidence, and this much more than English ("Kenya Uganda vaccine plants" reads as
# French 0.45, English 0.39); another script is decided by the detector alone.
SURE = 0.4
MARGIN = 0.2
_LATIN = 0x24F


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    # Models load lazily, per language, the first time they are needed.
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


# The reader, and the page for each turn it shows again, ask about the same questions.
@lru_cache(maxsize=4096)
def question_language(text: str) -> str:
    """The question's language as an ISO 639-1 code; "en" when it is English or unsure."""
    words = [w for w in LETTERS.findall(text) if len(w) > 1]
    if not words:
        return ENGLISH
    confidences = _detector().compute_language_confidence_values(" ".join(words))
    if not confidences:
        return ENGLISH
    best = confidences[0]
    code = best.language.iso_code_639_1.name.lower()
    if code == ENGLISH:
        return ENGLISH
    if any(ord(c) > _LATIN for w in words for c in w):
        return code
    english = next((c.value for c in confidences if c.language.iso_code_639_1.name == "EN"), 0)
    return code if best.value >= SURE and best.value - english >= MARGIN else ENGLISH
