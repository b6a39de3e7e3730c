// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:
// run `PEERLINE_WRITE_BINDINGS=1 cargo test -p peerline-app bindings` instead.

export type ErrorBody = { 
/**
 * Stable, SCREAMING_SNAKE_CASE code such as `WRONG_PASSCODE`. Never reworded.
 */
code: string, 
/**
 * A plain sentence for the person using the app, saying what happened and what to do.
 */
message: string, 
/**
 * Seconds before trying again makes sense, when the error is a wait (throttling).
 */
retry_after_secs?: number, };

export type VaultStatus = { "state": "new", 
/**
 * Whether the OS credential store works; when false a passcode is required.
 */
credential_store: boolean, 
/**
 * Shortest passcode accepted.
 */
min_passcode_len: number, } | { "state": "locked", 
/**
 * Why.
 */
reason: LockReason, 
/**
 * Seconds before another attempt is allowed, if waiting.
 */
retry_after_secs: number | null, } | { "state": "unlocked", 
/**
 * Where the key is kept.
 */
custody: Custody, 
/**
 * Whether a passcode (app lock) is set.
 */
app_lock: boolean, 
/**
 * Auto-lock delay in minutes, when the app lock is on.
 */
auto_lock_minutes: number | null, } | { "state": "damaged", 
/**
 * What was found and what can be done.
 */
message: string, } | { "state": "key_missing", 
/**
 * Explanation and the way out.
 */
message: string, } | { "state": "unavailable", 
/**
 * Stable error code.
 */
code: string, 
/**
 * Explanation and what to try.
 */
message: string, };

export type LockReason = "app_lock" | "passcode_custody";

export type Custody = "credential_store" | "passcode";

export type Tag = "critical_incident" | "family" | "sleep" | "health" | "work" | "court" | "shift_change" | "other";

export type QuickCheckIn = { 
/**
 * 1 (very low) – 5 (very good).
 */
mood: number, 
/**
 * 1 (calm) – 5 (overwhelmed).
 */
stress: number, 
/**
 * 1 (drained) – 5 (full of energy).
 */
energy: number, 
/**
 * Hours slept, in half hours (14 = 7 h).
 */
sleep_half_hours: number, 
/**
 * Optional tags.
 */
tags: Array<Tag>, 
/**
 * Optional free text; stays in the vault.
 */
note: string | null, };

export type CheckIn = { 
/**
 * Random id.
 */
id: string, 
/**
 * When, in UTC (RFC 3339).
 */
recorded_at_utc: string, 
/**
 * The officer's offset from UTC at the time, in minutes.
 */
utc_offset_min: number, 
/**
 * 1 (very low) – 5 (very good).
 */
mood: number, 
/**
 * 1 (calm) – 5 (overwhelmed).
 */
stress: number, 
/**
 * 1 (drained) – 5 (full of energy).
 */
energy: number, 
/**
 * Hours slept, in half hours (14 = 7 h).
 */
sleep_half_hours: number, 
/**
 * Optional tags.
 */
tags: Array<Tag>, 
/**
 * Optional free text; stays in the vault.
 */
note: string | null, };
