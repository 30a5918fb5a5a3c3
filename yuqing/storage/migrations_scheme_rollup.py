"""Migration 29's statements (listed in ``yuqing.storage.migrations.MIGRATIONS``): daily roll-ups per 监测方案.

A scheme's page sums its matches by day, source, region, sentiment … and its keywords over up to 90 days. Read from
the documents, each figure costs one index look-up per match (a scheme matching 18,000 of 200,000 documents made
the page take seconds); from these tables it is a few hundred rows. They are kept by triggers — on
``scheme_matches`` (a match recorded by analysis or back-fill, or dropped by a new version or a delete) and on the
grouped columns of ``documents`` (a re-analysis that changes a matched document's sentiment, topic, day or keywords)
— so every writer keeps them exact without knowing they exist. The same dimensions as ``doc_daily`` /
``keyword_daily``; the partial days at a window's ends are still read from the documents (``sqlite_events``).
"""

_KEY = "json_array({p}day, {p}source, {p}kind, {p}topic_label, {p}department, {p}region, {p}sentiment_label)"
_COLS = "day, source, kind, topic_label, department, region, sentiment_label"
_NEW_COLS = ", ".join(f"NEW.{c.strip()}" for c in _COLS.split(","))
_MATCHED = "SELECT scheme FROM scheme_matches WHERE doc_id = {row}.id"

SCHEME_ROLLUP_SQLITE = [
    f"""CREATE TABLE scheme_daily (scheme TEXT NOT NULL, key TEXT NOT NULL, {_COLS.replace(', ', ' TEXT, ')} TEXT,
        n INTEGER NOT NULL, PRIMARY KEY (scheme, key)) WITHOUT ROWID""",
    "CREATE INDEX scheme_daily_day ON scheme_daily (scheme, day)",
    "CREATE TABLE scheme_keyword_daily (scheme TEXT NOT NULL, day TEXT NOT NULL, keyword NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (scheme, day, keyword)) WITHOUT ROWID",
    # What the matches recorded before this migration add up to.
    f"INSERT INTO scheme_daily (scheme, key, {_COLS}, n) SELECT m.scheme, {_KEY.format(p='d.')}, "
    f"{', '.join('d.' + c.strip() for c in _COLS.split(','))}, count(*) FROM scheme_matches m "
    f"JOIN documents d ON d.id = m.doc_id WHERE d.day IS NOT NULL GROUP BY m.scheme, 2",
    "INSERT INTO scheme_keyword_daily (scheme, day, keyword, n) SELECT m.scheme, d.day, j.value, count(*) "
    "FROM scheme_matches m JOIN documents d ON d.id = m.doc_id, json_each(d.keywords) j "
    "WHERE d.day IS NOT NULL AND d.keywords IS NOT NULL AND j.value IS NOT NULL GROUP BY m.scheme, d.day, j.value",
    # A match recorded: the document's row counts once more for the scheme.
    f"""CREATE TRIGGER scheme_rollup_match_added AFTER INSERT ON scheme_matches BEGIN
        INSERT INTO scheme_daily (scheme, key, {_COLS}, n)
            SELECT NEW.scheme, {_KEY.format(p='')}, {_COLS}, 1 FROM documents WHERE id = NEW.doc_id AND day IS NOT NULL
            ON CONFLICT (scheme, key) DO UPDATE SET n = n + 1;
        INSERT INTO scheme_keyword_daily (scheme, day, keyword, n)
            SELECT NEW.scheme, d.day, j.value, 1 FROM documents d, json_each(d.keywords) j
            WHERE d.id = NEW.doc_id AND d.day IS NOT NULL AND d.keywords IS NOT NULL AND j.value IS NOT NULL
            ON CONFLICT (scheme, day, keyword) DO UPDATE SET n = n + 1;
    END""",
    # A match dropped: once less.
    f"""CREATE TRIGGER scheme_rollup_match_dropped AFTER DELETE ON scheme_matches BEGIN
        UPDATE scheme_daily SET n = n - 1 WHERE scheme = OLD.scheme
            AND key = (SELECT {_KEY.format(p='')} FROM documents WHERE id = OLD.doc_id);
        DELETE FROM scheme_daily WHERE scheme = OLD.scheme AND n <= 0
            AND key = (SELECT {_KEY.format(p='')} FROM documents WHERE id = OLD.doc_id);
        UPDATE scheme_keyword_daily SET n = n - 1 WHERE scheme = OLD.scheme
            AND day = (SELECT day FROM documents WHERE id = OLD.doc_id)
            AND keyword IN (SELECT j.value FROM documents d, json_each(d.keywords) j WHERE d.id = OLD.doc_id);
        DELETE FROM scheme_keyword_daily WHERE scheme = OLD.scheme AND n <= 0
            AND day = (SELECT day FROM documents WHERE id = OLD.doc_id);
    END""",
    # A matched document re-analysed or re-dated: its counts move from the old row to the new one, per scheme.
    f"""CREATE TRIGGER scheme_rollup_document_changed
        AFTER UPDATE OF {_COLS}, keywords ON documents
        WHEN EXISTS (SELECT 1 FROM scheme_matches WHERE doc_id = NEW.id) BEGIN
        UPDATE scheme_daily SET n = n - 1 WHERE key = {_KEY.format(p='OLD.')} AND scheme IN ({_MATCHED.format(row='NEW')});
        DELETE FROM scheme_daily WHERE key = {_KEY.format(p='OLD.')} AND n <= 0
            AND scheme IN ({_MATCHED.format(row='NEW')});
        INSERT INTO scheme_daily (scheme, key, {_COLS}, n)
            SELECT m.scheme, {_KEY.format(p='NEW.')}, {_NEW_COLS}, 1 FROM scheme_matches m
            WHERE m.doc_id = NEW.id AND NEW.day IS NOT NULL
            ON CONFLICT (scheme, key) DO UPDATE SET n = n + 1;
        UPDATE scheme_keyword_daily SET n = n - 1 WHERE day = OLD.day
            AND keyword IN (SELECT value FROM json_each(OLD.keywords)) AND scheme IN ({_MATCHED.format(row='NEW')});
        DELETE FROM scheme_keyword_daily WHERE day = OLD.day AND n <= 0 AND scheme IN ({_MATCHED.format(row='NEW')});
        INSERT INTO scheme_keyword_daily (scheme, day, keyword, n)
            SELECT m.scheme, NEW.day, j.value, 1 FROM scheme_matches m, json_each(NEW.keywords) j
            WHERE m.doc_id = NEW.id AND NEW.day IS NOT NULL AND j.value IS NOT NULL
            ON CONFLICT (scheme, day, keyword) DO UPDATE SET n = n + 1;
    END""",
    # Which events hold a scheme's matches (the page's hot events; list_events(scheme=)), kept the same way; a post
    # joins its event after it was matched (clustering follows analysis), so a change of event_id moves it.
    "CREATE TABLE scheme_events (scheme TEXT NOT NULL, event_id TEXT NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (scheme, event_id)) WITHOUT ROWID",
    "INSERT INTO scheme_events (scheme, event_id, n) SELECT m.scheme, d.event_id, count(*) FROM scheme_matches m "
    "JOIN documents d ON d.id = m.doc_id WHERE d.event_id IS NOT NULL GROUP BY m.scheme, d.event_id",
    """CREATE TRIGGER scheme_events_match_added AFTER INSERT ON scheme_matches BEGIN
        INSERT INTO scheme_events (scheme, event_id, n)
            SELECT NEW.scheme, event_id, 1 FROM documents WHERE id = NEW.doc_id AND event_id IS NOT NULL
            ON CONFLICT (scheme, event_id) DO UPDATE SET n = n + 1;
    END""",
    """CREATE TRIGGER scheme_events_match_dropped AFTER DELETE ON scheme_matches BEGIN
        UPDATE scheme_events SET n = n - 1 WHERE scheme = OLD.scheme
            AND event_id = (SELECT event_id FROM documents WHERE id = OLD.doc_id);
        DELETE FROM scheme_events WHERE scheme = OLD.scheme AND n <= 0
            AND event_id = (SELECT event_id FROM documents WHERE id = OLD.doc_id);
    END""",
    f"""CREATE TRIGGER scheme_events_document_moved AFTER UPDATE OF event_id ON documents
        WHEN OLD.event_id IS NOT NEW.event_id AND EXISTS (SELECT 1 FROM scheme_matches WHERE doc_id = NEW.id) BEGIN
        UPDATE scheme_events SET n = n - 1 WHERE event_id = OLD.event_id AND scheme IN ({_MATCHED.format(row='NEW')});
        DELETE FROM scheme_events WHERE event_id = OLD.event_id AND n <= 0 AND scheme IN ({_MATCHED.format(row='NEW')});
        INSERT INTO scheme_events (scheme, event_id, n)
            SELECT m.scheme, NEW.event_id, 1 FROM scheme_matches m WHERE m.doc_id = NEW.id AND NEW.event_id IS NOT NULL
            ON CONFLICT (scheme, event_id) DO UPDATE SET n = n + 1;
    END""",
    # The newest matched posts: walk the documents by time, probing the scheme's matches, until a page is full.
    "CREATE INDEX documents_at_id ON documents (at, id)",
    # The hot events' daily counts (the heat board's and a scheme's 走势 sparklines): read from the index alone
    # instead of one table row per post of each event (0.18 s for the bench's ten hottest events).
    "CREATE INDEX documents_event_at_day ON documents (event_id, at, day)",
    # A matched document deleted: its matches go first (while the row is there to say what they counted).
    """CREATE TRIGGER scheme_rollup_document_deleted BEFORE DELETE ON documents
        WHEN EXISTS (SELECT 1 FROM scheme_matches WHERE doc_id = OLD.id) BEGIN
        DELETE FROM scheme_matches WHERE doc_id = OLD.id;
    END""",
]
