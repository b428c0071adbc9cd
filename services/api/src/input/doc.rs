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

/// An RFC 3339 time.
pub fn time() -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .build(),
    )
}

/// `name[key]=value` parameters (OpenAPI's deepObject style): a map of text.
pub fn deep_object(name: &str, description: &str) -> Parameter {
    let mut param = param(
        name,
        ParameterIn::Query,
        Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(text(255)))
                .build(),
        ),
        description,
    );
    param.style = Some(utoipa::openapi::path::ParameterStyle::DeepObject);
    param.explode = Some(true);
    param
}

/// `start`/`end` and the spec's `start_time`/`end_time` for the same.
pub fn time_range() -> Vec<Parameter> {
    let q = || ParameterIn::Query;
    vec![
        param("start", q(), time(), "at or after (RFC 3339)"),
        param("start_time", q(), time(), "the spec's name for start"),
        param("end", q(), time(), "at or before (RFC 3339)"),
        param("end_time", q(), time(), "the spec's name for end"),
    ]
}

/// Path segment `name` (required).
pub fn segment(name: &str, schema: Schema) -> Vec<Parameter> {
    vec![param(name, ParameterIn::Path, schema, "a path segment")]
}
