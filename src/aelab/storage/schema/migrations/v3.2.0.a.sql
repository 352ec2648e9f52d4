-- Optuna's alembic revision v3.2.0.a (Optuna 3.2 and later), from v3.0.0.d: an index on
-- trials.study_id, so that reading one study's trials no longer scans every study's. Nothing
-- else changes, so aelab reads and writes both revisions the same way. Portable SQL, run as is in
-- SQLite and PostgreSQL, inside the transaction that also stamps alembic_version.
--
-- The name is the one Optuna's migration gives the index. A database that Optuna 3.2+ creates
-- from scratch carries the same index under SQLAlchemy's name, ix_trials_study_id: both are
-- v3.2.0.a.
CREATE INDEX trials_study_id_key ON trials (study_id);
