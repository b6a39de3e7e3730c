//! Every wire message either side reads: request bodies the relay parses (the relay's
//! `parse::<T>` is `serde_json::from_slice` with these types), answers and events the app
//! reads, the signer header and base64. The first byte picks the type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerline_protocol::auth::Signer;
use peerline_protocol::b64;
use peerline_protocol::relay::*;

fn decode<T: serde::de::DeserializeOwned + serde::Serialize>(bytes: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(bytes) {
        // What decodes re-encodes.
        let _ = serde_json::to_vec(&v).expect("a decoded message encodes");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 16 {
        0 => decode::<CreateTeam>(rest),
        1 => decode::<IssueInvite>(rest),
        2 => decode::<RegisterDevice>(rest),
        3 => decode::<SignedBlob>(rest),
        4 => decode::<PostRequest>(rest),
        5 => decode::<IssueTokens>(rest),
        6 => decode::<ClaimRequest>(rest),
        7 => decode::<PostReply>(rest),
        8 => decode::<WidenRequest>(rest),
        9 => decode::<SetDuty>(rest),
        10 => decode::<Event>(rest),
        11 => decode::<RequestStatus>(rest),
        12 => decode::<Vec<OpenRequest>>(rest),
        13 => decode::<TokensIssued>(rest),
        14 => decode::<peerline_protocol::ErrorBody>(rest),
        _ => {
            let text = String::from_utf8_lossy(rest);
            let _ = Signer::parse(&text);
            let _ = b64::decode(&text);
            let _ = Urgency::parse(&text);
        }
    }
});
