//! Searches over CRM objects: the typed form of HubSpot's search request and its translation
//! to one SQL `where` clause shared by both backends.
//!
//! The caller (the API) has already checked property names, operators and limits; this
//! module only builds SQL, binding every value (nothing from a request is spliced into SQL).
//! Text comparisons ignore case, as HubSpot's do; numeric comparisons (numbers, and datetimes
//! as epoch milliseconds) use the stored `num_value`.
//!
//! Filters are subqueries on `crm_property_value`: `o.id in (...)` for a filter that needs a
//! matching value, so that the planner may start from the `(name, lower(value))` prefix index
//! (see [`INDEXED_PREFIX`]), and
//! `not exists (...)` for a negated one. (PostgreSQL cannot turn `not in` into an anti-join,
//! because of how `not in` treats nulls; it hashes the subquery's rows instead, and falls
//! back to rescanning them for every object when they do not fit in `work_mem`.) How fast
//! either runs on PostgreSQL depends on the tables' statistics: see `crate::statistics`.

use super::token;
use super::CrmObject;
use crate::sql::Query;
use crate::Backend;

/// A value a filter compares with: text, or a number (for number and datetime properties).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Text(String),
    Number(f64),
}

/// A filter's operator with its operands.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterOp {
    Eq(Operand),
    Neq(Operand),
    Lt(Operand),
    Lte(Operand),
    Gt(Operand),
    Gte(Operand),
    Between(Operand, Operand),
    In(Vec<Operand>),
    NotIn(Vec<Operand>),
    HasProperty,
    NotHasProperty,
    /// A whole word of the value, ignoring case; `*` is a wildcard (see `token`).
    ContainsToken(String),
    NotContainsToken(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub property: String,
    pub op: FilterOp,
}

/// Filters that must all hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterGroup {
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub property: String,
    pub descending: bool,
    /// Sort by the numeric value (numbers, datetimes) rather than the text.
    pub numeric: bool,
}

/// A search: any group may match (OR); `query` is free text looked for in `query_properties`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Search {
    pub groups: Vec<FilterGroup>,
    pub query: Option<String>,
    pub query_properties: Vec<String>,
    pub sorts: Vec<Sort>,
    pub offset: u64,
    pub limit: u32,
}

/// One page of matches and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub total: u64,
    pub objects: Vec<CrmObject>,
}

/// SQL under construction: text with `$n` placeholders and their values.
pub(crate) type Sql = Query<'static>;

/// How many leading characters of a value the value indexes hold (migration 0008): an index
/// entry has to fit in a third of a PostgreSQL page, and a value may be 65,536 characters.
/// Equality is tested on this prefix first, written exactly as the index's expression so
/// that both databases use the index, and then on the whole value.
pub(crate) const INDEXED_PREFIX: usize = 256;

/// `substr(<expr>, 1, INDEXED_PREFIX)`, as the value indexes spell it.
pub(crate) fn prefix(expr: &str) -> String {
    format!("substr({expr}, 1, {INDEXED_PREFIX})")
}

/// Appends `operand`: text compared lowercased, numbers as they are.
fn push_operand(sql: &mut Sql, operand: &Operand) {
    match operand {
        Operand::Text(s) => {
            sql.push("lower(");
            sql.push_bind(s.clone());
            sql.push(")");
        }
        Operand::Number(n) => {
            sql.push_bind(*n);
        }
    }
}

/// `from crm_object o where ...` for the search, with the portal, type and archived flag first.
pub(crate) fn from_where(
    backend: Backend,
    portal_id: i64,
    object_type_id: &str,
    search: &Search,
) -> Sql {
    let mut sql = Sql::default();
    sql.push(" from crm_object o where o.portal_id = ");
    sql.push_bind(portal_id);
    sql.push(" and o.object_type_id = ");
    sql.push_bind(object_type_id.to_owned());
    sql.push(" and o.archived = false");
    if !search.groups.is_empty() {
        sql.push(" and (");
        for (i, group) in search.groups.iter().enumerate() {
            if i > 0 {
                sql.push(" or ");
            }
            sql.push("(true");
            for filter in &group.filters {
                sql.push(" and ");
                push_filter(&mut sql, backend, filter);
            }
            sql.push(")");
        }
        sql.push(")");
    }
    if let Some(query) = search.query.as_deref().filter(|q| !q.trim().is_empty()) {
        sql.push(" and o.id in (select v.object_id from crm_property_value v where v.name in (");
        for (i, name) in search.query_properties.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push_bind(name.clone());
        }
        if search.query_properties.is_empty() {
            sql.push("''");
        }
        sql.push(") and lower(v.value) like ");
        sql.push_bind(format!("%{}%", like_escape(&query.trim().to_lowercase())));
        sql.push(" escape '\\')");
    }
    sql
}

/// `order by ...` for the search's sorts, ending with the id so that pages are stable.
pub(crate) fn order_by(sql: &mut Sql, sorts: &[Sort]) {
    sql.push(" order by ");
    for sort in sorts {
        let column = if sort.numeric {
            "num_value"
        } else {
            "lower(value)"
        };
        sql.push(&format!(
            "(select {column} from crm_property_value s where s.object_id = o.id and s.name = "
        ));
        sql.push_bind(sort.property.clone());
        sql.push(if sort.descending {
            ") desc nulls last, "
        } else {
            ") asc nulls last, "
        });
    }
    sql.push("o.id asc");
}

/// A piece of SQL that appends itself (with its binds) to a query.
type Condition = Box<dyn Fn(&mut Sql)>;

fn push_filter(sql: &mut Sql, backend: Backend, filter: &Filter) {
    let (negated, condition): (bool, Option<Condition>) = match &filter.op {
        FilterOp::HasProperty => (false, None),
        FilterOp::NotHasProperty => (true, None),
        FilterOp::Eq(v) => (false, Some(compare("=", v.clone()))),
        FilterOp::Neq(v) => (true, Some(compare("=", v.clone()))),
        FilterOp::Lt(v) => (false, Some(compare("<", v.clone()))),
        FilterOp::Lte(v) => (false, Some(compare("<=", v.clone()))),
        FilterOp::Gt(v) => (false, Some(compare(">", v.clone()))),
        FilterOp::Gte(v) => (false, Some(compare(">=", v.clone()))),
        FilterOp::Between(low, high) => {
            let (low, high) = (compare(">=", low.clone()), compare("<=", high.clone()));
            (
                false,
                Some(Box::new(move |sql: &mut Sql| {
                    low(sql);
                    sql.push(" and ");
                    high(sql);
                })),
            )
        }
        FilterOp::In(values) => (false, Some(one_of(values.clone()))),
        FilterOp::NotIn(values) => (true, Some(one_of(values.clone()))),
        FilterOp::ContainsToken(token) => (false, Some(token_match(backend, token))),
        FilterOp::NotContainsToken(token) => (true, Some(token_match(backend, token))),
    };
    sql.push(if negated {
        "not exists (select 1 from crm_property_value v where v.object_id = o.id and v.name = "
    } else {
        "o.id in (select v.object_id from crm_property_value v where v.name = "
    });
    sql.push_bind(filter.property.clone());
    if let Some(condition) = condition {
        sql.push(" and ");
        condition(sql);
    }
    sql.push(")");
}

fn column(operand: &Operand) -> &'static str {
    match operand {
        Operand::Text(_) => "lower(v.value)",
        Operand::Number(_) => "v.num_value",
    }
}

fn compare(op: &'static str, operand: Operand) -> Condition {
    if op == "=" {
        return one_of(vec![operand]);
    }
    Box::new(move |sql: &mut Sql| {
        sql.push(&format!("{} {op} ", column(&operand)));
        push_operand(sql, &operand);
    })
}

/// The value equals one of `values`: numbers by `num_value`, text ignoring case, by the
/// indexed prefix first and then whole (see [`INDEXED_PREFIX`]).
fn one_of(values: Vec<Operand>) -> Condition {
    Box::new(move |sql: &mut Sql| {
        let (mut texts, mut numbers) = (Vec::new(), Vec::new());
        for value in &values {
            match value {
                Operand::Text(s) => texts.push(s.clone()),
                Operand::Number(n) => numbers.push(*n),
            }
        }
        // No `false or` around a lone test: SQLite then no longer uses the index.
        let both = !texts.is_empty() && !numbers.is_empty();
        if texts.is_empty() && numbers.is_empty() {
            sql.push("false");
        }
        if both {
            sql.push("(");
        }
        if !texts.is_empty() {
            sql.push(&format!("({} in (", prefix("lower(v.value)")));
            let mut placeholders = Vec::new();
            for (i, text) in texts.into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("substr(lower(");
                placeholders.push(sql.push_bind(text));
                sql.push(&format!("), 1, {INDEXED_PREFIX})"));
            }
            sql.push(") and lower(v.value) in (");
            for (i, n) in placeholders.into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("lower(");
                sql.push_again(n);
                sql.push(")");
            }
            sql.push("))");
        }
        if both {
            sql.push(" or ");
        }
        if !numbers.is_empty() {
            sql.push("v.num_value in (");
            sql.push_binds(numbers);
            sql.push(")");
        }
        if both {
            sql.push(")");
        }
    })
}

/// The value holds `token` as a whole word (see [`token`] for what that means per backend).
fn token_match(backend: Backend, token: &str) -> Condition {
    let (test, pattern) = match backend {
        Backend::Postgres => ("lower(v.value) ~ ", token::regex(token)),
        Backend::Sqlite => ("(' ' || lower(v.value) || ' ') glob ", token::glob(token)),
    };
    Box::new(move |sql: &mut Sql| {
        sql.push(test);
        sql.push_bind(pattern.clone());
    })
}

/// Escapes LIKE's wildcards so that they match themselves.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_ored_and_filters_anded_with_every_value_bound() {
        let search = Search {
            groups: vec![
                FilterGroup {
                    filters: vec![
                        Filter {
                            property: "a".into(),
                            op: FilterOp::Eq(Operand::Text("x'; drop".into())),
                        },
                        Filter {
                            property: "n".into(),
                            op: FilterOp::Between(Operand::Number(1.0), Operand::Number(2.0)),
                        },
                    ],
                },
                FilterGroup {
                    filters: vec![Filter {
                        property: "b".into(),
                        op: FilterOp::NotHasProperty,
                    }],
                },
            ],
            ..Default::default()
        };
        let sql = from_where(Backend::Sqlite, 1, "0-1", &search);
        assert!(!sql.text.contains("drop"), "{}", sql.text);
        assert_eq!(sql.binds.len(), 8, "{:?}", sql.binds);
        assert!(
            sql.text.contains("v.name = $3 and (substr(lower(v.value), 1, 256) in (substr(lower($4), 1, 256)) and lower(v.value) in (lower($4))))"),
            "{}",
            sql.text
        );
        assert!(
            sql.text.contains(") or (true and not exists (select 1 from crm_property_value v where v.object_id = o.id and v.name = $8))"),
            "{}",
            sql.text
        );
        assert!(
            sql.text.contains("v.num_value >= $6 and v.num_value <= $7"),
            "{}",
            sql.text
        );
    }
}
