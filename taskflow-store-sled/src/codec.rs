//! Encoding of stored values.
//!
//! Records are `[version byte] ++ JSON`. JSON is self-describing, so the tagged event enum and
//! the patches' "absent vs null" fields survive, and a record can be read by hand when
//! something goes wrong. The version byte lets a later format coexist with this one: an unknown
//! version is a clear error, never garbage. Counters are fixed-width big-endian integers.

use serde::Serialize;
use serde::de::DeserializeOwned;
use taskflow_core::store::{OrgUsage, ProjectUsage};

use crate::error::SledError;

/// The record encoding this build writes and reads.
pub(crate) const RECORD_VERSION: u8 = 1;

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.push(RECORD_VERSION);
    // Serializing our own types into a Vec cannot fail: no maps with non-string keys, no I/O.
    serde_json::to_writer(&mut out, value).expect("record types serialize to JSON");
    out
}

pub(crate) fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, SledError> {
    match bytes.split_first() {
        Some((&RECORD_VERSION, json)) => serde_json::from_slice(json).map_err(|e| SledError::corrupt(key, e)),
        Some((version, _)) => Err(SledError::corrupt(key, format!("unknown record version {version}"))),
        None => Err(SledError::corrupt(key, "empty value")),
    }
}

pub(crate) fn encode_org_usage(u: &OrgUsage) -> [u8; 20] {
    let mut out = [0u8; 20];
    out[0..4].copy_from_slice(&u.members.to_be_bytes());
    out[4..8].copy_from_slice(&u.owners.to_be_bytes());
    out[8..12].copy_from_slice(&u.active_projects.to_be_bytes());
    out[12..20].copy_from_slice(&u.last_seq.to_be_bytes());
    out
}

pub(crate) fn decode_org_usage(key: &[u8], bytes: &[u8]) -> Result<OrgUsage, SledError> {
    let b: &[u8; 20] = bytes.try_into().map_err(|_| SledError::corrupt(key, "counters of the wrong size"))?;
    let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&b[12..20]);
    Ok(OrgUsage {
        members: u32_at(0),
        owners: u32_at(4),
        active_projects: u32_at(8),
        last_seq: u64::from_be_bytes(seq),
    })
}

pub(crate) fn encode_project_usage(u: &ProjectUsage) -> [u8; 8] {
    let mut out = [0u8; 8];
    out[0..4].copy_from_slice(&u.tasks.to_be_bytes());
    out[4..8].copy_from_slice(&u.active_tasks.to_be_bytes());
    out
}

pub(crate) fn decode_project_usage(key: &[u8], bytes: &[u8]) -> Result<ProjectUsage, SledError> {
    let b: &[u8; 8] = bytes.try_into().map_err(|_| SledError::corrupt(key, "counters of the wrong size"))?;
    Ok(ProjectUsage {
        tasks: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        active_tasks: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip() {
        let org = OrgUsage { members: 3, owners: 1, active_projects: 70_000, last_seq: u64::MAX - 1 };
        assert_eq!(decode_org_usage(b"k", &encode_org_usage(&org)).unwrap(), org);
        let project = ProjectUsage { tasks: 9, active_tasks: 4 };
        assert_eq!(decode_project_usage(b"k", &encode_project_usage(&project)).unwrap(), project);
        assert!(decode_project_usage(b"k", b"short").is_err());
    }

    #[test]
    fn unknown_versions_and_garbage_are_errors() {
        let mut bytes = encode(&vec![1, 2, 3]);
        assert_eq!(decode::<Vec<u8>>(b"k", &bytes).unwrap(), vec![1, 2, 3]);
        bytes[0] = 9;
        let err = decode::<Vec<u8>>(b"k", &bytes).unwrap_err();
        assert!(err.to_string().contains("unknown record version 9"), "{err}");
        assert!(decode::<Vec<u8>>(b"k", &[RECORD_VERSION, b'{']).is_err());
        assert!(decode::<Vec<u8>>(b"k", &[]).is_err());
    }
}
