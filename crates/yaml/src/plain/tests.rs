use serde_json::{Value, json};

use crate::{Limits, parse_value, plain_is_string, plain_is_string_in_any_schema};

fn v(text: &str) -> Value {
    parse_value(text, Limits::default()).unwrap()
}

#[test]
fn types_scalars_like_kubernetes() {
    assert_eq!(
        v(
            "a: yes\nb: 'yes'\nc: 0644\nd: \"0644\"\ne: 1_000\nf: 08\ng: ~\nh:\ni: 0x1F\nj: 1e3\nk: 00000000075e1546123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890\nl: on\nm: -12\nd8: 2001-12-14\n"
        ),
        json!({"a": true, "b": "yes", "c": 420, "d": "0644", "e": 1000, "f": 8.0, "g": null, "h": null,
               "i": 31, "j": 1000.0,
               "k": "00000000075e1546123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
               "l": true, "m": -12, "d8": "2001-12-14"})
    );
}

/// The broad check (for scans that cannot know which reader comes later) never calls a string
/// what go-yaml's typing does not, and refuses the cases where YAML versions or letter case
/// could make a reader differ.
#[test]
fn strings_in_any_schema_are_strings_to_go_yaml() {
    // (plain scalar, a string to go-yaml v2, a string in any schema)
    let cases = [
        ("Pod", true, true),
        ("apps/v1", true, true),
        ("yes", false, false),
        ("Yes", false, false),
        ("yES", true, false),
        ("on", false, false),
        ("OFF", false, false),
        ("y", false, false),
        ("N", false, false),
        ("true", false, false),
        ("tRUE", true, false),
        ("null", false, false),
        ("nULL", true, false),
        ("~", false, false),
        ("", false, false),
        ("0x1F", false, false),
        ("0644", false, false),
        ("08", false, false),
        ("1e3", false, false),
        ("1_000", false, false),
        ("+1", false, false),
        ("-12", false, false),
        (".5", false, false),
        (".inf", true, false),
        ("-.inf", true, false),
        (".nan", true, false),
        ("-x", true, false),
        ("1abc", true, false),
        ("2001-12-14", true, false),
        ("1:20", true, false),
        ("~x", true, false),
        ("yesno", true, true),
        ("falsey", true, true),
        ("nulls", true, true),
    ];
    for (text, go_yaml, any) in cases {
        assert_eq!(plain_is_string(text), go_yaml, "{text:?} to go-yaml");
        assert_eq!(
            plain_is_string_in_any_schema(text.as_bytes()),
            any,
            "{text:?} in any schema"
        );
    }
    // Bytes that are not UTF-8 spell no YAML word.
    assert!(plain_is_string_in_any_schema(b"n\xff"));
}

proptest::proptest! {
    #[test]
    fn any_schema_is_narrower_than_go_yaml(text in "[-+.~_0-9a-zA-Z:xXeEoObB]{0,7}") {
        if plain_is_string_in_any_schema(text.as_bytes()) {
            proptest::prop_assert!(plain_is_string(&text), "{:?}", text);
        }
    }
}
