-- The tracker: search (FTS5), tags, filters, the "due soonest" order, and idempotent imports.
-- The calls' JSON document stays the one truth: triggers keep the search index and the tag table in step
-- with every write of it, whatever code path makes it.

-- Filter columns read from the document (virtual: computed on read, indexed where it pays).
ALTER TABLE calls ADD COLUMN category TEXT GENERATED ALWAYS AS (json_extract(document, '$.verifiable_category')) VIRTUAL;
ALTER TABLE calls ADD COLUMN verdict TEXT GENERATED ALWAYS AS (json_extract(document, '$.verdict.verdict')) VIRTUAL;
-- Where an imported call came from ('calledit:<id>', 'fatebook:<hash>'); NULL for a call logged here.
ALTER TABLE calls ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX calls_owner_import_key ON calls (owner, import_key) WHERE import_key IS NOT NULL;
CREATE INDEX calls_owner_due ON calls (owner, verification_date, id);
CREATE INDEX call_history_owner ON call_history (owner, seq);

CREATE TABLE call_tags (
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (call_id, tag)
);
CREATE INDEX call_tags_owner_tag ON call_tags (owner, tag);

-- Full-text search over the statement, the user's words and the tags. FTS5 rows are keyed by an integer;
-- call_search gives each call a stable one (a plain rowid may change on VACUUM).
CREATE TABLE call_search (
    rowid INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE calls_fts USING fts5 (
    statement, prompt, tags, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER calls_tracker_insert AFTER INSERT ON calls BEGIN
    INSERT INTO call_tags (call_id, owner, tag)
        SELECT new.id, new.owner, value FROM json_each(new.document, '$.tags');
    INSERT INTO call_search (call_id) VALUES (new.id);
    INSERT INTO calls_fts (rowid, statement, prompt, tags) VALUES (
        (SELECT rowid FROM call_search WHERE call_id = new.id),
        json_extract(new.document, '$.prediction_statement'),
        json_extract(new.document, '$.raw_prompt'),
        (SELECT group_concat(value, ' ') FROM json_each(new.document, '$.tags'))
    );
END;

CREATE TRIGGER calls_tracker_update AFTER UPDATE OF document ON calls BEGIN
    DELETE FROM call_tags WHERE call_id = new.id;
    INSERT INTO call_tags (call_id, owner, tag)
        SELECT new.id, new.owner, value FROM json_each(new.document, '$.tags');
    UPDATE calls_fts SET
        statement = json_extract(new.document, '$.prediction_statement'),
        prompt = json_extract(new.document, '$.raw_prompt'),
        tags = (SELECT group_concat(value, ' ') FROM json_each(new.document, '$.tags'))
    WHERE rowid = (SELECT rowid FROM call_search WHERE call_id = new.id);
END;

CREATE TRIGGER calls_tracker_delete AFTER DELETE ON calls BEGIN
    DELETE FROM calls_fts WHERE rowid = (SELECT rowid FROM call_search WHERE call_id = old.id);
    DELETE FROM call_search WHERE call_id = old.id;
    DELETE FROM call_tags WHERE call_id = old.id;
END;

-- The calls logged before this migration.
INSERT INTO call_search (call_id) SELECT id FROM calls ORDER BY created_at, id;
INSERT INTO calls_fts (rowid, statement, prompt, tags)
    SELECT s.rowid, json_extract(c.document, '$.prediction_statement'), json_extract(c.document, '$.raw_prompt'), ''
    FROM calls c JOIN call_search s ON s.call_id = c.id;
