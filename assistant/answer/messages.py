"""What an answer says in its own words (refusals and notes), in the question's language.

Only these fixed lines are translated, by people, once: the answer itself is always a quotation
of the documents, never a translation of one (none is available offline, and none is invented).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Messages:
    """The fixed lines of answers in one language."""

    refusal: str  # no passage answers
    unsure: str  # the evidence is weak but not absent
    # Above an answer quoted from English documents to a question in another language, where
    # near-misses are told from answers no better than chance (docs/answerability.md).
    quoted_in_english: str
    ask_in_english: str  # after a refusal, when only English questions can be matched


ENGLISH = Messages(
    refusal=(
        "The documents don't say. None of the passages answers this question; "
        "the closest ones are listed below in case they help."
    ),
    unsure=(
        "No passage clearly answers this. The closest passages are listed below; "
        "check them, one of them may still answer it."
    ),
    quoted_in_english=(
        "The documents are in English: this answer quotes them as they are. Across languages "
        "a passage can be near the question without answering it: check the quotation."
    ),
    ask_in_english="The documents are in English: asking in English may find the answer.",
)

# ISO 639-1 code: lines. The six UN languages, and the other languages questions are detected in.
MESSAGES: dict[str, Messages] = {
    "en": ENGLISH,
    "fr": Messages(
        refusal=(
            "Les documents ne le disent pas. Aucun passage ne répond à cette question ; "
            "les plus proches sont listés ci-dessous au cas où ils aideraient."
        ),
        unsure=(
            "Aucun passage ne répond clairement. Les passages les plus proches sont listés "
            "ci-dessous ; vérifiez-les, l'un d'eux peut encore y répondre."
        ),
        quoted_in_english=(
            "Les documents sont en anglais : cette réponse les cite tels quels, sans traduction. "
            "D'une langue à l'autre, un passage peut être proche de la question sans y répondre : "
            "vérifiez la citation."
        ),
        ask_in_english="Les documents sont en anglais : posez la question en anglais.",
    ),
    "es": Messages(
        refusal=(
            "Los documentos no lo dicen. Ningún pasaje responde a esta pregunta; "
            "los más cercanos se muestran abajo por si ayudan."
        ),
        unsure=(
            "Ningún pasaje responde con claridad. Los pasajes más cercanos se muestran abajo; "
            "revíselos, alguno podría responderla."
        ),
        quoted_in_english=(
            "Los documentos están en inglés: esta respuesta los cita tal cual, sin traducir. "
            "Entre idiomas, un pasaje puede parecerse a la pregunta sin responderla: compruebe "
            "la cita."
        ),
        ask_in_english="Los documentos están en inglés: pregunte en inglés.",
    ),
    "ar": Messages(
        refusal=(
            "لا تذكر الوثائق ذلك. لا يجيب أي مقطع عن هذا السؤال؛ "
            "وترد أدناه أقرب المقاطع لعلها تفيد."
        ),
        unsure=(
            "لا يجيب أي مقطع إجابة واضحة. ترد أدناه أقرب المقاطع؛ راجعها، فقد يجيب أحدها عن السؤال."
        ),
        quoted_in_english=(
            "الوثائق باللغة الإنجليزية: تقتبس هذه الإجابة نصها كما هو دون ترجمة. "
            "بين لغتين قد يقترب المقطع من السؤال دون أن يجيب عنه: تحقق من الاقتباس."
        ),
        ask_in_english="الوثائق باللغة الإنجليزية: اطرح السؤال بالإنجليزية.",
    ),
    "zh": Messages(
        refusal="文件中没有提到。没有任何段落回答这个问题；下面列出最接近的段落，供您参考。",
        unsure="没有段落明确回答这个问题。下面列出最接近的段落；请查看，其中之一可能仍有答案。",
        quoted_in_english=(
            "文件为英文：本回答按原文引用，未经翻译。跨语言匹配时，段落可能与问题相近却并未回答：请核对引文。"
        ),
        ask_in_english="文件为英文：请用英文提问。",
    ),
    "ru": Messages(
        refusal=(
            "В документах об этом не говорится. Ни один фрагмент не отвечает на этот вопрос; "
            "ближайшие приведены ниже на случай, если они помогут."
        ),
        unsure=(
            "Ни один фрагмент не отвечает на вопрос однозначно. Ближайшие фрагменты приведены "
            "ниже; проверьте их, один из них может всё же содержать ответ."
        ),
        quoted_in_english=(
            "Документы на английском языке: ответ цитирует их как есть, без перевода. "
            "Между языками фрагмент может быть близок к вопросу, но не отвечать на него: "
            "проверьте цитату."
        ),
        ask_in_english="Документы на английском языке: задайте вопрос по-английски.",
    ),
    "de": Messages(
        refusal=(
            "Die Dokumente sagen dazu nichts. Kein Abschnitt beantwortet diese Frage; "
            "die nächstliegenden stehen unten, falls sie helfen."
        ),
        unsure=(
            "Kein Abschnitt beantwortet das eindeutig. Die nächstliegenden Abschnitte stehen "
            "unten; prüfen Sie sie, einer davon könnte die Antwort enthalten."
        ),
        quoted_in_english=(
            "Die Dokumente sind auf Englisch: Diese Antwort zitiert sie unverändert, "
            "ohne Übersetzung. Über Sprachen hinweg kann ein Abschnitt der Frage nahe sein, "
            "ohne sie zu beantworten: Prüfen Sie das Zitat."
        ),
        ask_in_english="Die Dokumente sind auf Englisch: Stellen Sie die Frage auf Englisch.",
    ),
    "pt": Messages(
        refusal=(
            "Os documentos não o dizem. Nenhum trecho responde a esta pergunta; "
            "os mais próximos estão listados abaixo, caso ajudem."
        ),
        unsure=(
            "Nenhum trecho responde claramente. Os trechos mais próximos estão listados abaixo; "
            "verifique-os, um deles pode ainda responder."
        ),
        quoted_in_english=(
            "Os documentos estão em inglês: esta resposta cita-os tal como estão, sem tradução. "
            "Entre línguas, um trecho pode estar próximo da pergunta sem lhe responder: "
            "verifique a citação."
        ),
        ask_in_english="Os documentos estão em inglês: faça a pergunta em inglês.",
    ),
    "it": Messages(
        refusal=(
            "I documenti non lo dicono. Nessun passaggio risponde a questa domanda; "
            "i più vicini sono elencati qui sotto, nel caso siano utili."
        ),
        unsure=(
            "Nessun passaggio risponde chiaramente. I passaggi più vicini sono elencati qui "
            "sotto; controllateli, uno di essi potrebbe comunque rispondere."
        ),
        quoted_in_english=(
            "I documenti sono in inglese: questa risposta li cita così come sono, senza "
            "traduzione. Tra lingue diverse un passaggio può essere vicino alla domanda senza "
            "rispondervi: verificate la citazione."
        ),
        ask_in_english="I documenti sono in inglese: ponete la domanda in inglese.",
    ),
}


def messages(language: str) -> Messages:
    """The lines for a language code; English for a language without them."""
    return MESSAGES.get(language, ENGLISH)
