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

export type Step = "day1" | "day3" | "week1" | "month1";

export type StepState = "upcoming" | "due" | "done" | "passed";

export type StepView = { 
/**
 * Which.
 */
step: Step, 
/**
 * "A week after".
 */
label: string, 
/**
 * Local wall-clock time it is due ("2026-12-09T09:00:00").
 */
due_local: string, 
/**
 * Where it stands.
 */
state: StepState, 
/**
 * The PCL-5 is offered with it.
 */
offer_pcl5: boolean, };

export type FollowUpView = { 
/**
 * The day of the incident (local).
 */
incident_day: string, 
/**
 * Every step.
 */
steps: Array<StepView>, 
/**
 * The step to do now, if one is due.
 */
current: StepView | null, 
/**
 * Where the practice comes from.
 */
source: string, };

export type ScheduledAsk = { 
/**
 * Id, to cancel it.
 */
id: string, 
/**
 * When it goes (Unix seconds).
 */
send_at: number, 
/**
 * Its note.
 */
note: string | null, };

export type ConsoleTeam = { 
/**
 * The relay's address.
 */
relay_url: string, 
/**
 * The team's id on it.
 */
team_id: string, 
/**
 * The team's public key (base64): what every invite carries.
 */
public_key: string, };

export type NewTeam = { 
/**
 * The relay's address (https, or http on this machine).
 */
relay_url: string, 
/**
 * The relay operator's admin token.
 */
admin_token: string, 
/**
 * Seconds an urgent request may go unclaimed before it goes to every peer.
 */
escalation_secs: number | null, 
/**
 * Anonymous request tokens one phone may get per day.
 */
tokens_per_day: number | null, };

export type TeamStatus = { 
/**
 * The team.
 */
team_id: string, 
/**
 * Registered devices.
 */
devices: number, 
/**
 * Requests not yet closed or expired.
 */
open_requests: number, 
/**
 * Invites that can still be redeemed.
 */
active_invites: number, 
/**
 * Latest roster version, if one was published.
 */
roster_version: number | null, 
/**
 * Latest directory version, if one was published.
 */
directory_version: number | null, 
/**
 * Escalation limit for urgent requests, seconds.
 */
escalation_secs: number, };

export type InviteState = "active" | "expired" | "used_up" | "revoked";

export type InviteRow = { 
/**
 * Id, for revoking.
 */
invite_id: string, 
/**
 * Uses taken.
 */
uses: number, 
/**
 * Uses allowed.
 */
max_uses: number, 
/**
 * Unix seconds.
 */
expires_at: number, 
/**
 * Where it stands.
 */
state: InviteState, };

export type IssuedInvite = { 
/**
 * The invite as listed.
 */
invite: InviteRow, 
/**
 * `peerline://join?…`
 */
link: string, };

export type Roster = { 
/**
 * The peers.
 */
peers: Array<RosterPeer>, };

export type RosterPeer = { 
/**
 * Short stable id for routing (letters, digits, `-`, `_`).
 */
key_id: string, 
/**
 * What officers see: "Sam R."
 */
display_name: string, 
/**
 * Languages spoken.
 */
languages: Array<string>, 
/**
 * Experience areas: what they know well (critical incident, line-of-duty death,
 * family, substance use, …). `experience` is accepted as another name.
 */
specialties: Array<string>, 
/**
 * Usual on-duty hours, in words ("Mon–Fri 18:00–06:00").
 */
on_duty_hours: string | null, 
/**
 * Unit or assignment, in the agency's own words ("Patrol North", "Dispatch"): an
 * officer can keep their request from their own unit.
 */
unit?: string | null, 
/**
 * Gender, for officers who prefer to talk to a woman or a man.
 */
gender?: Gender | null, 
/**
 * Sworn, civilian or retired.
 */
rank_group?: RankGroup | null, 
/**
 * Years of service, as a band.
 */
service_years?: ServiceYears | null, 
/**
 * Weekly on-duty schedule in the team's local time, one stretch per entry:
 * `"mon 18-06"` is Monday 18:00 to Tuesday 06:00, `"sat 00-24"` all Saturday. The
 * coordinator's console shows the hours nobody covers from it.
 */
schedule?: Array<string>, 
/**
 * The peer's age X25519 recipient (`age1…`): requests are encrypted to it.
 */
age_recipient: string, 
/**
 * The peer's ed25519 public key (base64): replies are signed with it.
 */
signing_key: string, };

export type Directory = { 
/**
 * Entries.
 */
entries: Array<DirectoryEntry>, };

export type DirectoryEntry = { 
/**
 * Name.
 */
name: string, 
/**
 * Kind.
 */
kind: EntryKind, 
/**
 * Specialties (trauma, PTSD, substance use, couples/family, grief, critical incident).
 */
specialties: Array<string>, 
/**
 * Experienced with first responders.
 */
first_responder_competent: boolean, 
/**
 * Offers telehealth.
 */
telehealth: boolean, 
/**
 * Languages.
 */
languages: Array<string>, 
/**
 * Free, EAP-covered, insurance, sliding scale.
 */
cost: string | null, 
/**
 * Open around the clock.
 */
always_open: boolean, 
/**
 * Opening hours in words, when not 24/7.
 */
hours: string | null, 
/**
 * Region served.
 */
region: string | null, 
/**
 * Phone number.
 */
phone: string | null, 
/**
 * Number for text messages.
 */
sms: string | null, 
/**
 * Words to start the text with, when the service asks for them ("HOME" for Crisis
 * Text Line); the phone fills them in so the officer only has to press send.
 */
sms_body: string | null, 
/**
 * Web page (https only).
 */
web: string | null, 
/**
 * Notes.
 */
notes: string | null, };

export type EntryKind = "crisis_line" | "counselor" | "eap" | "chaplain" | "program" | "peer_team";

export type Problem = { 
/**
 * Position in the list, when the problem is in one item.
 */
index: number | null, 
/**
 * Field name.
 */
field: string, 
/**
 * What to change, in words.
 */
message: string, };

export type RosterDraft = { 
/**
 * The draft.
 */
roster: Roster, 
/**
 * What stops it from being published (empty: it can be).
 */
problems: Array<Problem>, 
/**
 * What an officer's app will show of each peer.
 */
preview: Array<PeerCard>, 
/**
 * Peers scheduled in each hour of the week (168, Monday 00:00 team time first).
 */
coverage: Array<number>, 
/**
 * Hours of the week nobody is scheduled for.
 */
uncovered_hours: number, 
/**
 * The version last published from this device.
 */
published_version: number | null, 
/**
 * The draft differs from what was last published from this device.
 */
unpublished_changes: boolean, };

export type DirectoryDraft = { 
/**
 * The draft.
 */
directory: Directory, 
/**
 * What stops it from being published (empty: it can be).
 */
problems: Array<Problem>, 
/**
 * The version last published from this device.
 */
published_version: number | null, 
/**
 * The draft differs from what was last published from this device.
 */
unpublished_changes: boolean, };

export type DirectoryFormat = "csv" | "json";

export type DocumentKind = "roster" | "directory";

export type Published = { 
/**
 * Which document.
 */
kind: DocumentKind, 
/**
 * The version now on the relay.
 */
version: number, };

export type PublishedVersion = { 
/**
 * Version number.
 */
version: number, 
/**
 * When (UTC, RFC 3339).
 */
published_at_utc: string, 
/**
 * Peers or entries in it.
 */
items: number, };

export type Summary = { 
/**
 * Requests closed or expired.
 */
requests: number, 
/**
 * Claimed by a peer.
 */
claimed: number, 
/**
 * Went to every peer after going unclaimed.
 */
escalated: number, 
/**
 * Expired with nobody taking them.
 */
expired_unclaimed: number, 
/**
 * Claimed, percent of requests.
 */
claimed_pct: number, 
/**
 * Escalated, percent of requests.
 */
escalated_pct: number, 
/**
 * Half the claims came within this (in words), when any were claimed.
 */
median_claim: string | null, 
/**
 * Nine in ten claims came within this (in words).
 */
p90_claim: string | null, 
/**
 * Claims by time to claim: under 1 min, 1–5, 5–15, 15–60 min, 1–4 h, longer.
 */
claim_times: Array<number>, };

export type PeriodView = { 
/**
 * "2026-11-23 – 2026-12-06", or "November 2026".
 */
label: string, 
/**
 * First day (YYYY-MM-DD).
 */
first_day: string, 
/**
 * Last day (YYYY-MM-DD).
 */
last_day: string, 
/**
 * The figures; `None` when there are fewer than five requests to show.
 */
summary: Summary | null, 
/**
 * Requests still being pooled (fewer than five) also fall in this span.
 */
more_pending: boolean, };

export type CoverageHeld = { 
/**
 * Ended weeks the relay has duty figures for.
 */
weeks: number, 
/**
 * Mean peers on duty in each hour of the week, in this device's time (168 numbers,
 * Monday 00:00 first).
 */
mean_peers: Array<number>, 
/**
 * Scheduled hours over those weeks.
 */
scheduled_hours: number, 
/**
 * Of them, hours with a peer on duty for at least half the hour.
 */
held_hours: number, 
/**
 * Held, percent of scheduled.
 */
held_pct: number, };

export type FiguresView = { 
/**
 * The pooled periods, newest first.
 */
periods: Array<PeriodView>, 
/**
 * Months, newest first, each the whole periods ending in it.
 */
months: Array<PeriodView>, 
/**
 * Every shown period together.
 */
total: Summary | null, 
/**
 * Duty held against the schedule.
 */
coverage: CoverageHeld, 
/**
 * The small-number rule.
 */
rule: string, };

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

export type TeamInfo = { 
/**
 * Relay host, for "connected to …".
 */
relay_url: string, 
/**
 * Roster version held, if any.
 */
roster_version: number | null, 
/**
 * Peers in the roster.
 */
peers: Array<PeerCard>, };

export type PeerCard = { 
/**
 * Roster key id.
 */
key_id: string, 
/**
 * Name shown.
 */
display_name: string, 
/**
 * Languages.
 */
languages: Array<string>, 
/**
 * Specialties.
 */
specialties: Array<string>, 
/**
 * Usual hours.
 */
on_duty_hours: string | null, 
/**
 * Unit or assignment.
 */
unit: string | null, 
/**
 * Gender, when the roster gives it.
 */
gender: Gender | null, 
/**
 * Sworn, civilian or retired.
 */
rank_group: RankGroup | null, 
/**
 * Years of service.
 */
service_years: ServiceYears | null, };

export type Contact = { "method": "call", "value": string } | { "method": "text", "value": string } | { "method": "in_app" };

export type Gender = "woman" | "man" | "nonbinary";

export type RankGroup = "sworn" | "civilian" | "retired";

export type ServiceYears = "under_5" | "5_to_14" | "15_to_24" | "25_plus";

export type Preferences = { 
/**
 * Never these units or assignments (as the roster spells them). Escalation keeps
 * to this unless `escalate_to_all` says otherwise.
 */
not_units: Array<string>, 
/**
 * Rather a woman, a man, …
 */
gender: Gender | null, 
/**
 * A language the peer speaks.
 */
language: string | null, 
/**
 * An experience area ("critical incident", "family", …).
 */
experience: string | null, 
/**
 * One named peer (roster key id).
 */
peer: string | null, 
/**
 * If nobody answers in time, let the request reach peers in the excluded units too.
 */
escalate_to_all: boolean, };

export type Fallback = { "kind": "ask" } | { "kind": "any_on_duty" } | { "kind": "peer", "key_id": string };

export type PeerChoice = { 
/**
 * What they asked for.
 */
preferences: Preferences, 
/**
 * If nobody on duty matches.
 */
fallback: Fallback, };

export type NoMatch = { 
/**
 * Peers on duty outside the exclusions: "any peer on duty" reaches them.
 */
others_on_duty: number, 
/**
 * Peers off duty outside the exclusions, best matches first: one can be named and
 * gets the request when they come on.
 */
off_duty: Array<PeerCard>, };

export type NewRequest = { 
/**
 * How soon.
 */
urgency: Urgency, 
/**
 * How to reach the officer.
 */
contact: Contact, 
/**
 * Optional note for the peer.
 */
note: string | null, 
/**
 * Who may read it. `None` is the one-tap path: the preferences remembered from last
 * time, and if nobody on duty matches them, any peer outside the exclusions.
 */
choice: PeerChoice | null, };

export type Stage = "queued" | "sent" | "delivered" | "accepted" | "closed" | "failed";

export type RequestView = { 
/**
 * Id.
 */
request_id: string, 
/**
 * When it was made (UTC, RFC 3339).
 */
created_at_utc: string, 
/**
 * How soon.
 */
urgency: Urgency, 
/**
 * Where it stands.
 */
stage: Stage, 
/**
 * Unclaimed past the team's limit: it went to every peer.
 */
escalated: boolean, 
/**
 * Display name of the peer who took it, from the verified roster.
 */
accepted_by: string | null, 
/**
 * Their verified message.
 */
reply_message: string | null, 
/**
 * When to expect contact, minutes.
 */
reply_eta_minutes: number | null, 
/**
 * Send attempts so far (while queued).
 */
attempts: number, 
/**
 * Why it failed, or a warning about it (e.g. a reply that could not be verified).
 */
failure: string | null, };

export type AskOutcome = { "outcome": "sent", 
/**
 * The request.
 */
request: RequestView, } | { "outcome": "no_match", 
/**
 * What the officer can do instead.
 */
options: NoMatch, };

export type MessageState = "queued" | "sent" | "delivered" | "read" | "received" | "failed";

export type LineKind = "text" | "hand_off" | "declined" | "note";

export type MessageView = { 
/**
 * Written on this phone.
 */
mine: boolean, 
/**
 * What kind of line.
 */
kind: LineKind, 
/**
 * The words (for a hand-off, who it would go to).
 */
text: string, 
/**
 * When its author wrote it (UTC, RFC 3339).
 */
sent_at_utc: string, 
/**
 * Where it has got to.
 */
state: MessageState, };

export type HandOffAsk = { 
/**
 * Who would take over (display name), or `None`: any peer on duty.
 */
to_name: string | null, };

export type ConversationView = { 
/**
 * The request.
 */
request_id: string, 
/**
 * This phone is the peer's (else the officer's).
 */
as_peer: boolean, 
/**
 * Messages can be written now (the other side's key has arrived).
 */
can_write: boolean, 
/**
 * The lines, oldest first.
 */
messages: Array<MessageView>, 
/**
 * The officer chose to keep it after close.
 */
keep: boolean, 
/**
 * A hand-off the officer has not answered yet.
 */
hand_off: HandOffAsk | null, 
/**
 * A message that could not be verified (and is not shown), or one that failed to send.
 */
warning: string | null, };

export type ConversationEvent = { 
/**
 * The request.
 */
request_id: string, 
/**
 * How many new messages from the other side arrived (0: a mark moved, or one was sent).
 */
arrived: number, };

export type PeerPublicKeys = { 
/**
 * Suggested roster key id.
 */
key_id: string, 
/**
 * age recipient (`age1…`).
 */
age_recipient: string, 
/**
 * ed25519 public key, base64.
 */
signing_key: string, 
/**
 * The same as a roster entry to paste into roster.toml (add your name).
 */
roster_entry: string, };

export type InboxItem = { 
/**
 * Id.
 */
request_id: string, 
/**
 * How soon.
 */
urgency: Urgency, 
/**
 * Seconds since it was posted.
 */
age_secs: number, 
/**
 * Went to every peer after going unclaimed.
 */
escalated: boolean, 
/**
 * Nobody has it yet.
 */
open: boolean, 
/**
 * This peer has it.
 */
mine: boolean, 
/**
 * How to reach the officer.
 */
contact: Contact, 
/**
 * The officer's note.
 */
note: string | null, };

export type Instrument = "phq9" | "phq2" | "gad7" | "gad2" | "who5" | "audit_c" | "pcl5";

export type Choice = { 
/**
 * Points.
 */
value: number, 
/**
 * Published wording.
 */
label: string, };

export type Item = { 
/**
 * Published wording.
 */
text: string, 
/**
 * Its choices (AUDIT-C items each have their own).
 */
choices: Array<Choice>, };

export type Form = { 
/**
 * Which.
 */
instrument: Instrument, 
/**
 * Name.
 */
title: string, 
/**
 * The instruction before the items.
 */
stem: string, 
/**
 * Items in order.
 */
items: Array<Item>, 
/**
 * Source and licence, shown in the app.
 */
credit: string, };

export type Score = { 
/**
 * Which.
 */
instrument: Instrument, 
/**
 * The published total (WHO-5: the 0–100 percentage).
 */
total: number, 
/**
 * The band's published name.
 */
band: string, 
/**
 * What the band means, in plain words.
 */
interpretation: string, 
/**
 * True when the result should open the safety screen (crisis lines, a peer now, and a
 * professional referral) before the score is shown.
 */
safety: boolean, };

export type SavedScore = { 
/**
 * Id.
 */
id: string, 
/**
 * When, UTC (RFC 3339).
 */
taken_at_utc: string, 
/**
 * The score.
 */
score: Score, };

export type Bucket = "day" | "week" | "month";

export type ScreenerSeries = { 
/**
 * Which instrument.
 */
instrument: Instrument, 
/**
 * Its name as shown.
 */
title: string, 
/**
 * Highest possible total, for the chart's scale.
 */
max_total: number, 
/**
 * Mean total in each bucket; `None` where none was taken.
 */
totals: Array<number | null>, };

export type Trends = { 
/**
 * The grouping.
 */
bucket: Bucket, 
/**
 * First local day of each bucket (`YYYY-MM-DD`), oldest first.
 */
starts: Array<string>, 
/**
 * Mean mood (1–5).
 */
mood: Array<number | null>, 
/**
 * Mean stress (1–5).
 */
stress: Array<number | null>, 
/**
 * Mean energy (1–5).
 */
energy: Array<number | null>, 
/**
 * Mean hours slept.
 */
sleep_hours: Array<number | null>, 
/**
 * Check-ins in each bucket.
 */
checkins: Array<number>, 
/**
 * Screeners taken at least once in the range, in a fixed order.
 */
screeners: Array<ScreenerSeries>, };

export type ReminderTime = { 
/**
 * 0–23.
 */
hour: number, 
/**
 * 0–59.
 */
minute: number, };

export type PlanContact = { 
/**
 * Name, or a place ("the gym on 5th").
 */
name: string, 
/**
 * Phone number.
 */
phone: string | null, };

export type SafetyPlan = { 
/**
 * Step 1: warning signs that a crisis may be coming (thoughts, moods, situations).
 */
warning_signs: Array<string>, 
/**
 * Step 2: things I can do on my own to take my mind off things.
 */
coping: Array<string>, 
/**
 * Step 3: people and social settings that take my mind off things.
 */
distractions: Array<PlanContact>, 
/**
 * Step 4: people I can ask for help.
 */
helpers: Array<PlanContact>, 
/**
 * Step 5: professionals and agencies (crisis lines included).
 */
professionals: Array<PlanContact>, 
/**
 * Step 6: making my environment safe, in my own words.
 */
safe_environment: Array<string>, 
/**
 * The one thing most important to me and worth living for.
 */
reason: string | null, };

export type ContactCard = { 
/**
 * The contact.
 */
contact: PlanContact, 
/**
 * Call and text (empty without a number; disabled, with the reason, when the number
 * cannot be dialled).
 */
actions: Array<Action>, };

export type PlanView = { 
/**
 * What the officer wrote.
 */
plan: SafetyPlan, 
/**
 * Step 3 with actions.
 */
distractions: Array<ContactCard>, 
/**
 * Step 4 with actions.
 */
helpers: Array<ContactCard>, 
/**
 * Step 5 with actions.
 */
professionals: Array<ContactCard>, 
/**
 * When it was last changed (UTC, RFC 3339).
 */
updated_at_utc: string, };

export type ExportFormat = "csv" | "summary";

export type ExportOptions = { 
/**
 * Include the private notes written with check-ins (off unless chosen).
 */
include_notes: boolean, };

export type RestoreMode = "ask" | "add" | "replace";

export type BackupReport = { 
/**
 * Check-ins in the backup.
 */
checkins: number, 
/**
 * Questionnaire results in the backup.
 */
screeners: number, 
/**
 * Size of the backup file in bytes.
 */
file_bytes: number, };

export type Kind = "crisis_line" | "counselor" | "eap" | "chaplain" | "program" | "peer_team";

export type Origin = "builtin" | "agency";

export type ActionKind = "call" | "text" | "web";

export type Action = { 
/**
 * Call, text or web.
 */
kind: ActionKind, 
/**
 * What the button says ("Call 988", "Text HOME to 741741", "Open copline.org").
 */
label: string, 
/**
 * The link to open; passes [`allowed_uri`]. `None` when the action is disabled.
 */
uri: string | null, 
/**
 * Why the action is disabled, when it is.
 */
disabled_reason: string | null, };

export type EntryCard = { 
/**
 * Name.
 */
name: string, 
/**
 * Kind.
 */
kind: Kind, 
/**
 * Specialties, as written by the publisher.
 */
specialties: Array<string>, 
/**
 * Experienced with first responders.
 */
first_responder_competent: boolean, 
/**
 * Offers telehealth.
 */
telehealth: boolean, 
/**
 * Languages.
 */
languages: Array<string>, 
/**
 * Free, EAP-covered, insurance, sliding scale.
 */
cost: string | null, 
/**
 * Open around the clock.
 */
always_open: boolean, 
/**
 * Opening hours in words, when not 24/7.
 */
hours: string | null, 
/**
 * Region served.
 */
region: string | null, 
/**
 * Phone number, as written.
 */
phone: string | null, 
/**
 * Number for text messages, as written.
 */
sms: string | null, 
/**
 * Words the text message starts with.
 */
sms_body: string | null, 
/**
 * Web page.
 */
web: string | null, 
/**
 * Notes.
 */
notes: string | null, };

export type Hit = { 
/**
 * Stable id: the built-in resource's id, or `agency-<position>` in the agency's list.
 */
id: string, 
/**
 * Built into the app, or the agency's.
 */
origin: Origin, 
/**
 * The entry.
 */
entry: EntryCard, 
/**
 * Call, text and web, in that order, for the contacts the entry has.
 */
actions: Array<Action>, 
/**
 * Where a built-in entry was checked (none for the agency's).
 */
source_url: string | null, 
/**
 * When a built-in entry was checked, `YYYY-MM-DD`.
 */
checked_on: string | null, };

export type Query = { 
/**
 * What the officer typed; any text is accepted.
 */
text: string, 
/**
 * Only these kinds (empty: all).
 */
kinds: Array<Kind>, 
/**
 * Only entries with this specialty ("ptsd", "Substance use").
 */
specialty: string | null, 
/**
 * Only entries experienced with first responders.
 */
first_responder_competent: boolean, 
/**
 * Only entries offering telehealth.
 */
telehealth: boolean, 
/**
 * Only entries in this language ("es").
 */
language: string | null, 
/**
 * Only entries at this cost ("free", "eap_covered", "insurance", "sliding_scale").
 */
cost: string | null, 
/**
 * Only entries open 24/7.
 */
always_open: boolean, 
/**
 * Only entries for this region ("US", "Travis County").
 */
region: string | null, 
/**
 * Only built-in entries, or only the agency's.
 */
origin: Origin | null, 
/**
 * Most results (default 50, at most 200).
 */
limit: number | null, };

export type Refusal = { 
/**
 * The version the relay offered.
 */
version: number, 
/**
 * Why it was refused, in plain words.
 */
reason: string, 
/**
 * When (UTC, RFC 3339).
 */
at_utc: string, };

export type AgencyInfo = { 
/**
 * Version installed, if any.
 */
version: number | null, 
/**
 * Entries in it (search with `origin: agency` to list them).
 */
entries: number, 
/**
 * When it was installed (UTC, RFC 3339).
 */
installed_at_utc: string | null, 
/**
 * The last update that was refused, when it is newer than the copy in use.
 */
refused: Refusal | null, };

export type Role = "officer" | "peer_supporter";

export type Urgency = "now" | "today" | "this_week";

export type PeerEvent = { 
/**
 * The request it is about; `None` after a reconnect, when anything may have changed.
 */
request_id: string | null, 
/**
 * Whether it is news a peer should be told about (a new or escalated request).
 */
new_request: boolean, };

export type DutyStatus = { 
/**
 * On duty until then (Unix seconds); `None` when off duty (or not set from here).
 */
on_duty_until: number | null, };

export type SyncStatus = { 
/**
 * Sync is on.
 */
on: boolean, 
/**
 * Changes made here wait for the next round.
 */
pending: boolean, };

export type SyncReport = { 
/**
 * Changes from this device uploaded.
 */
sent: number, 
/**
 * Changes from other devices that changed something here.
 */
received: number, };

export type LinkState = { "state": "waiting" } | { "state": "confirm", 
/**
 * The four digits both devices show.
 */
code: string, } | { "state": "show_code", 
/**
 * The four digits both devices show.
 */
code: string, } | { "state": "linked", 
/**
 * Records taken in (new device), 0 on the existing one.
 */
received: number, } | { "state": "ended", 
/**
 * Why, in a sentence that says what to do next.
 */
reason: string, };

export type LinkView = { 
/**
 * The link to show as a QR code and text (on the existing device, while waiting).
 */
link: string | null, 
/**
 * Where it stands.
 */
state: LinkState, 
/**
 * When it ends (Unix seconds).
 */
expires_at: number, };

export type SyncDevice = { 
/**
 * Its id (what removing it names).
 */
id: string, 
/**
 * Its name.
 */
name: string, 
/**
 * The day it joined sync.
 */
added_on: string, 
/**
 * It is the device showing the list.
 */
this_device: boolean, };

/** Every event the UI hears, by name, with its payload: the engine's, then the shell's. */
export type CoreEvents = {
  'vault-status': VaultStatus;
  'request-updated': RequestView;
  'peer-event': PeerEvent;
  'reminder-due': null;
  'duty': DutyStatus;
  'conversation': ConversationEvent;
  'link': LinkView;
  'open-inbox': null;
  'open-invite': string;
};

/** Every IPC command the shell handles. */
export const COMMANDS = [
  'first_screen_shown',
  'vault_status',
  'vault_retry',
  'vault_create',
  'vault_unlock',
  'vault_lock',
  'vault_set_passcode',
  'vault_remove_passcode',
  'vault_set_auto_lock',
  'vault_erase',
  'vault_set_aside_damaged',
  'checkin_save',
  'checkin_recent',
  'checkin_delete',
  'team_join',
  'team_info',
  'team_sync',
  'safety_plan',
  'safety_plan_save',
  'safety_plan_locked_get',
  'safety_plan_locked_set',
  'safety_plan_while_locked',
  'talk_ask',
  'talk_preferences',
  'talk_schedule',
  'talk_scheduled',
  'talk_scheduled_cancel',
  'talk_set_preferences',
  'talk_conversation',
  'talk_send',
  'talk_read',
  'talk_keep',
  'talk_answer_hand_off',
  'peer_hand_off',
  'talk_requests',
  'talk_refresh',
  'talk_cancel',
  'peer_keys',
  'peer_duty',
  'peer_inbox',
  'peer_claim',
  'peer_reply',
  'peer_close',
  'demo_invite',
  'opened_invite',
  'team_leave',
  'settings_contact',
  'settings_set_contact',
  'settings_role',
  'settings_set_role',
  'screener_form',
  'screener_submit',
  'screener_history',
  'checkin_update',
  'trends',
  'reminder_get',
  'reminder_set',
  'followup_view',
  'followup_start',
  'followup_done',
  'followup_stop',
  'export_save',
  'backup_save',
  'backup_choose',
  'backup_restore',
  'directory_builtin',
  'directory_search',
  'directory_info',
  'directory_sync',
  'directory_open',
  'sync_status',
  'sync_turn_on',
  'sync_restore',
  'sync_now',
  'sync_turn_off',
  'sync_link_start',
  'sync_link_join',
  'sync_link_answer',
  'sync_link_view',
  'sync_link_cancel',
  'sync_devices',
  'sync_remove_device',
  'console_team',
  'console_create_team',
  'console_import_key',
  'console_export_key',
  'console_forget',
  'console_status',
  'console_roster',
  'console_save_roster',
  'console_add_peer',
  'console_directory',
  'console_save_directory',
  'console_import_directory',
  'console_publish',
  'console_history',
  'console_reopen',
  'console_invites',
  'console_issue_invite',
  'console_revoke_invite',
  'console_figures',
  'vault_unlock_biometric',
  'autostart_get',
  'autostart_set',
] as const;

export type Command = (typeof COMMANDS)[number];

/** Each command's arguments (camelCase, as Tauri maps them) and successful result. */
export type Commands = {
  first_screen_shown: { args: Record<string, never>; result: null };
  vault_status: { args: Record<string, never>; result: VaultStatus };
  vault_retry: { args: Record<string, never>; result: VaultStatus };
  vault_create: { args: { passcode: string | null }; result: VaultStatus };
  vault_unlock: { args: { passcode: string }; result: VaultStatus };
  vault_lock: { args: Record<string, never>; result: VaultStatus };
  vault_set_passcode: { args: { current: string | null; newPasscode: string }; result: VaultStatus };
  vault_remove_passcode: { args: { current: string }; result: VaultStatus };
  vault_set_auto_lock: { args: { minutes: number | null }; result: VaultStatus };
  vault_erase: { args: Record<string, never>; result: VaultStatus };
  vault_set_aside_damaged: { args: Record<string, never>; result: VaultStatus };
  checkin_save: { args: { entry: QuickCheckIn }; result: CheckIn };
  checkin_recent: { args: { limit: number }; result: CheckIn[] };
  checkin_delete: { args: { id: string }; result: boolean };
  team_join: { args: { invite: string }; result: TeamInfo | null };
  team_info: { args: Record<string, never>; result: TeamInfo | null };
  team_sync: { args: Record<string, never>; result: TeamInfo | null };
  safety_plan: { args: Record<string, never>; result: PlanView | null };
  safety_plan_save: { args: { plan: SafetyPlan }; result: PlanView | null };
  safety_plan_locked_get: { args: Record<string, never>; result: boolean };
  safety_plan_locked_set: { args: { on: boolean }; result: null };
  safety_plan_while_locked: { args: Record<string, never>; result: PlanView | null };
  talk_ask: { args: { request: NewRequest }; result: AskOutcome };
  talk_preferences: { args: Record<string, never>; result: Preferences };
  talk_schedule: { args: { request: NewRequest; days: number }; result: ScheduledAsk };
  talk_scheduled: { args: Record<string, never>; result: ScheduledAsk[] };
  talk_scheduled_cancel: { args: { id: string }; result: ScheduledAsk[] };
  talk_set_preferences: { args: { preferences: Preferences }; result: Preferences };
  talk_conversation: { args: { id: string }; result: ConversationView };
  talk_send: { args: { id: string; text: string }; result: ConversationView };
  talk_read: { args: { id: string }; result: null };
  talk_keep: { args: { id: string; keep: boolean }; result: ConversationView };
  talk_answer_hand_off: { args: { id: string; agree: boolean }; result: ConversationView };
  peer_hand_off: { args: { id: string; to: string | null }; result: ConversationView };
  talk_requests: { args: Record<string, never>; result: RequestView[] };
  talk_refresh: { args: { id: string }; result: RequestView };
  talk_cancel: { args: { id: string }; result: RequestView };
  peer_keys: { args: { keyId: string | null }; result: PeerPublicKeys };
  peer_duty: { args: { minutes: number }; result: string[] };
  peer_inbox: { args: Record<string, never>; result: InboxItem[] };
  peer_claim: { args: { id: string }; result: null };
  peer_reply: { args: { id: string; message: string; etaMinutes: number }; result: null };
  peer_close: { args: { id: string }; result: null };
  demo_invite: { args: Record<string, never>; result: string | null };
  opened_invite: { args: Record<string, never>; result: string | null };
  team_leave: { args: Record<string, never>; result: null };
  settings_contact: { args: Record<string, never>; result: Contact };
  settings_set_contact: { args: { contact: Contact }; result: null };
  settings_role: { args: Record<string, never>; result: Role | null };
  settings_set_role: { args: { role: Role }; result: null };
  screener_form: { args: { instrument: Instrument }; result: Form };
  screener_submit: { args: { instrument: Instrument; answers: number[] }; result: SavedScore };
  screener_history: { args: { instrument: Instrument }; result: SavedScore[] };
  checkin_update: { args: { id: string; entry: QuickCheckIn }; result: CheckIn };
  trends: { args: { bucket: Bucket; days: number }; result: Trends };
  reminder_get: { args: Record<string, never>; result: ReminderTime | null };
  reminder_set: { args: { at: ReminderTime | null }; result: ReminderTime | null };
  followup_view: { args: Record<string, never>; result: FollowUpView | null };
  followup_start: { args: Record<string, never>; result: FollowUpView | null };
  followup_done: { args: { step: Step }; result: FollowUpView | null };
  followup_stop: { args: Record<string, never>; result: null };
  export_save: { args: { format: ExportFormat; options: ExportOptions }; result: number | null };
  backup_save: { args: { passphrase: string }; result: BackupReport | null };
  backup_choose: { args: Record<string, never>; result: string | null };
  backup_restore: { args: { passphrase: string; mode: RestoreMode }; result: BackupReport };
  directory_builtin: { args: Record<string, never>; result: Hit[] };
  directory_search: { args: { query: Query }; result: Hit[] };
  directory_info: { args: Record<string, never>; result: AgencyInfo | null };
  directory_sync: { args: Record<string, never>; result: AgencyInfo | null };
  directory_open: { args: { uri: string }; result: null };
  sync_status: { args: Record<string, never>; result: SyncStatus };
  sync_turn_on: { args: Record<string, never>; result: string };
  sync_restore: { args: { code: string }; result: SyncReport };
  sync_now: { args: Record<string, never>; result: SyncReport };
  sync_turn_off: { args: Record<string, never>; result: null };
  sync_link_start: { args: Record<string, never>; result: LinkView };
  sync_link_join: { args: { link: string }; result: LinkView };
  sync_link_answer: { args: { yes: boolean }; result: LinkView };
  sync_link_view: { args: Record<string, never>; result: LinkView | null };
  sync_link_cancel: { args: Record<string, never>; result: null };
  sync_devices: { args: Record<string, never>; result: SyncDevice[] };
  sync_remove_device: { args: { id: string }; result: string };
  console_team: { args: Record<string, never>; result: ConsoleTeam | null };
  console_create_team: { args: { team: NewTeam }; result: ConsoleTeam };
  console_import_key: { args: { text: string; passphrase: string | null }; result: ConsoleTeam };
  console_export_key: { args: { passphrase: string }; result: boolean };
  console_forget: { args: Record<string, never>; result: null };
  console_status: { args: Record<string, never>; result: TeamStatus };
  console_roster: { args: Record<string, never>; result: RosterDraft };
  console_save_roster: { args: { roster: Roster }; result: RosterDraft };
  console_add_peer: { args: { keys: string; name: string }; result: RosterDraft };
  console_directory: { args: Record<string, never>; result: DirectoryDraft };
  console_save_directory: { args: { directory: Directory }; result: DirectoryDraft };
  console_import_directory: { args: { text: string; format: DirectoryFormat }; result: DirectoryDraft };
  console_publish: { args: { kind: DocumentKind }; result: Published };
  console_history: { args: { kind: DocumentKind }; result: PublishedVersion[] };
  console_reopen: { args: { kind: DocumentKind; version: number }; result: null };
  console_invites: { args: Record<string, never>; result: InviteRow[] };
  console_issue_invite: { args: { uses: number; days: number }; result: IssuedInvite };
  console_revoke_invite: { args: { inviteId: string }; result: InviteRow[] };
  console_figures: { args: { utcOffsetMinutes: number }; result: FiguresView };
  vault_unlock_biometric: { args: Record<string, never>; result: VaultStatus };
  autostart_get: { args: Record<string, never>; result: boolean };
  autostart_set: { args: { on: boolean }; result: boolean };
};
