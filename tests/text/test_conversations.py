"""A person's conversation actions are each one transaction: a failure in the last
statement leaves the library exactly as it was, and a busy retry does nothing twice."""

import sqlite3
from types import SimpleNamespace

import pytest

from desktop.store.conversations import ConversationRepository
from desktop.store.library import Library
from desktop.store.patience import call_when_free


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "lib")
    yield lib
    lib.close()


def dump(lib) -> list[str]:
    """Every table, the full-text indexes' shadow tables included."""
    return list(lib.conn.iterdump())


def fail_on(monkeypatch, method: str, error: Exception | None = None):
    """Make ConversationRepository.<method> raise, after every earlier write of the action ran."""
    def broken(self, *args, **kwargs):
        raise error or RuntimeError("disk gone")
    monkeypatch.setattr(ConversationRepository, method, broken)


def chat(lib):
    convs = lib.conversations
    conv = convs.create("text", "Cats", system_prompt="Be brief.", model_path="/m/old.gguf")
    first = convs.add_message(conv.id, "user", "tell me about cats")
    convs.add_message(conv.id, "assistant", "They purr.")
    convs.add_message(conv.id, "user", "and kittens?")
    convs.add_message(conv.id, "assistant", "They play.")
    return conv, first


def test_new_conversation_and_first_message_are_saved_together(library):
    conv, messages = library.conversations.send("text", None, "  hello   there ", system_prompt="Be kind.",
                                                model_path="/m/a.gguf")
    assert (conv.title, conv.system_prompt, conv.model_path) == ("hello there", "Be kind.", "/m/a.gguf")
    assert [(m.role, m.content) for m in messages] == [("user", "  hello   there ")]


def test_a_failed_first_message_leaves_no_conversation(library, monkeypatch):
    before = dump(library)
    fail_on(monkeypatch, "add_message")
    with pytest.raises(RuntimeError):
        library.conversations.send("text", None, "hello", system_prompt="", model_path="/m/a.gguf")
    assert dump(library) == before
    assert library.conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0


def test_a_message_into_a_deleted_conversation_starts_a_new_one(library):
    gone = library.conversations.create("text", "Gone")
    library.conversations.delete(gone.id)
    conv, _messages = library.conversations.send("text", gone.id, "again", system_prompt="", model_path="m")
    assert conv.title == "again" and [c.title for c in library.conversations.list("text")] == ["again"]


def test_edit_and_resend_replaces_the_tail(library):
    conv, first = chat(library)
    conv2, messages = library.conversations.send("text", conv.id, "tell me about dogs", system_prompt="Be long.",
                                                 model_path="/m/new.gguf", replacing=first.id)
    assert conv2.id == conv.id and (conv2.system_prompt, conv2.model_path) == ("Be long.", "/m/new.gguf")
    assert [m.content for m in messages] == ["tell me about dogs"]


def test_a_failed_edit_and_resend_keeps_every_message_and_setting(library, monkeypatch):
    conv, first = chat(library)
    before = dump(library)
    fail_on(monkeypatch, "add_message")
    with pytest.raises(RuntimeError):
        library.conversations.send("text", conv.id, "tell me about dogs", system_prompt="Be long.",
                                   model_path="/m/new.gguf", replacing=first.id)
    assert dump(library) == before
    assert len(library.conversations.messages(conv.id)) == 4
    assert library.conversations.get(conv.id).model_path == "/m/old.gguf"
    # Searching still finds the kept messages: the full-text index was rolled back too.
    assert [c.id for c in library.conversations.list("text", "kittens")] == [conv.id]


def test_regenerate_drops_only_what_follows_the_last_message_of_the_person(library):
    conv, _first = chat(library)
    _conv, messages = library.conversations.regenerate(conv.id)
    assert [m.content for m in messages] == ["tell me about cats", "They purr.", "and kittens?"]


def test_a_failed_regenerate_keeps_the_reply(library, monkeypatch):
    conv, _first = chat(library)
    before = dump(library)
    fail_on(monkeypatch, "messages")  # the read after the delete, inside the same transaction
    with pytest.raises(RuntimeError):
        library.conversations.regenerate(conv.id)
    assert dump(library) == before


def test_regenerate_of_a_deleted_conversation_says_so(library):
    conv, _first = chat(library)
    library.conversations.delete(conv.id)
    with pytest.raises(LookupError, match="deleted"):
        library.conversations.regenerate(conv.id)


def test_update_keeps_what_it_is_not_given(library):
    conv = library.conversations.create("text", system_prompt="Be brief.", model_path="/m/a.gguf")
    library.conversations.update(conv.id, model_path="/m/b.gguf")
    got = library.conversations.get(conv.id)
    assert (got.system_prompt, got.model_path) == ("Be brief.", "/m/b.gguf")


def test_a_busy_database_midway_is_retried_without_a_second_conversation(library, monkeypatch):
    # Before, the four writes were separate: a busy error at the last one, retried by the
    # store writer, created the conversation a second time.
    real = ConversationRepository.add_message
    attempts = []

    def busy_once(self, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise sqlite3.OperationalError("database is locked")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ConversationRepository, "add_message", busy_once)
    monkeypatch.setattr("desktop.store.patience.RETRY_PAUSE_S", 0)
    store = SimpleNamespace(call=lambda fn: fn(library))
    conv, messages = call_when_free(store, lambda lib: lib.conversations.send(
        "text", None, "hello", system_prompt="", model_path="m"))
    assert len(attempts) == 2
    assert [r[0] for r in library.conn.execute("SELECT id FROM conversations")] == [conv.id]
    assert [m.content for m in messages] == ["hello"]
