//! Files sealed to a passphrase with age's scrypt recipient: the vault's backups and the
//! team key a coordinator hands to a second coordinator. One place sets how it is done.

use std::io::{Read as _, Write as _};
use std::iter;

use age::secrecy::SecretString;
use zeroize::Zeroizing;

/// Encrypts `plain` to `passphrase` with scrypt cost `work_factor` (log2 N).
pub(crate) fn seal(plain: &[u8], passphrase: &str, work_factor: u8) -> Result<Vec<u8>, String> {
    seal_as(plain, passphrase, work_factor, age::armor::Format::Binary)
}

/// As [`seal`], in age's ASCII armor: a short secret that may be pasted or printed.
pub(crate) fn seal_armored(
    plain: &[u8],
    passphrase: &str,
    work_factor: u8,
) -> Result<Vec<u8>, String> {
    seal_as(
        plain,
        passphrase,
        work_factor,
        age::armor::Format::AsciiArmor,
    )
}

fn seal_as(
    plain: &[u8],
    passphrase: &str,
    work_factor: u8,
    format: age::armor::Format,
) -> Result<Vec<u8>, String> {
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
    recipient.set_work_factor(work_factor);
    let encryptor = age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(plain.len() + 1024);
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, format).map_err(|e| e.to_string())?;
    let mut w = encryptor.wrap_output(armor).map_err(|e| e.to_string())?;
    w.write_all(plain).map_err(|e| e.to_string())?;
    w.finish()
        .and_then(|armor| armor.finish())
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// True for bytes that look like an age file, binary or armored.
pub(crate) fn is_sealed(bytes: &[u8]) -> bool {
    let start = bytes.trim_ascii_start();
    start.starts_with(b"age-encryption.org/")
        || start.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

/// Why a sealed file did not open.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// Not an age file sealed to a passphrase.
    NotSealed,
    /// age refused it (wrong passphrase, changed header, too much work, …).
    Age(age::DecryptError),
    /// The payload was cut short or changed.
    Damaged,
}

/// Decrypts a file sealed by [`seal`], refusing one that asks for more scrypt work than
/// `max_work_factor`: a file made elsewhere could otherwise keep the device busy for
/// minutes.
pub(crate) fn open(
    bytes: &[u8],
    passphrase: &str,
    max_work_factor: u8,
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    // Binary or armored: the armored reader passes binary input through.
    let decryptor =
        age::Decryptor::new_buffered(age::armor::ArmoredReader::new(bytes.trim_ascii_start()))
            .map_err(OpenError::Age)?;
    if !decryptor.is_scrypt() {
        return Err(OpenError::NotSealed);
    }
    let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
    identity.set_max_work_factor(max_work_factor);
    let mut reader = decryptor
        .decrypt(iter::once(&identity as &dyn age::Identity))
        .map_err(OpenError::Age)?;
    let mut plain = Zeroizing::new(Vec::new());
    // Any change to the payload fails its authentication while reading.
    reader
        .read_to_end(&mut plain)
        .map_err(|_| OpenError::Damaged)?;
    Ok(plain)
}
