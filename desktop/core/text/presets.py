"""Ready-made tasks for the Text and Code studios: a system prompt and a way to phrase the request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    system: str
    # "{text}" is replaced by what the person typed (or pasted code).
    template: str = "{text}"

    def apply(self, text: str, **values) -> str:
        return self.template.format(text=text, **values)


TEXT_PRESETS = [
    Preset("Chat", "You are a helpful, concise assistant."),
    Preset("Summarize", "You summarize faithfully and briefly.",
           "Summarize the following text in a few bullet points:\n\n{text}"),
    Preset("Translate", "You are a careful translator who keeps meaning and tone.",
           "Translate the following text into English (or, if it is English, into French):\n\n{text}"),
    Preset("E-mail", "You write clear, friendly, professional e-mails.",
           "Write an e-mail about the following:\n\n{text}"),
    Preset("Poem", "You are a poet with a light touch.", "Write a short poem about: {text}"),
    Preset("Explain", "You explain things simply, with an example.",
           "Explain this simply, as to a curious beginner:\n\n{text}"),
]

# Complete-text mode sends no system prompt and a base model answers nothing: these are the
# openings of texts such a model continues well (the person's words go in at {text}).
TEXT_COMPLETION_PRESETS = [
    Preset("Story", "", "{text}\n\nChapter One\n\n"),
    Preset("Article", "", "# {text}\n\n"),
    Preset("Question and answer", "", "Question: {text}\nAnswer:"),
    Preset("Summary (TL;DR)", "", "{text}\n\nTL;DR:"),
    Preset("Translation", "", "English: {text}\nFrench:"),
    Preset("List of ideas", "", "Ten ideas for {text}:\n\n1."),
    Preset("Poem", "", "A short poem about {text}\n\n"),
]

CODE_LANGUAGES = ["Python", "JavaScript", "TypeScript", "Rust", "Go", "C", "C++", "Java",
                  "C#", "Kotlin", "Swift", "Ruby", "PHP", "Bash", "SQL", "HTML", "CSS"]

CODE_SYSTEM = ("You are an expert {language} programmer. Answer with correct, idiomatic "
               "{language} in fenced code blocks, and keep explanations short.")

CODE_PRESETS = [
    Preset("Write code", CODE_SYSTEM, "{text}"),
    Preset("Explain this", CODE_SYSTEM,
           "Explain what this {language} code does, step by step:\n\n```{fence}\n{text}\n```"),
    Preset("Fix this", CODE_SYSTEM,
           "Find the bugs in this {language} code and give a corrected version:\n\n```{fence}\n{text}\n```"),
    Preset("Write tests", CODE_SYSTEM,
           "Write unit tests for this {language} code:\n\n```{fence}\n{text}\n```"),
    Preset("Add comments", CODE_SYSTEM,
           "Add helpful comments and docstrings to this {language} code:\n\n```{fence}\n{text}\n```"),
]

CODE_COMPLETION_PRESETS = [
    Preset("Write code", "", "{language} code for {text}:\n\n```{fence}\n"),
    Preset("Explain this", "", "```{fence}\n{text}\n```\n\nWhat this {language} code does, step by step:\n\n1."),
    Preset("Write tests", "", "```{fence}\n{text}\n```\n\nUnit tests for the code above:\n\n```{fence}\n"),
    Preset("Add comments", "", "The same {language} code with comments and docstrings:\n\n```{fence}\n{text}\n```\n\n```{fence}\n"),
]

# Pygments / Markdown fence names for the language picker entries.
FENCE_NAMES = {"C++": "cpp", "C#": "csharp", "Bash": "bash"}


def fence_name(language: str) -> str:
    return FENCE_NAMES.get(language, language.lower())
