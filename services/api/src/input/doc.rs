//! OpenAPI parameters for the input types whose parsing is written by hand
//! (paging, the cluster, the config scope): built here so each type documents
//! exactly what it reads, with its bounds.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{Required, Schema};

/// A parameter `name` in `place`.
pub fn param(name: &str, place: ParameterIn, schema: Schema, description: &str) -> Parameter {
    let required = if place == ParameterIn::Path {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A whole number in `min..=max`.
pub fn integer(min: i64, max: Option<i64>) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(min))
            .maximum(max)
            .build(),
    )
}

/// Text of at most `max` characters.
pub fn text(max: usize) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(max))
            .build(),
    )
}
