//! OAuth scopes: what a scope name may look like, and which granted scope satisfies which
//! required one (docs/oauth.md#scopes).
//!
//! Every route that needs a scope asks [`require`] (through `crm::require` and the calling
//! routes), so the legacy scopes HubSpot still accepts are honoured in one place: `contacts`
//! grants what the granular contact, company, deal and owner scopes grant, and `oauth` is
//! granted to every OAuth token and required by nothing here.

use callhost_store::AccessGrant;

use crate::error::{ApiError, ApiResult};

/// Legacy scopes and the granular scopes each one stands for.
const LEGACY: &[(&str, &[&str])] = &[(
    "contacts",
    &[
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.objects.companies.read",
        "crm.objects.companies.write",
        "crm.objects.deals.read",
        "crm.objects.deals.write",
        "crm.objects.owners.read",
        "crm.schemas.contacts.read",
        "crm.schemas.contacts.write",
    ],
)];

/// True when the granted scopes include `required`, itself or through a legacy scope.
pub fn grants(granted: &[String], required: &str) -> bool {
    granted.iter().any(|scope| {
        scope == required
            || LEGACY
                .iter()
                .any(|(legacy, covers)| scope == legacy && covers.contains(&required))
    })
}

/// Ok when the grant has one of `any_of`; otherwise 403 `MISSING_SCOPES` naming them.
pub fn require(grant: &AccessGrant, any_of: &[&str]) -> ApiResult<()> {
    if any_of.iter().any(|scope| grants(&grant.scopes, scope)) {
        Ok(())
    } else {
        Err(ApiError::missing_scopes(any_of))
    }
}

/// A space-separated (or `+`- or comma-separated, as install URLs are written) list of scope
/// names, each checked, without duplicates, in the given order.
pub fn parse_list(raw: &str) -> Result<Vec<String>, String> {
    let mut scopes = Vec::new();
    for scope in raw
        .split(|c: char| c.is_whitespace() || c == '+' || c == ',')
        .filter(|s| !s.is_empty())
    {
        let valid = scope.len() <= 100
            && scope
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            return Err(format!(
                "{scope:?} is not a scope name (letters, digits, '.', '-' and '_')"
            ));
        }
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn legacy_contacts_grants_the_crm_scopes_it_stood_for_and_no_more() {
        let legacy = owned(&["contacts"]);
        assert!(grants(&legacy, "crm.objects.deals.write"));
        assert!(!grants(&legacy, "tickets"));
        assert!(!grants(&legacy, "crm.objects.custom.read"));
        let granular = owned(&["crm.objects.contacts.read"]);
        assert!(grants(&granular, "crm.objects.contacts.read"));
        assert!(!grants(&granular, "crm.objects.contacts.write"));
        assert!(!grants(&granular, "contacts"));
    }

    #[test]
    fn scope_lists_split_on_spaces_plus_and_commas() {
        assert_eq!(
            parse_list(" a.read+b.write,a.read  c ").unwrap(),
            owned(&["a.read", "b.write", "c"])
        );
        assert!(parse_list("bad<scope>").is_err());
        assert!(parse_list("").unwrap().is_empty());
    }
}
