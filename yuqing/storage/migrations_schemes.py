"""Migration 18's statements (listed in ``yuqing.storage.migrations.MIGRATIONS``)."""

# 监测方案 (yuqing.schemes) on the documents half: the schemes, which documents each matches (joined to documents by
# id; the primary key makes recording a match idempotent), and a revision counter every save/delete bumps so matchers
# know when to re-read the schemes. Elasticsearch keeps the matches as the documents' ``schemes`` keyword field.
SCHEMES_SQLITE = [
    """CREATE TABLE schemes (
        name TEXT PRIMARY KEY,
        expression TEXT NOT NULL,
        owner TEXT,
        sources TEXT NOT NULL,
        regions TEXT NOT NULL,
        start_at TEXT,
        end_at TEXT,
        created_at TEXT,
        updated_at TEXT,
        version INTEGER NOT NULL,
        backfilled_version INTEGER NOT NULL DEFAULT 0,
        backfill_cursor TEXT
    )""",
    "CREATE TABLE scheme_matches (scheme TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (scheme, doc_id)) WITHOUT ROWID",
    "CREATE INDEX scheme_matches_doc ON scheme_matches (doc_id)",
    "CREATE TABLE scheme_revision (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), revision INTEGER NOT NULL)",
    "INSERT INTO scheme_revision (singleton, revision) VALUES (1, 0)",
]
