//! The demo app's recordings: a few seconds of tones made from the call's external id, as a
//! WAV file (16-bit mono PCM). Invariant: the same external id always gives the same bytes,
//! so a test (or a user replaying a call) hears what it heard before.

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// What a recording sounds like: [`NOTES`] tones of [`NOTE_MS`] each, 16-bit mono PCM.
const SAMPLE_RATE: u32 = 8_000;
const NOTES: usize = 8;
const NOTE_MS: u32 = 500;
/// A pentatonic scale (Hz): any sequence of it sounds like a jingle, not an alarm.
const SCALE: [f64; 8] = [392.0, 440.0, 523.25, 587.33, 659.25, 783.99, 880.0, 1046.5];
const WAV_HEADER_LEN: usize = 44;

/// The recording of `external_id`: `NOTES` tones chosen by the id's SHA-256, so the same
/// call always sounds the same and two calls (almost always) differ.
pub fn recording(external_id: &str) -> Bytes {
    let digest = Sha256::digest(external_id.as_bytes());
    let per_note = (SAMPLE_RATE * NOTE_MS / 1000) as usize;
    let samples = per_note * NOTES;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(WAV_HEADER_LEN + data_len);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((36 + data_len) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    let fade = per_note / 20;
    for note in 0..NOTES {
        let freq = SCALE[usize::from(digest[note]) % SCALE.len()];
        for i in 0..per_note {
            // A short fade in and out of each note: no clicks between them.
            let envelope = (i.min(per_note - 1 - i) as f64 / fade as f64).min(1.0);
            let t = i as f64 / f64::from(SAMPLE_RATE);
            let value = 6000.0 * envelope * (2.0 * std::f64::consts::PI * freq * t).sin();
            out.extend_from_slice(&(value.round() as i16).to_le_bytes());
        }
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recording_is_a_deterministic_wav_per_call() {
        let a = recording("demo-1");
        assert_eq!(a, recording("demo-1"));
        assert_ne!(a, recording("demo-2"));
        assert_eq!(&a[..4], b"RIFF");
        assert_eq!(&a[8..16], b"WAVEfmt ");
        let data_len = u32::from_le_bytes(a[40..44].try_into().unwrap()) as usize;
        assert_eq!(a.len(), WAV_HEADER_LEN + data_len);
        assert_eq!(
            data_len,
            2 * 4 * SAMPLE_RATE as usize,
            "four seconds of 16-bit mono"
        );
    }
}
