//! The vault's schema, one migration per version. Never edit a shipped migration: add one.
//! `rusqlite_migration` keeps the version in SQLite's `user_version`.

use rusqlite_migration::{M, Migrations};

const STEPS: &[&str] = &[
    // v1: app settings that are private (reminder time, contact method, …).
    "CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;",
    // v2: quick check-ins. Time is stored in UTC with the officer's offset at the time, so
    // trends can bucket by the local day it was for them.
    "CREATE TABLE checkins (
        id               TEXT PRIMARY KEY NOT NULL,
        recorded_at_utc  TEXT NOT NULL,
        utc_offset_min   INTEGER NOT NULL,
        mood             INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
        stress           INTEGER NOT NULL CHECK (stress BETWEEN 1 AND 5),
        energy           INTEGER NOT NULL CHECK (energy BETWEEN 1 AND 5),
        sleep_half_hours INTEGER NOT NULL CHECK (sleep_half_hours BETWEEN 0 AND 28),
        tags             TEXT NOT NULL DEFAULT '[]',
        note             TEXT
    ) STRICT;
    CREATE INDEX checkins_by_time ON checkins (recorded_at_utc);",
];

/// All migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version a fully migrated vault has.
pub const LATEST: usize = STEPS.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }
}
