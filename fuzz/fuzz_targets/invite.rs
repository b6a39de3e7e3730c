//! Invite links and QR payloads, as pasted or scanned: any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerline_protocol::invite::Invite;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(invite) = Invite::parse(&text) {
        // Whatever parses must survive its own round trip.
        let again = Invite::parse(&invite.to_link()).expect("a parsed invite re-parses");
        assert_eq!(again.team_id, invite.team_id);
        assert_eq!(again.team_public_key, invite.team_public_key);
        assert_eq!(again.code, invite.code);
    }
    // The relay address check that runs before any connection.
    let _ = peerline_client::check_relay_url(&text);
});
