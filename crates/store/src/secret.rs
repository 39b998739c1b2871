//! Secrets: how they are made and how they are kept.
//!
//! API keys and access tokens carry 256 bits of randomness, so a single SHA-256 is enough to
//! keep them safe at rest (a slow password hash buys nothing against a key nobody can guess,
//! and would cost every request). The store only ever sees the hex digest.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret, `prefix` followed by 64 hex digits.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// A new app client secret: 128 random bits in the shape HubSpot shows them
/// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase hex).
pub fn generate_client_secret() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The digest under which a secret is stored and looked up.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_unique_and_prefixed() {
        let (a, b) = (generate("k-"), generate("k-"));
        assert_ne!(a, b);
        assert!(a.starts_with("k-") && a.len() == 66);
    }

    #[test]
    fn client_secrets_look_like_hubspots() {
        let secret = generate_client_secret();
        let groups: Vec<usize> = secret.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_ne!(secret, generate_client_secret());
    }

    #[test]
    fn hash_is_stable_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
