"""The page's own words in the six UN languages: the labels Gradio's i18n shows in the reader's
language (i18n.py), and those around an answer, shown in the language of its question.

Plain data, no Gradio: the answer's HTML is built without it (render.py).
"""

from __future__ import annotations

LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
# Languages written right to left: page.js sets the page's direction when one is shown.
RIGHT_TO_LEFT = ("ar",)

# key: one text per language, in LANGUAGES order.
TEXTS: dict[str, tuple[str, str, str, str, str, str]] = {
    "intro": (
        "# Local production of medicines: cited answers\n"
        "Answers are quoted from the documents in this collection, each sentence with its "
        "source `[n]` (click it to see the passage). When the documents don't say, the "
        "assistant says so.",
        "# Production locale de médicaments : réponses citées\n"
        "Les réponses citent les documents de cette collection, chaque phrase avec sa "
        "source `[n]` (cliquez dessus pour voir le passage). Quand les documents ne le disent "
        "pas, l'assistant le dit.",
        "# Producción local de medicamentos: respuestas con citas\n"
        "Las respuestas citan los documentos de esta colección, cada frase con su fuente "
        "`[n]` (haga clic para ver el pasaje). Cuando los documentos no lo dicen, el "
        "asistente lo indica.",
        "# الإنتاج المحلي للأدوية: إجابات موثقة\n"
        "تقتبس الإجابات من وثائق هذه المجموعة، وكل جملة مع مصدرها `[n]` (انقر عليه لعرض "
        "المقطع). وعندما لا تذكر الوثائق الجواب، يقول المساعد ذلك.",
        "# 药品本地生产：附引文的回答\n"
        "回答引用本文献集中的文件，每句话都附有来源 `[n]`（点击可查看原文段落）。"
        "文件中没有答案时，助手会如实说明。",
        "# Местное производство лекарств: ответы с цитатами\n"
        "Ответы цитируют документы этой коллекции, каждое предложение со ссылкой на "
        "источник `[n]` (нажмите, чтобы увидеть фрагмент). Если в документах ответа нет, "
        "ассистент так и скажет.",
    ),
    "mode": ("Mode", "Mode", "Modo", "الوضع", "模式", "Режим"),
    "mode_info": (
        "Find passages lists matching passages without composing an answer.",
        "« Trouver des passages » liste les passages pertinents sans composer de réponse.",
        "«Buscar pasajes» muestra los pasajes pertinentes sin redactar una respuesta.",
        "«البحث عن مقاطع» يعرض المقاطع المطابقة دون صياغة إجابة.",
        "“查找段落”列出相关段落，不生成回答。",
        "«Найти фрагменты» показывает подходящие фрагменты без составления ответа.",
    ),
    "mode_answer": ("Answer", "Répondre", "Responder", "إجابة", "回答", "Ответ"),
    "mode_passages": (
        "Find passages",
        "Trouver des passages",
        "Buscar pasajes",
        "البحث عن مقاطع",
        "查找段落",
        "Найти фрагменты",
    ),
    "search_in": ("Search in", "Chercher dans", "Buscar en", "البحث في", "搜索范围", "Искать в"),
    "all_documents": (
        "All documents",
        "Tous les documents",
        "Todos los documentos",
        "كل الوثائق",
        "所有文件",
        "Все документы",
    ),
    "conversation": ("Conversation", "Conversation", "Conversación", "المحادثة", "对话", "Беседа"),
    "empty_chat": (
        "Ask a question below, or pick an example.",
        "Posez une question ci-dessous, ou choisissez un exemple.",
        "Haga una pregunta abajo, o elija un ejemplo.",
        "اطرح سؤالاً أدناه، أو اختر مثالاً.",
        "请在下方提问，或选择一个示例。",
        "Задайте вопрос ниже или выберите пример.",
    ),
    "question": ("Question", "Question", "Pregunta", "السؤال", "问题", "Вопрос"),
    "question_placeholder": (
        "Type a question and press Enter",
        "Tapez une question et appuyez sur Entrée",
        "Escriba una pregunta y pulse Intro",
        "اكتب سؤالاً واضغط Enter",
        "输入问题后按回车键",
        "Введите вопрос и нажмите Enter",
    ),
    "send": ("Send", "Envoyer", "Enviar", "إرسال", "发送", "Отправить"),
    "comment": (
        "Comment (optional)",
        "Commentaire (facultatif)",
        "Comentario (opcional)",
        "تعليق (اختياري)",
        "评论（可选）",
        "Комментарий (необязательно)",
    ),
    "comment_placeholder": (
        "What was good or wrong about this answer?",
        "Qu'est-ce qui était bon ou faux dans cette réponse ?",
        "¿Qué estuvo bien o mal en esta respuesta?",
        "ما الجيد أو الخاطئ في هذه الإجابة؟",
        "这个回答哪里好、哪里不对？",
        "Что было хорошо или неверно в этом ответе?",
    ),
    "send_comment": (
        "Send comment",
        "Envoyer le commentaire",
        "Enviar comentario",
        "إرسال التعليق",
        "发送评论",
        "Отправить комментарий",
    ),
    "new_conversation": (
        "New conversation",
        "Nouvelle conversation",
        "Nueva conversación",
        "محادثة جديدة",
        "新对话",
        "Новая беседа",
    ),
    "download": (
        "Download conversation (Markdown)",
        "Télécharger la conversation (Markdown)",
        "Descargar la conversación (Markdown)",
        "تنزيل المحادثة (Markdown)",
        "下载对话（Markdown）",
        "Скачать беседу (Markdown)",
    ),
    "help": (
        "Rate an answer with the thumbs up or down under it; ratings and comments are "
        "saved on this computer to improve the collection.",
        "Notez une réponse avec le pouce levé ou baissé sous celle-ci ; les notes et "
        "commentaires sont enregistrés sur cet ordinateur pour améliorer la collection.",
        "Valore una respuesta con el pulgar arriba o abajo debajo de ella; las valoraciones y "
        "los comentarios se guardan en este ordenador para mejorar la colección.",
        "قيّم الإجابة بالإبهام للأعلى أو للأسفل أسفلها؛ تُحفظ التقييمات والتعليقات على هذا "
        "الحاسوب لتحسين المجموعة.",
        "可用回答下方的赞或踩为其评分；评分和评论保存在本机，用于改进文献集。",
        "Оцените ответ, нажав «палец вверх» или «палец вниз» под ним; оценки и комментарии "
        "сохраняются на этом компьютере, чтобы улучшить коллекцию.",
    ),
}
# Around an answer: shown in the question's language, whatever the page's; and the notes
# after rating one, in the page's.
TEXTS.update(
    {
        "sources": ("Sources", "Sources", "Fuentes", "المصادر", "来源", "Источники"),
        "suggested": (
            "You may be looking for",
            "Vous cherchez peut-être",
            "Quizá busca",
            "ربما تبحث عن",
            "您可能在找",
            "Возможно, вы ищете",
        ),
        "copy_answer": (
            "Copy answer with sources",
            "Copier la réponse avec ses sources",
            "Copiar la respuesta con sus fuentes",
            "نسخ الإجابة مع مصادرها",
            "复制回答及来源",
            "Скопировать ответ с источниками",
        ),
        "rated": (
            "Thank you. Add a comment below if you like (optional).",
            "Merci. Ajoutez un commentaire ci-dessous si vous le souhaitez (facultatif).",
            "Gracias. Añada un comentario abajo si lo desea (opcional).",
            "شكرًا لك. أضف تعليقًا أدناه إن شئت (اختياري).",
            "谢谢。如愿意，可在下方添加评论（可选）。",
            "Спасибо. При желании добавьте комментарий ниже (необязательно).",
        ),
        "comment_first": (
            "Type a comment first, or just carry on.",
            "Écrivez d'abord un commentaire, ou continuez simplement.",
            "Escriba primero un comentario, o simplemente continúe.",
            "اكتب تعليقًا أولًا، أو تابع ببساطة.",
            "请先输入评论，或直接继续。",
            "Сначала напишите комментарий или просто продолжайте.",
        ),
        "comment_saved": (
            "Your comment was saved. Thank you.",
            "Votre commentaire a été enregistré. Merci.",
            "Su comentario se ha guardado. Gracias.",
            "حُفظ تعليقك. شكرًا لك.",
            "您的评论已保存。谢谢。",
            "Ваш комментарий сохранён. Спасибо.",
        ),
        "copied": ("Copied", "Copié", "Copiado", "تم النسخ", "已复制", "Скопировано"),
        "licence": ("Licence", "Licence", "Licencia", "الترخيص", "许可", "Лицензия"),
        "searching": (
            "Searching the documents…",
            "Recherche dans les documents…",
            "Buscando en los documentos…",
            "جارٍ البحث في الوثائق…",
            "正在检索文件…",
            "Поиск по документам…",
        ),
        "no_passages": (
            "No passages found.",
            "Aucun passage trouvé.",
            "No se encontraron pasajes.",
            "لم يُعثر على مقاطع.",
            "未找到段落。",
            "Фрагменты не найдены.",
        ),
    }
)


def said(key: str, language: str) -> str:
    """A page text in the given language (ISO 639-1), or in English when it has none."""
    texts = TEXTS[key]
    return texts[LANGUAGES.index(language)] if language in LANGUAGES else texts[0]


def reader_language(accept_language: str) -> str:
    """The page language a browser's Accept-Language header ranks first, else English."""
    # "fr-CH, fr;q=0.9, en;q=0.8" gives "fr"; the order breaks ties between equal qualities.
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()[:2]))
    for _, _, language in sorted(ranked):
        if language in LANGUAGES:
            return language
    return LANGUAGES[0]
