//! Layers: a table as one place wrote it, every key optional.
//!
//! The file's top-level tables, each `[[feed]]` and the environment are
//! layers laid over each other (later wins, key by key) and then over the
//! table's `impl Default`, as oranda's `ApplyLayer` and mdBook's config do.
//! One macro writes each layer type, so a key exists in one list: its
//! struct, its merge and its name in [`KEYS`](FileLayer) all come from it.

/// Writes a layer type: the table's keys as `Option` fields (unknown keys
/// refused, so the TOML error names them with their line), `KEYS` (the
/// names as written in the file, for the catalogue test) and `apply`, which
/// lays a later layer over this one key by key.
macro_rules! layer {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Default, Clone, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct $name {
            $($(#[$fmeta])* pub(super) $field: Option<$ty>,)*
        }

        impl $name {
            /// The table's keys, as written in the file.
            #[cfg(test)]
            pub(super) const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Lays `over` on this layer: each key `over` sets replaces this one's.
            // The run's tables (`[cache]`, `[http]`, `[build]`) have one layer only.
            #[allow(dead_code)]
            pub(super) fn apply(&mut self, over: $name) {
                let $name { $($field),* } = over;
                $(if $field.is_some() {
                    self.$field = $field;
                })*
            }
        }
    };
}

pub(super) use layer;

/// Sets `field` to a layer's value, when the layer has one.
pub(super) fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}
