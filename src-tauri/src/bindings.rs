//! The TypeScript types the UI sees, generated from the Rust types that cross IPC.
//! `ui/src/bindings.ts` is checked in; this test fails when it is stale and rewrites it
//! when run with `PEERLINE_WRITE_BINDINGS=1`.

use peerline_core::backup::{BackupReport, RestoreMode};
use peerline_core::checkins::{CheckIn, QuickCheckIn, Tag};
use peerline_core::coordinator::documents::{
    DirectoryDraft, DirectoryFormat, DocumentKind, Problem, Published, PublishedVersion,
    RosterDraft,
};
use peerline_core::coordinator::figures::{CoverageHeld, FiguresView, PeriodView, Summary};
use peerline_core::coordinator::{ConsoleTeam, InviteRow, InviteState, IssuedInvite, NewTeam};
use peerline_core::directory::{
    Action, ActionKind, AgencyInfo, EntryCard, Hit, Kind, Origin, Query, Refusal,
};
use peerline_core::engine::{ConversationEvent, DutyStatus, EVENT_NAMES, PeerEvent};
use peerline_core::export::{ExportFormat, ExportOptions};
use peerline_core::followup::{FollowUpView, Step, StepState, StepView};
use peerline_core::reminders::ReminderTime;
use peerline_core::safety_plan::{ContactCard, PlanContact, PlanView, SafetyPlan};
use peerline_core::screeners::{Choice, Form, Instrument, Item, SavedScore, Score};
use peerline_core::session::{LockReason, VaultStatus};
use peerline_core::settings::Role;
use peerline_core::sync::devices::SyncDevice;
use peerline_core::sync::link::{LinkState, LinkView};
use peerline_core::sync::round::{SyncReport, SyncStatus};
use peerline_core::talk::choose::{Fallback, NoMatch, PeerChoice, Preferences};
use peerline_core::talk::conversation::{
    ConversationView, HandOffAsk, LineKind, MessageState, MessageView,
};
use peerline_core::talk::officer::{AskOutcome, NewRequest, RequestView, Stage};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::peer::{InboxItem, PeerPublicKeys};
use peerline_core::talk::scheduled::ScheduledAsk;
use peerline_core::talk::team::{PeerCard, TeamInfo};
use peerline_core::trends::{Bucket, ScreenerSeries, Trends};
use peerline_core::vault::meta::Custody;
use peerline_protocol::ErrorBody;
use peerline_protocol::documents::{
    Directory, DirectoryEntry, EntryKind, Gender, RankGroup, Roster, RosterPeer, ServiceYears,
};
use peerline_protocol::relay::{TeamStatus, Urgency};
use ts_rs::{Config, TS};

/// Every type declared in `bindings.ts`: `(name, declaration)`.
fn declarations() -> Vec<(String, String)> {
    // JSON numbers: every u64 we send (seconds, counts) is far below 2^53.
    let cfg = Config::new().with_large_int("number");
    macro_rules! decls {
        ($($ty:ty),* $(,)?) => {
            vec![$((<$ty>::ident(&cfg), <$ty>::decl(&cfg))),*]
        };
    }
    decls![
        ErrorBody,
        Step,
        StepState,
        StepView,
        FollowUpView,
        ScheduledAsk,
        ConsoleTeam,
        NewTeam,
        TeamStatus,
        InviteState,
        InviteRow,
        IssuedInvite,
        Roster,
        RosterPeer,
        Directory,
        DirectoryEntry,
        EntryKind,
        Problem,
        RosterDraft,
        DirectoryDraft,
        DirectoryFormat,
        DocumentKind,
        Published,
        PublishedVersion,
        Summary,
        PeriodView,
        CoverageHeld,
        FiguresView,
        VaultStatus,
        LockReason,
        Custody,
        Tag,
        QuickCheckIn,
        CheckIn,
        TeamInfo,
        PeerCard,
        Contact,
        Gender,
        RankGroup,
        ServiceYears,
        Preferences,
        Fallback,
        PeerChoice,
        NoMatch,
        NewRequest,
        Stage,
        RequestView,
        AskOutcome,
        MessageState,
        LineKind,
        MessageView,
        HandOffAsk,
        ConversationView,
        ConversationEvent,
        PeerPublicKeys,
        InboxItem,
        Instrument,
        Choice,
        Item,
        Form,
        Score,
        SavedScore,
        Bucket,
        ScreenerSeries,
        Trends,
        ReminderTime,
        PlanContact,
        SafetyPlan,
        ContactCard,
        PlanView,
        ExportFormat,
        ExportOptions,
        RestoreMode,
        BackupReport,
        Kind,
        Origin,
        ActionKind,
        Action,
        EntryCard,
        Hit,
        Query,
        Refusal,
        AgencyInfo,
        Role,
        Urgency,
        PeerEvent,
        DutyStatus,
        SyncStatus,
        SyncReport,
        LinkState,
        LinkView,
        SyncDevice,
    ]
}

/// The names of the declared types, for the command signatures to refer to.
pub(crate) fn declared_names() -> Vec<String> {
    declarations().into_iter().map(|(name, _)| name).collect()
}

fn render() -> String {
    let decls = declarations();
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit by hand:\n\
         // run `PEERLINE_WRITE_BINDINGS=1 cargo test -p peerline-app bindings` instead.\n\n",
    );
    for (_, d) in &decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.push_str(&render_events());
    out.push_str(&render_commands(&decls));
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The events the core emits: each name with its payload's type.
fn render_events() -> String {
    let mut out = String::from(
        "/** Every event the UI hears, by name, with its payload: the engine's, then the shell's. */\nexport type CoreEvents = {\n",
    );
    for (name, payload) in EVENT_NAMES.iter().chain(crate::notify::SHELL_EVENTS) {
        out.push_str(&format!("  '{name}': {payload};\n"));
    }
    out.push_str("};\n\n");
    out
}

/// The IPC commands the shell handles, by name.
fn render_commands(decls: &[(String, String)]) -> String {
    let mut out =
        String::from("/** Every IPC command the shell handles. */\nexport const COMMANDS = [\n");
    for name in crate::COMMAND_NAMES {
        out.push_str(&format!("  '{name}',\n"));
    }
    out.push_str("] as const;\n\nexport type Command = (typeof COMMANDS)[number];\n\n");
    let known: Vec<String> = decls.iter().map(|(name, _)| name.clone()).collect();
    let signatures = match crate::signatures::read(&known) {
        Ok(s) => s,
        Err(e) => panic!("the command signatures cannot be rendered: {e}"),
    };
    out.push_str(
        "/** Each command's arguments (camelCase, as Tauri maps them) and successful result. */\n\
         export type Commands = {\n",
    );
    for name in crate::COMMAND_NAMES {
        let Some(sig) = signatures.get(*name) else {
            panic!("no command function named `{name}`");
        };
        let args: Vec<String> = sig.args.iter().map(|(a, t)| format!("{a}: {t}")).collect();
        let args = if args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            format!("{{ {} }}", args.join("; "))
        };
        out.push_str(&format!(
            "  {name}: {{ args: {args}; result: {} }};\n",
            sig.result
        ));
    }
    out.push_str("};\n");
    out
}

#[test]
fn bindings_are_fresh() {
    crate::generated::check_fresh("../ui/src/bindings.ts", &render());
}
