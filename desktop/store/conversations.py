"""Conversations of the Text and Code studios and their messages.

A person's action (send, edit-and-resend, regenerate) is one method here that runs in one
transaction: a crash or a busy database midway leaves no half edit, and the store writer
retrying a busy attempt (desktop/store/patience.py) never does any part of it twice."""

from __future__ import annotations

import sqlite3
import time

from desktop.store.fts import match_query
from desktop.store.generations import transaction
from desktop.store.records import Conversation, Message

DEFAULT_TITLE = "New conversation"


class ConversationRepository:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def create(self, studio: str, title: str = DEFAULT_TITLE, system_prompt: str = "",
               model_path: str = "") -> Conversation:
        now = time.time()
        cur = self.conn.execute(
            "INSERT INTO conversations (studio, title, system_prompt, model_path, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)", (studio, title, system_prompt, model_path, now, now)
        )
        return self.get(cur.lastrowid)

    def get(self, conversation_id: int) -> Conversation | None:
        row = self.conn.execute("SELECT * FROM conversations WHERE id=?", (conversation_id,)).fetchone()
        return Conversation.from_row(row) if row else None

    def list(self, studio: str, search: str = "", limit: int = 500) -> list[Conversation]:
        """Most recently used first; `search` matches titles and message text."""
        query = match_query(search) if search.strip() else None
        if query is None:
            rows = self.conn.execute(
                "SELECT * FROM conversations WHERE studio=? ORDER BY updated_at DESC, id DESC LIMIT ?",
                (studio, limit),
            )
        else:
            like = f"%{search.strip()}%"
            rows = self.conn.execute(
                "SELECT * FROM conversations WHERE studio=? AND (title LIKE ? OR id IN ("
                " SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.id=f.rowid"
                " WHERE messages_fts MATCH ?)) ORDER BY updated_at DESC, id DESC LIMIT ?",
                (studio, like, query, limit),
            )
        return [Conversation.from_row(r) for r in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())[:200] or DEFAULT_TITLE
        self.conn.execute("UPDATE conversations SET title=? WHERE id=?", (title, conversation_id))

    def update(self, conversation_id: int, *, system_prompt: str | None = None,
               model_path: str | None = None) -> None:
        """None keeps the current value."""
        self.conn.execute(
            "UPDATE conversations SET system_prompt=COALESCE(?, system_prompt),"
            " model_path=COALESCE(?, model_path) WHERE id=?", (system_prompt, model_path, conversation_id))

    def delete(self, conversation_id: int) -> None:
        self.conn.execute("DELETE FROM conversations WHERE id=?", (conversation_id,))

    def messages(self, conversation_id: int) -> list[Message]:
        rows = self.conn.execute(
            "SELECT * FROM messages WHERE conversation_id=? ORDER BY id", (conversation_id,)
        )
        return [Message.from_row(r) for r in rows]

    def add_message(self, conversation_id: int, role: str, content: str,
                    generation_id: int | None = None) -> Message:
        now = time.time()
        with transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO messages (conversation_id, role, content, generation_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)", (conversation_id, role, content, generation_id, now)
            )
            self.conn.execute("UPDATE conversations SET updated_at=? WHERE id=?", (now, conversation_id))
        row = self.conn.execute("SELECT * FROM messages WHERE id=?", (cur.lastrowid,)).fetchone()
        return Message.from_row(row)

    def delete_messages_from(self, conversation_id: int, message_id: int) -> None:
        """Drop a message and everything after it (edit-and-resend, regenerate)."""
        self.conn.execute("DELETE FROM messages WHERE conversation_id=? AND id>=?",
                          (conversation_id, message_id))

    def send(self, studio: str, conversation_id: int | None, text: str, *, system_prompt: str,
             model_path: str, replacing: int | None = None) -> tuple[Conversation, list[Message]]:
        """The person's message, with the settings it is sent with, into the conversation
        (a new one titled by the message when `conversation_id` is None or gone); `replacing`
        (edit-and-resend) drops that message and everything after it first. Returns the
        conversation and its messages as the reply's job needs them."""
        with transaction(self.conn):
            conversation = self.get(conversation_id) if conversation_id is not None else None
            if conversation is None:
                conversation = self.create(studio, " ".join(text.split())[:60] or DEFAULT_TITLE)
            if replacing is not None:
                self.delete_messages_from(conversation.id, replacing)
            self.update(conversation.id, system_prompt=system_prompt, model_path=model_path)
            self.add_message(conversation.id, "user", text)
            return self.get(conversation.id), self.messages(conversation.id)

    def regenerate(self, conversation_id: int) -> tuple[Conversation, list[Message]]:
        """Drop what follows the last message of the person, so the reply to it can be made
        again; returns the conversation and the messages left."""
        with transaction(self.conn):
            conversation = self.get(conversation_id)
            if conversation is None:
                raise LookupError("This conversation was deleted.")
            last = self.conn.execute("SELECT max(id) FROM messages WHERE conversation_id=? AND role='user'",
                                     (conversation_id,)).fetchone()[0]
            if last is None:
                raise LookupError("This conversation has no message to answer.")
            self.delete_messages_from(conversation_id, last + 1)
            return conversation, self.messages(conversation_id)
