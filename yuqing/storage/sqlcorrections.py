"""Migration 15's statements: officers' corrections (yuqing.corrections), listed in ``migrations.MIGRATIONS``."""

# Officers' corrections of what the NLP stage said about a post (topic, sentiment, department), kept for retraining
# (`yuqing train topic` reads the topic ones). ``text`` is the post's title and body as corrected, with personal
# details masked: retention may mask the post itself later, and a label is worth nothing without its text.
CORRECTIONS = [
    """CREATE TABLE corrections (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL,
        alert_id TEXT,
        field TEXT NOT NULL,
        old_value TEXT,
        new_value TEXT NOT NULL,
        text TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX corrections_field ON corrections (field, id)",
    "CREATE INDEX corrections_doc ON corrections (doc_id, id)",
]
