-- A coach's workspace as formcheck's first workspace schema (version 1) left it, with data: the fixture the
-- migration tests upgrade. Frozen: never edit it to match newer code.
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL);
INSERT INTO schema_version VALUES (1, 'clients, stored clips, sets, notes on sets, the job queue', '2025-01-01T10:00:00+00:00');
CREATE TABLE clients (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            tempo_target TEXT,
            created_at TEXT NOT NULL);
CREATE TABLE clips (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            size_bytes BIGINT NOT NULL,
            original_name TEXT NOT NULL,
            created_at TEXT NOT NULL);
CREATE TABLE sets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            clip_sha256 TEXT NOT NULL REFERENCES clips(sha256),
            recorded_on TEXT NOT NULL,
            exercise TEXT NOT NULL DEFAULT 'auto',
            load_kg REAL,
            reps_planned INTEGER,
            rpe REAL,
            source TEXT NOT NULL DEFAULT 'coach',
            status TEXT NOT NULL DEFAULT 'queued',
            result_json TEXT,
            outputs_dir TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            analysed_at TEXT,
            UNIQUE (client_id, clip_sha256));
CREATE INDEX sets_client ON sets (client_id, recorded_on);
CREATE TABLE set_notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            set_id BIGINT NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL);
CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            set_id BIGINT NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
            state TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL);
CREATE INDEX jobs_state ON jobs (state, id);
INSERT INTO clients (id, name, notes, tempo_target, created_at) VALUES (1, 'Old Client', 'knee history', '3-0-1-1', '2025-01-01T10:00:00+00:00');
INSERT INTO clips VALUES ('aaaa1111', 'clips/aa/aaaa1111.mp4', 1234, 'monday row.mp4', '2025-01-01T10:01:00+00:00');
INSERT INTO sets (id, client_id, clip_sha256, recorded_on, load_kg, status, created_at) VALUES (1, 1, 'aaaa1111', '2025-01-06', 40.0, 'queued', '2025-01-06T09:00:00+00:00');
INSERT INTO set_notes (set_id, text, created_at) VALUES (1, 'elbows flared', '2025-01-06T09:05:00+00:00');
INSERT INTO jobs (id, set_id, state, attempts, created_at, updated_at) VALUES (1, 1, 'running', 1, '2025-01-06T09:00:00+00:00', '2025-01-06T09:00:30+00:00');
