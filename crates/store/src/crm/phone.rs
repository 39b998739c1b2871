//! Phone numbers in their normalized E.164 form, for the caller-ID index.
//!
//! Parsing and validation are libphonenumber's (through the `phonenumber` crate); nothing here
//! takes numbers apart by hand. A stored number written without a country code is read in
//! [`INDEX_REGION`], since portals have no region setting yet.

use callhost_protocol::object_type;
use phonenumber::country::Id;
use phonenumber::Mode;

/// The properties whose values are indexed for caller ID, on contacts (0-1) and companies (0-2).
pub const PHONE_PROPERTIES: &[&str] = &["phone", "mobilephone", "hs_whatsapp_phone_number"];

/// The object types whose phone properties are indexed.
pub const PHONE_OBJECT_TYPES: &[&str] = &[object_type::CONTACT, object_type::COMPANY];

/// The region a stored number without a country code is taken to be in.
pub const INDEX_REGION: &str = "US";

/// A region code (`US`, `GB`, ...) as libphonenumber knows it; `None` for an unknown code.
pub fn region(code: &str) -> Option<Id> {
    code.to_ascii_uppercase().parse().ok()
}

/// The E.164 form of `raw` (`+16175550123`), reading a number without a country code in
/// `default_region`. International prefixes such as `00` or `011` are understood in that
/// region. `None` when `raw` is not a valid number.
pub fn normalize(raw: &str, default_region: Option<&str>) -> Option<String> {
    let region = default_region.and_then(region);
    let number = phonenumber::parse(region, raw.trim()).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(Mode::E164).to_string())
}

/// True when `property` of an object of `object_type_id` is indexed for caller ID.
pub fn is_indexed(object_type_id: &str, property: &str) -> bool {
    PHONE_OBJECT_TYPES.contains(&object_type_id) && PHONE_PROPERTIES.contains(&property)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn every_written_form_of_a_number_has_one_e164_form() {
        let us = Some("US");
        for raw in [
            "+1 (617) 555-0123",
            "617.555.0123",
            "(617) 555-0123",
            "+16175550123",
        ] {
            assert_eq!(normalize(raw, us).as_deref(), Some("+16175550123"), "{raw}");
        }
        assert_eq!(
            normalize("0044 20 7323 8299", Some("GB")).as_deref(),
            Some("+442073238299")
        );
        assert_eq!(
            normalize("+44 20 7323 8299", us).as_deref(),
            Some("+442073238299")
        );
        assert_eq!(
            normalize("020 7323 8299", Some("GB")).as_deref(),
            Some("+442073238299")
        );
        assert_eq!(
            normalize("617.555.0123", None),
            None,
            "no region, no country code"
        );
        assert_eq!(normalize("not a number", us), None);
        assert_eq!(normalize("", us), None);
    }
}
