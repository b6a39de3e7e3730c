//! Rosters and agency directories as the relay hands them over: any blob, checked against
//! a fixed team key. Also the signed document bodies themselves, as a coordinator's file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerline_core::directory::{actions_for, allowed_uri, verify_directory};
use peerline_core::talk::team::verify_roster;
use peerline_protocol::documents::{Directory, Roster};
use peerline_protocol::relay::SignedBlob;

const TEAM: &str = "0123456789abcdef0123456789abcdef";
const KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    if let Ok(blob) = serde_json::from_slice::<SignedBlob>(data) {
        assert!(verify_roster(TEAM, &KEY, &blob, None).is_err(), "forged roster accepted");
        assert!(
            verify_directory(TEAM, &KEY, &blob, Some((1, b"held"))).is_err(),
            "forged directory accepted"
        );
    }
    if let Ok(dir) = serde_json::from_slice::<Directory>(data) {
        let _ = dir.validate();
        for e in &dir.entries {
            for a in actions_for(e) {
                if let Some(uri) = a.uri {
                    // Every link the app builds passes its own allow-list.
                    assert!(allowed_uri(&uri).is_ok(), "built link refused: {uri}");
                }
            }
        }
    }
    if let Ok(roster) = serde_json::from_slice::<Roster>(data) {
        let _ = roster.validate();
    }
    let _ = allowed_uri(&String::from_utf8_lossy(data));
});
