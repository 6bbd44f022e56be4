# ruff: noqa: E501  (CJK characters count double: the samples read better whole)
"""A small labelled set of assistant turns for the language check (written for ftspec; not from any corpus).

Each sample is (language code, text). English samples include code, product names and quoted foreign words,
the cases a naive detector gets wrong; several non-English samples are short or mix in English terms.
"""

from __future__ import annotations

SAMPLES: list[tuple[str, str]] = [
    ("en", "I hear you. It sounds like your manager moved the deadline again, and that leaves you scrambling. "
           "What would help most this week: more time, or a clearer list of priorities?"),
    ("en", "Let's plan the conversation with your boss. Start with what you achieved this quarter, then say what "
           "you want next, and leave room for her to answer before you mention the salary."),
    ("en", "You can automate the report with a small script: `df = pd.read_csv('sales.csv'); "
           "df.groupby('region').sum()` and then paste the table into the slide deck for Monday."),
    ("en", "Your German colleague called it a 'Feierabend' culture: people log off at five and expect you to do "
           "the same. That is a good thing for you, not a sign that they are less committed."),
    ("en", "Jürgen and Françoise from the Zürich office will join the call, so keep the agenda short and send it "
           "the night before so that they have time to read it."),
    ("en", "If the recruiter at Google or Microsoft asks about your notice period, be honest: you can start in "
           "four weeks, and you would like to hand over your projects properly."),
    ("en", "It is completely normal to feel anxious before a performance review. Write down three things you did "
           "well and one thing you want to improve, and bring that list to the meeting."),
    ("en", "OK. Try this tonight: spend ten minutes on the cover letter, then stop, even if it is not finished, "
           "and come back to it tomorrow with fresh eyes."),
    ("en", "Before you accept the offer, ask them about the on-call rotation, the team size and who you would "
           "report to. Those three answers will tell you a lot about the day to day."),
    ("en", "Use the STAR method for the interview: situation, task, action, result. Practise it out loud with a "
           "friend so that the answers sound natural rather than memorised."),
    ("es", "Entiendo lo difícil que ha sido esta semana. Vamos a escribir los tres resultados que quieres de la "
           "reunión con tu jefe y después decidimos cuál es el más importante para ti."),
    ("es", "Es normal sentir miedo antes de cambiar de trabajo. ¿Qué es lo que más te preocupa: el dinero, el "
           "equipo nuevo o no estar a la altura?"),
    ("es", "Antes de aceptar la oferta, pregunta por el horario, el tamaño del equipo y a quién vas a reportar. "
           "Con esas respuestas sabrás mucho más del día a día."),
    ("es", "Para la entrevista usa el método STAR: situación, tarea, acción y resultado. Practícalo en voz alta "
           "con un amigo para que suene natural."),
    ("de", "Ich verstehe, wie schwer diese Woche für dich war. Lass uns die drei Ergebnisse aufschreiben, die du "
           "dir von dem Treffen mit deinem Chef wünschst, und dann entscheiden wir gemeinsam."),
    ("de", "Es ist völlig normal, vor einem Jobwechsel Angst zu haben. Was macht dir am meisten Sorgen: das Geld, "
           "das neue Team oder die Frage, ob du den Anforderungen gewachsen bist?"),
    ("de", "Bevor du das Angebot annimmst, frag nach der Rufbereitschaft, der Teamgröße und wer dein Vorgesetzter "
           "sein wird. Diese Antworten sagen dir viel über den Alltag."),
    ("fr", "Je comprends que cette semaine a été difficile. Écrivons les trois résultats que tu veux obtenir de "
           "la réunion avec ton responsable, puis choisissons le plus important."),
    ("fr", "C'est normal d'avoir peur avant de changer de travail. Qu'est-ce qui t'inquiète le plus : le salaire, "
           "la nouvelle équipe ou le fait de ne pas être à la hauteur ?"),
    ("it", "Capisco quanto sia stata difficile questa settimana. Scriviamo i tre risultati che vuoi ottenere "
           "dalla riunione con il tuo capo e poi decidiamo insieme qual è il più importante."),
    ("pt", "Entendo como esta semana foi difícil para você. Vamos escrever os três resultados que você quer da "
           "reunião com o seu chefe e depois decidir qual é o mais importante."),
    ("nl", "Ik begrijp dat deze week zwaar voor je was. Laten we de drie dingen opschrijven die je uit het gesprek "
           "met je manager wilt halen, en dan kiezen we samen wat het belangrijkste is."),
    ("zh", "我理解这周对你来说很难。我们先写下你希望从与经理的会议中得到的三个结果，然后决定哪一个对你现在最重要。"),
    ("zh", "换工作之前感到紧张是很正常的。你最担心的是什么：薪水、新的团队，还是担心自己不能胜任？我们可以一个一个来看。"),
    ("zh", "在接受这份工作之前，问清楚值班安排、团队规模以及你的直属上司是谁。这三个答案能告诉你很多日常工作的情况。"),
    ("zh", "面试时可以用STAR方法：情境、任务、行动和结果。和朋友一起大声练习几遍，这样回答会更自然，也更有说服力。"),
    ("ja", "今週は本当に大変だったと思います。上司との面談で得たい結果を三つ書き出して、その中で一番大事なものを一緒に決めましょう。"),
    ("ru", "Я понимаю, как тяжело тебе было на этой неделе. Давай запишем три результата, которых ты хочешь добиться "
           "на встрече с руководителем, и выберем самый важный."),
    ("ar", "أفهم كم كان هذا الأسبوع صعبًا عليك. دعنا نكتب النتائج "
           "الثلاث التي تريدها من الاجتماع مع مديرك ثم نختار الأهم."),
]
