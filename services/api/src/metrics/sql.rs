//! A statement built in pieces, with every value a numbered bind parameter.
//! Names from requests (dimension keys, metric names) are values too: they never
//! become SQL text, so a key like `x') OR 1=1 --` only ever filters on itself.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

/// SQL text plus its binds, in order.
pub struct Sql {
    query: Option<BoxedSqlQuery<'static, Pg, SqlQuery>>,
    binds: usize,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            query: Some(diesel::sql_query("").into_boxed().sql(text)),
            binds: 0,
        }
    }

    /// Appends SQL text written by us, never by a request.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.query = self.query.take().map(|q| q.sql(text));
        self
    }

    /// Appends the next `$n` and binds `value` to it.
    pub fn bind<ST, V>(&mut self, value: V) -> &mut Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'static,
        ST: Send + 'static,
    {
        self.binds += 1;
        let placeholder = format!("${}", self.binds);
        self.query = self
            .query
            .take()
            .map(|q| q.sql(placeholder).bind::<ST, V>(value));
        self
    }

    pub fn into_query(self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        self.query
            .unwrap_or_else(|| diesel::sql_query("").into_boxed())
    }
}
