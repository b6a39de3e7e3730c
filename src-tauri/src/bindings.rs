//! The TypeScript types the UI sees, generated from the Rust types that cross IPC.
//! `ui/src/bindings.ts` is checked in; this test fails when it is stale and rewrites it
//! when run with `PEERLINE_WRITE_BINDINGS=1`.

use peerline_core::backup::{BackupReport, RestoreMode};
use peerline_core::checkins::{CheckIn, QuickCheckIn, Tag};
use peerline_core::directory::{
    Action, ActionKind, AgencyInfo, EntryCard, Hit, Kind, Origin, Query, Refusal,
};
use peerline_core::engine::{EVENT_NAMES, PeerEvent};
use peerline_core::export::{ExportFormat, ExportOptions};
use peerline_core::reminders::ReminderTime;
use peerline_core::screeners::{Choice, Form, Instrument, Item, SavedScore, Score};
use peerline_core::session::{LockReason, VaultStatus};
use peerline_core::settings::Role;
use peerline_core::talk::officer::{NewRequest, RequestView, Stage};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::peer::{InboxItem, PeerPublicKeys};
use peerline_core::talk::team::{PeerCard, TeamInfo};
use peerline_core::trends::{Bucket, ScreenerSeries, Trends};
use peerline_core::vault::meta::Custody;
use peerline_protocol::ErrorBody;
use peerline_protocol::relay::Urgency;
use ts_rs::{Config, TS};

fn render() -> String {
    // JSON numbers: every u64 we send (seconds, counts) is far below 2^53.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ErrorBody::decl(&cfg),
        VaultStatus::decl(&cfg),
        LockReason::decl(&cfg),
        Custody::decl(&cfg),
        Tag::decl(&cfg),
        QuickCheckIn::decl(&cfg),
        CheckIn::decl(&cfg),
        TeamInfo::decl(&cfg),
        PeerCard::decl(&cfg),
        Contact::decl(&cfg),
        NewRequest::decl(&cfg),
        Stage::decl(&cfg),
        RequestView::decl(&cfg),
        PeerPublicKeys::decl(&cfg),
        InboxItem::decl(&cfg),
        Instrument::decl(&cfg),
        Choice::decl(&cfg),
        Item::decl(&cfg),
        Form::decl(&cfg),
        Score::decl(&cfg),
        SavedScore::decl(&cfg),
        Bucket::decl(&cfg),
        ScreenerSeries::decl(&cfg),
        Trends::decl(&cfg),
        ReminderTime::decl(&cfg),
        ExportFormat::decl(&cfg),
        ExportOptions::decl(&cfg),
        RestoreMode::decl(&cfg),
        BackupReport::decl(&cfg),
        Kind::decl(&cfg),
        Origin::decl(&cfg),
        ActionKind::decl(&cfg),
        Action::decl(&cfg),
        EntryCard::decl(&cfg),
        Hit::decl(&cfg),
        Query::decl(&cfg),
        Refusal::decl(&cfg),
        AgencyInfo::decl(&cfg),
        Role::decl(&cfg),
        Urgency::decl(&cfg),
        PeerEvent::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:\n\
         // run `PEERLINE_WRITE_BINDINGS=1 cargo test -p peerline-app bindings` instead.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.push_str(&render_events());
    out.push_str(&render_commands());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The events the core emits: each name with its payload's type.
fn render_events() -> String {
    let mut out = String::from(
        "/** Every event the core emits, by name, with its payload. */\nexport type CoreEvents = {\n",
    );
    for (name, payload) in EVENT_NAMES {
        out.push_str(&format!("  '{name}': {payload};\n"));
    }
    out.push_str("};\n\n");
    out
}

/// The IPC commands the shell handles, by name.
fn render_commands() -> String {
    let mut out =
        String::from("/** Every IPC command the shell handles. */\nexport const COMMANDS = [\n");
    for name in crate::COMMAND_NAMES {
        out.push_str(&format!("  '{name}',\n"));
    }
    out.push_str("] as const;\n\nexport type Command = (typeof COMMANDS)[number];\n");
    out
}

#[test]
fn bindings_are_fresh() {
    crate::generated::check_fresh("../ui/src/bindings.ts", &render());
}
