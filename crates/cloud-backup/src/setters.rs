//! `option_setters!`: the builder-lite `with_*` setters of the crate's records and options,
//! written once.

/// Builder-lite setters of `Option` fields: each `name(field: ParamType)` becomes
/// `pub fn name(mut self, value: ParamType) -> Self` that sets `field` to
/// `Some(value.into())`, where `ParamType` is the field's type or `impl Into<FieldType>`.
/// Expands inside the type's `impl`.
macro_rules! option_setters {
    ($( $(#[$doc:meta])* $name:ident($field:ident: $($param:tt)+); )*) => {
        $(
            $(#[$doc])*
            #[must_use]
            // `.into()` is the identity where the parameter is the field's own type.
            #[allow(clippy::useless_conversion)]
            pub fn $name(mut self, value: $($param)+) -> Self {
                self.$field = Some(value.into());
                self
            }
        )*
    };
}

pub(crate) use option_setters;
