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
    fn hash_is_stable_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
