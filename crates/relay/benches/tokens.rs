//! Anonymous token figures (RFC 9474, RSA-2048, SHA-384 PSS randomized): issuance of a
//! batch of 20 on the relay, verification per post, and the app's blind/finalize cost.
//! Run: `cargo bench -p peerline-relay --bench tokens` (`PEERLINE_BENCH_SMOKE=1`: one round,
//! the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use blind_rsa_signatures::{DefaultRng, KeyPair, Options};
use peerline_testkit::bench::{median, ms, n};

fn main() {
    let opts = Options::default();
    let t = Instant::now();
    let kp = KeyPair::generate(&mut DefaultRng, 2048).unwrap();
    println!("token key generation (RSA-2048): {}", ms(t.elapsed()));

    let mut issue = Vec::new();
    let mut blind = Vec::new();
    let mut finalize = Vec::new();
    let mut tokens = Vec::new();
    for round in 0..n(10, 1) {
        let msgs: Vec<[u8; 32]> = (0..20u8)
            .map(|i| [i.wrapping_add(round as u8); 32])
            .collect();
        let t = Instant::now();
        let blinded: Vec<_> = msgs
            .iter()
            .map(|m| kp.pk.blind(&mut DefaultRng, m, &opts).unwrap())
            .collect();
        blind.push(t.elapsed());
        let t = Instant::now();
        let sigs: Vec<_> = blinded
            .iter()
            .map(|b| kp.sk.blind_sign(&b.blind_message).unwrap())
            .collect();
        issue.push(t.elapsed());
        let t = Instant::now();
        for ((m, b), s) in msgs.iter().zip(&blinded).zip(&sigs) {
            let sig = kp.pk.finalize(s, b, m, &opts).unwrap();
            tokens.push((*m, b.msg_randomizer, sig));
        }
        finalize.push(t.elapsed());
    }
    let issue_batch = median(&mut issue);
    println!(
        "relay: issue a batch of 20: {} ({:.0} tokens/s on one core)",
        ms(issue_batch),
        20.0 / issue_batch.as_secs_f64()
    );
    let mut verify = Vec::new();
    for (m, r, sig) in &tokens {
        let t = Instant::now();
        sig.verify(&kp.pk, *r, m, &opts).unwrap();
        verify.push(t.elapsed());
    }
    let v = median(&mut verify);
    println!(
        "relay: verify one token: {} ({:.0} verifications/s on one core) — the latency a token adds to a post",
        ms(v),
        1.0 / v.as_secs_f64()
    );
    println!(
        "app: blind 20 {}, finalize 20 {} (done ahead of need, not at the tap)",
        ms(median(&mut blind)),
        ms(median(&mut finalize))
    );
}
