//! One parser per format; each writes records into a `Builder`.

pub(crate) mod delimited;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod table;
pub(crate) mod text;
pub(crate) mod xml;
