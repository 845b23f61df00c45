//! Serde support for "leave / clear / set" fields of patches.
//!
//! A patch field is `Option<Option<T>>`: absent means leave it, `null` means clear it, a value
//! means set it. Plain serde folds `null` into "absent"; this module keeps the difference.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serializes `Some(None)` as `null` (absent fields are skipped with `skip_serializing_if`).
pub(crate) fn serialize<T: Serialize, S: Serializer>(
    value: &Option<Option<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serializer.serialize_none(),
    }
}

/// A present field, even `null`, becomes `Some(..)`; an absent one falls back to `default`.
pub(crate) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}
