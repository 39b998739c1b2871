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

/// What a scope lets an app do, in words for the person asked to grant it (the consent page);
/// `None` for a scope callhost has no words for, which is then shown by its name only.
pub fn describe(scope: &str) -> Option<String> {
    let fixed = match scope {
        "oauth" => Some("Know which portal it is connected to and who connected it"),
        "contacts" => Some("Read and change contacts, companies and deals, and read owners"),
        "tickets" => Some("Read and change tickets"),
        "crm.objects.owners.read" => Some("Read the portal's users and owners"),
        "developers-read" => Some("Read its own calling settings"),
        "developers-write" => Some("Change its own calling settings"),
        _ => None,
    };
    if let Some(words) = fixed {
        return Some(words.to_owned());
    }
    let parts: Vec<&str> = scope.split('.').collect();
    let things = |name: &str| match name {
        "custom" => "custom objects".to_owned(),
        other => other.replace('_', " "),
    };
    match parts.as_slice() {
        ["crm", "objects", name, "read"] => Some(format!("Read your {}", things(name))),
        ["crm", "objects", name, "write"] => {
            Some(format!("Create, change and delete your {}", things(name)))
        }
        ["crm", "objects", name, "sensitive" | "highly_sensitive", "read" | "write", ..] => {
            let access = if parts[4] == "read" { "Read" } else { "Change" };
            Some(format!("{access} sensitive data of your {}", things(name)))
        }
        ["crm", "schemas", name, "read"] => {
            Some(format!("Read the properties of your {}", things(name)))
        }
        ["crm", "schemas", name, "write"] => {
            Some(format!("Change the properties of your {}", things(name)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_described_in_words_or_not_at_all() {
        assert_eq!(
            describe("crm.objects.contacts.read").as_deref(),
            Some("Read your contacts")
        );
        assert_eq!(
            describe("crm.objects.custom.write").as_deref(),
            Some("Create, change and delete your custom objects")
        );
        assert_eq!(
            describe("crm.schemas.deals.write").as_deref(),
            Some("Change the properties of your deals")
        );
        assert_eq!(
            describe("crm.objects.contacts.highly_sensitive.write.v2").as_deref(),
            Some("Change sensitive data of your contacts")
        );
        assert_eq!(
            describe("tickets").as_deref(),
            Some("Read and change tickets")
        );
        assert_eq!(describe("automation"), None);
        assert_eq!(describe("crm.objects"), None);
    }

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
