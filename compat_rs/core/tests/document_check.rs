//! `compat_core::check_document`: DESIGN §3 document rules, one failing case per rule, hostile inputs.

use compat_core::check_document;
use serde_json::{json, Map, Value};

/// The DESIGN §3 example document.
fn example() -> Value {
    json!({
      "id": "ticks_v1",
      "version": "1.0.0",
      "schema_version": "http://json-schema.org/draft-07/schema#",
      "title": "Level-1 Tick Data",
      "type": "object",
      "properties": {
        "ts": {"type": "string", "format": "date-time"},
        "symbol": {"type": "string"},
        "price": {"type": "number"},
        "size": {"type": "integer"},
        "side": {"type": "string", "enum": ["B", "S"]}
      },
      "required": ["ts", "symbol", "price", "size"],
      "additionalProperties": false,
      "arrow": {"fields": [
        {"name": "ts", "type": {"name": "timestamp", "unit": "us"}},
        {"name": "symbol", "type": {"name": "utf8"}},
        {"name": "price", "type": {"name": "float64"}},
        {"name": "size", "type": {"name": "int32"}},
        {"name": "side", "type": {"name": "utf8"}}
      ]}
    })
}

/// The example with `key` set to `value` at the top level.
fn with(key: &str, value: Value) -> Value {
    let mut doc = example();
    doc[key] = value;
    doc
}

/// A minimal schema document (no Arrow block) around `extra` top-level keywords.
fn schema(extra: Value) -> Value {
    let Value::Object(extra) = extra else {
        panic!("schema() takes an object")
    };
    let mut doc = json!({"id": "s1", "version": "1.0.0", "type": "object"});
    for (k, v) in extra {
        doc[k.as_str()] = v;
    }
    doc
}

/// Asserts exactly one problem, containing every one of `needles`; returns it.
fn one_problem(doc: &Value, needles: &[&str]) -> String {
    let problems = check_document(doc);
    assert_eq!(problems.len(), 1, "expected one problem, got {problems:#?}");
    for needle in needles {
        assert!(
            problems[0].contains(needle),
            "{:?} should mention {needle:?}",
            problems[0]
        );
    }
    problems[0].clone()
}

fn valid(doc: &Value) {
    let problems = check_document(doc);
    assert!(problems.is_empty(), "expected valid, got {problems:#?}");
}

/// Takes a value apart without recursion: `serde_json`'s own `Drop` recurses once per level.
fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// An object built by moving `entries` in: `json!` would copy each value through `to_value`,
/// which recurses once per level of a deep value.
fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

/// Runs `check_document` on a thread whose stack is far too small for per-level recursion.
fn check_on_small_stack(doc: &Value) -> Vec<String> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(s, || check_document(doc))
            .unwrap()
            .join()
            .unwrap()
    })
}

#[test]
fn design_example_is_valid() {
    valid(&example());
}

#[test]
fn design_example_is_valid_without_optional_metadata() {
    let mut doc = example();
    for key in ["id", "version", "schema_version", "arrow"] {
        doc.as_object_mut().unwrap().remove(key);
    }
    valid(&doc);
}

// --- the document is an object -------------------------------------------------------------

#[test]
fn top_level_non_objects_are_rejected() {
    for (doc, found) in [
        (json!([1, 2]), "found an array"),
        (json!("schema"), "found a string"),
        (Value::Null, "found null"),
        (json!(7), "found a number"),
        (json!(true), "found a boolean"),
    ] {
        one_problem(&doc, &["must be a JSON object", found]);
    }
}

// --- id --------------------------------------------------------------------------------------

#[test]
fn id_of_200_characters_is_rejected() {
    let p = one_problem(
        &with("id", json!("a".repeat(200))),
        &["id", "200 characters", "at most 128"],
    );
    assert!(p.len() < 400, "the id must be echoed cut, not whole: {p}");
}

#[test]
fn id_of_128_characters_is_accepted() {
    valid(&with("id", json!("a".repeat(128))));
}

#[test]
fn id_with_slash_dots_or_spaces_is_rejected() {
    one_problem(
        &with("id", json!("a/b")),
        &["id 'a/b'", "'/'", "position 2"],
    );
    one_problem(
        &with("id", json!("..")),
        &["id '..'", "must start with an ASCII letter or digit", "'.'"],
    );
    one_problem(&with("id", json!("../etc/passwd")), &["must start with"]);
    one_problem(&with("id", json!("ticks v1")), &["a space", "position 6"]);
    one_problem(&with("id", json!("-ticks")), &["must start with", "'-'"]);
    one_problem(&with("id", json!("")), &["id must not be empty"]);
}

#[test]
fn id_dots_inside_follow_the_documented_pattern() {
    // `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` allows inner dots; only a leading one is refused.
    valid(&with("id", json!("ticks.v1..2")));
}

#[test]
fn id_with_unicode_look_alikes_or_invisible_characters_is_rejected() {
    // Cyrillic 'і' (U+0456) looks like Latin 'i'.
    one_problem(
        &with("id", json!("t\u{456}cks_v1")),
        &["U+0456", "position 2"],
    );
    // Fullwidth 'ｔ' at the start.
    one_problem(
        &with("id", json!("\u{ff54}icks")),
        &["must start with", "U+FF54"],
    );
    // A zero-width space is escaped in the echo so the user can see it.
    one_problem(
        &with("id", json!("ticks\u{200b}v1")),
        &["U+200B", "\\u{200b}"],
    );
    // A trailing newline (which Python's `$` would let through) is refused and shown escaped.
    one_problem(
        &with("id", json!("ticks_v1\n")),
        &["U+000A", "'ticks_v1\\n'"],
    );
}

#[test]
fn id_that_is_not_a_string_is_rejected() {
    one_problem(
        &with("id", json!(12)),
        &["id must be a string", "found a number 12"],
    );
}

// --- version ---------------------------------------------------------------------------------

#[test]
fn malformed_versions_are_rejected_saying_what_is_accepted() {
    for (version, why) in [
        ("1.0", "2 dot-separated parts"),
        ("01.0.0", "part '01' has a leading zero"),
        ("1.00.0", "part '00' has a leading zero"),
        ("1.0.0-rc1", "part '0-rc1' is not a non-negative integer"),
        (
            "1.0.0+build",
            "part '0+build' is not a non-negative integer",
        ),
        ("1..0", "part '' is not"),
        ("v1.0.0", "part 'v1'"),
        (" 1.0.0", "part ' 1'"),
        ("1.0.0.0", "4 dot-separated parts"),
        ("-1.0.0", "part '-1'"),
        ("99999999999999999999.0.0", "too large"),
    ] {
        one_problem(
            &with("version", json!(version)),
            &["version", why, "MAJOR.MINOR.PATCH", "'1.0.0'"],
        );
    }
}

#[test]
fn wellformed_versions_are_accepted() {
    for version in ["0.0.0", "1.0.0", "10.20.30", "18446744073709551615.0.1"] {
        valid(&with("version", json!(version)));
    }
}

#[test]
fn version_that_is_not_a_string_is_rejected() {
    one_problem(
        &with("version", json!(1.0)),
        &["version must be a string", "MAJOR.MINOR.PATCH"],
    );
}

// --- schema_version / $schema ----------------------------------------------------------------

#[test]
fn draft_07_uri_is_accepted_with_or_without_hash_under_either_key() {
    for uri in [
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
    ] {
        valid(&with("schema_version", json!(uri)));
        let mut doc = example();
        doc.as_object_mut().unwrap().remove("schema_version");
        doc["$schema"] = json!(uri);
        valid(&doc);
    }
}

#[test]
fn other_drafts_are_rejected() {
    one_problem(
        &with(
            "schema_version",
            json!("http://json-schema.org/draft-04/schema#"),
        ),
        &[
            "schema_version 'http://json-schema.org/draft-04/schema#'",
            "only JSON Schema draft-07 is supported",
        ],
    );
    one_problem(
        &with(
            "$schema",
            json!("https://json-schema.org/draft/2020-12/schema"),
        ),
        &["$schema", "2020-12", "draft-07"],
    );
    one_problem(
        &with("$schema", json!("https://json-schema.org/draft-07/schema#")),
        &["$schema", "draft-07"],
    );
    one_problem(
        &with("schema_version", json!(7)),
        &["schema_version must be the string", "found a number"],
    );
}

// --- draft-07 meta-validation ----------------------------------------------------------------

#[test]
fn unknown_type_names_the_pointer() {
    let mut doc = example();
    doc["properties"]["price"]["type"] = json!("strin");
    one_problem(
        &doc,
        &["#/properties/price/type", "\"strin\"", "\"integer\""],
    );
}

#[test]
fn type_list_with_repeats_is_rejected() {
    one_problem(
        &schema(json!({"properties": {"a": {"type": ["string", "string"]}}})),
        &["#/properties/a/type"],
    );
}

#[test]
fn non_schema_property_names_the_pointer() {
    one_problem(
        &schema(json!({"properties": {"a": 5}})),
        &["#/properties/a must be a schema (an object, true or false), found 5"],
    );
}

#[test]
fn repeated_required_names_the_repeat() {
    one_problem(
        &schema(json!({"required": ["a", "b", "a"]})),
        &["#/required lists \"a\" more than once"],
    );
}

#[test]
fn negative_length_and_bad_items_are_reported_at_their_pointers() {
    one_problem(
        &schema(json!({"properties": {"s": {"minLength": -1}}})),
        &["#/properties/s/minLength", "-1"],
    );
    one_problem(
        &schema(json!({"items": [1]})),
        &["items at #/items", "array of schemas"],
    );
    one_problem(
        &schema(json!({"dependencies": {"a": 3}})),
        &["#/dependencies/a", "array of distinct property names"],
    );
    one_problem(
        &schema(json!({"definitions": {"d": {"maxItems": "3"}}})),
        &["#/definitions/d/maxItems"],
    );
}

#[test]
fn defs_entries_are_meta_validated_although_draft_07_does_not_know_defs() {
    one_problem(
        &schema(json!({"$defs": {"a": {"type": "strin"}}})),
        &["type at #/$defs/a/type"],
    );
    // Referenced or not, each problem is listed once.
    one_problem(
        &schema(
            json!({"$defs": {"a": {"minimum": "0"}}, "properties": {"p": {"$ref": "#/$defs/a"}}}),
        ),
        &["#/$defs/a/minimum"],
    );
}

#[test]
fn every_problem_is_listed() {
    let doc = schema(json!({
        "required": "ts",
        "properties": {"a": {"type": "strin"}, "b": {"minimum": "0"}}
    }));
    let problems = check_document(&doc);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    for pointer in [
        "#/required",
        "#/properties/a/type",
        "#/properties/b/minimum",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(pointer)),
            "{pointer} missing from {problems:#?}"
        );
    }
}

#[test]
fn metadata_is_not_meta_validated() {
    // Draft-04 readers would take `id` as a base URI; the registry strips it before validating.
    valid(&with("id", json!("x")));
    let mut doc = example();
    doc.as_object_mut().unwrap().remove("arrow");
    doc["properties"]["id"] = json!({"type": "string"});
    valid(&doc);
}

#[test]
fn problem_list_is_capped() {
    let properties: Map<String, Value> = (0..500)
        .map(|i| (format!("p{i}"), json!({"type": "strin"})))
        .collect();
    let problems = check_document(&schema(json!({"properties": properties})));
    assert_eq!(problems.len(), 101, "{:#?}", &problems[..3]);
    assert!(
        problems[100].contains("more problems not listed"),
        "{}",
        problems[100]
    );
}

// --- regexes ---------------------------------------------------------------------------------

#[test]
fn pattern_that_does_not_compile_names_the_pointer_once() {
    one_problem(
        &schema(json!({"properties": {"code": {"type": "string", "pattern": "(unclosed"}}})),
        &[
            "pattern '(unclosed' at #/properties/code/pattern",
            "not a valid regular expression",
        ],
    );
}

#[test]
fn a_bad_pattern_used_twice_is_reported_at_both_places() {
    let problems = check_document(&schema(json!({
        "properties": {"a": {"pattern": "[z"}, "b": {"pattern": "[z"}}
    })));
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].contains("#/properties/a/pattern"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("#/properties/b/pattern"),
        "{}",
        problems[1]
    );
}

#[test]
fn regex_compile_time_is_bounded() {
    // Each of these fails fancy_regex's size limit only after ~0.1 s (more in debug builds).
    let properties: Map<String, Value> = (0..200)
        .map(|i| {
            (
                format!("p{i}"),
                json!({"pattern": format!("\\w{{{}}}", 1000 + i)}),
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let problems = check_document(&schema(json!({"properties": properties})));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    let slow: Vec<_> = problems
        .iter()
        .filter(|p| p.contains("take too long to compile"))
        .collect();
    assert_eq!(slow.len(), 1, "{problems:#?}");
    assert!(problems
        .iter()
        .any(|p| p.contains("pattern '\\w{1000}' at #/properties/p0/pattern is not a valid")));
}

#[test]
fn pattern_properties_key_that_does_not_compile_names_the_key() {
    one_problem(
        &schema(json!({"patternProperties": {"^x-[a": {"type": "string"}}})),
        &[
            "patternProperties key '^x-[a' at #/patternProperties/^x-[a",
            "not a valid regular expression",
        ],
    );
}

#[test]
fn non_portable_pattern_is_reported_as_not_ecma_262() {
    one_problem(
        &schema(json!({"properties": {"s": {"pattern": "(?i)abc"}}})),
        &["pattern '(?i)abc' at #/properties/s/pattern", "ECMA-262"],
    );
    one_problem(
        &schema(json!({"patternProperties": {"a\\Z": {}}})),
        &["#/patternProperties/a\\Z", "ECMA-262"],
    );
}

#[test]
fn common_patterns_are_accepted() {
    valid(&schema(json!({
        "properties": {"s": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"}},
        "patternProperties": {"^\\d+$": {"type": "integer"}, "^(?<word>\\w+)$": true}
    })));
}

#[test]
fn keywords_named_like_regex_keywords_are_not_regexes() {
    // A property called `pattern` is a subschema, and `enum`/`const` hold data, not schemas.
    valid(&schema(json!({
        "properties": {"pattern": {"type": "string"}},
        "enum": [{"pattern": "(("}],
        "const": {"patternProperties": {"((": {}}}
    })));
}

// --- $ref ------------------------------------------------------------------------------------

#[test]
fn local_refs_in_every_subschema_position_are_accepted() {
    valid(&schema(json!({
        "definitions": {"a": {"type": "string"}, "x~y/z": {"type": "integer"}, "a b": true},
        "$defs": {"b": {"$ref": "#/definitions/a"}},
        "properties": {
            "p": {"$ref": "#/definitions/a"},
            "q": {"$ref": "#/$defs/b"},
            "r": {"$ref": "#/definitions/x~0y~1z"},
            "s": {"$ref": "#/definitions/a%20b"},
            "t": {"items": [{"$ref": "#/properties/p"}], "additionalItems": {"$ref": "#"}},
            "u": {"anyOf": [{"$ref": "#/properties/t/items/0"}]}
        }
    })));
}

#[test]
fn remote_refs_are_rejected_wherever_they_are() {
    for (doc, reference, pointer) in [
        (
            json!({"properties": {"a": {"$ref": "http://example.com/s.json"}}}),
            "http://example.com/s.json",
            "#/properties/a/$ref",
        ),
        (
            json!({"definitions": {"d": {"$ref": "other.json#/x"}}}),
            "other.json#/x",
            "#/definitions/d/$ref",
        ),
        (
            json!({"allOf": [{"not": {"$ref": "urn:example:thing"}}]}),
            "urn:example:thing",
            "#/allOf/0/not/$ref",
        ),
        (
            json!({"items": {"properties": {"z": {"$ref": "/abs#/x"}}}}),
            "/abs#/x",
            "#/items/properties/z/$ref",
        ),
        (
            json!({"if": {"$ref": "https://x/y"}, "then": true}),
            "https://x/y",
            "#/if/$ref",
        ),
    ] {
        let problem = one_problem(
            &schema(doc),
            &[&format!(
                "remote $ref '{reference}' at {pointer} is not supported"
            )],
        );
        assert!(
            problem.contains("the registry never fetches remote schemas"),
            "{problem}"
        );
    }
}

#[test]
fn unresolvable_local_refs_name_the_ref_and_the_pointer() {
    one_problem(
        &schema(json!({"properties": {"a": {"$ref": "#/definitions/missing"}}, "definitions": {}})),
        &[
            "$ref '#/definitions/missing' at #/properties/a/$ref does not resolve",
            "#/definitions has no key 'missing'",
        ],
    );
    one_problem(
        &schema(json!({"properties": {"a": {"$ref": "#/definitions/x"}}})),
        &["# has no key 'definitions'"],
    );
    one_problem(
        &schema(json!({"items": [true], "properties": {"a": {"$ref": "#/items/01"}}})),
        &["#/items has no item '01'"],
    );
}

#[test]
fn refs_into_registry_metadata_do_not_resolve() {
    let mut doc = example();
    doc["properties"]["side"] = json!({"$ref": "#/arrow/fields/4"});
    one_problem(
        &doc,
        &["$ref '#/arrow/fields/4'", "registry metadata is stripped"],
    );
}

#[test]
fn refs_that_are_not_pointers_or_not_schemas_are_rejected() {
    one_problem(
        &schema(json!({"properties": {"a": {"$ref": "#foo"}}})),
        &["$ref '#foo' at #/properties/a/$ref is not a JSON pointer"],
    );
    one_problem(
        &schema(json!({"properties": {"a": {"$ref": "#/definitions/~2"}}})),
        &["'~' must be followed by 0 or 1"],
    );
    one_problem(
        &schema(json!({"properties": {"a": {"$ref": ""}}})),
        &["empty $ref at #/properties/a/$ref"],
    );
    one_problem(
        &schema(json!({"required": ["a"], "properties": {"a": {"$ref": "#/required"}}})),
        &["points to an array at #/required, which is not a schema"],
    );
    one_problem(
        &schema(json!({"properties": {"a": {"$ref": 5}}})),
        &["#/properties/a/$ref", "not of type \"string\""],
    );
}

#[test]
fn ref_cycles_through_properties_are_valid_and_terminate() {
    // Recursion that descends into a property or item consumes input, so validators finish;
    // loops that never descend are rejected (see the test after this file's last one).
    valid(&schema(json!({
        "definitions": {
            "node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/node"}}}
        },
        "properties": {"self": {"$ref": "#"}, "n": {"$ref": "#/definitions/node"}}
    })));
}

#[test]
fn targets_outside_schema_keywords_are_checked_too() {
    // Validators apply whatever a local $ref names, even under an unknown keyword.
    let doc = schema(json!({
        "x-shared": {"remote": {"$ref": "http://evil.example/s"}, "bad": {"type": "strin"}},
        "properties": {"a": {"$ref": "#/x-shared/remote"}, "b": {"$ref": "#/x-shared/bad"}}
    }));
    let problems = check_document(&doc);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems
        .iter()
        .any(|p| p.contains("remote $ref 'http://evil.example/s' at #/x-shared/remote/$ref")));
    assert!(problems
        .iter()
        .any(|p| p.contains("type at #/x-shared/bad/type")));
    // Unreferenced, the same unknown keyword is ignored, as draft-07 validators ignore it.
    valid(&schema(
        json!({"x-shared": {"remote": {"$ref": "http://evil.example/s"}}}),
    ));
}

#[test]
fn refs_inside_data_keywords_are_data() {
    valid(&schema(json!({
        "enum": [{"$ref": "http://example.com"}],
        "const": {"$ref": "#/nowhere"},
        "default": {"$ref": "urn:x"},
        "examples": [{"$ref": "other.json"}]
    })));
}

// --- hostile sizes ---------------------------------------------------------------------------

#[test]
fn ten_thousand_levels_of_subschemas_report_depth_without_overflow() {
    let mut deep = json!({"type": "string"});
    for _ in 0..10_000 {
        deep = object(vec![
            ("type", json!("object")),
            ("properties", object(vec![("a", deep)])),
        ]);
    }
    let mut doc = schema(json!({"properties": {"root": null}}));
    doc["properties"]["root"] = deep;
    let problems = check_on_small_stack(&doc);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("deeper than 128 levels"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].contains("(at #/properties/root/properties/a/properties/a/"),
        "{}",
        problems[0]
    );
    dismantle(doc);
}

#[test]
fn ten_thousand_nested_arrays_report_depth_without_overflow() {
    let mut deep = json!(0);
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    let mut doc = schema(json!({}));
    doc["default"] = deep;
    let problems = check_on_small_stack(&doc);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("deeper than 128 levels (at #/default/0/0/"),
        "{}",
        problems[0]
    );
    dismantle(doc);
}

#[test]
fn deep_metadata_is_caught_too_and_metadata_problems_are_kept() {
    let mut deep = json!({});
    for _ in 0..10_000 {
        deep = object(vec![("fields", deep)]);
    }
    let mut doc = with("arrow", deep);
    doc["id"] = json!("a/b");
    let problems = check_on_small_stack(&doc);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("id 'a/b'"));
    assert!(
        problems[1].contains("(at #/arrow/fields/fields/"),
        "{}",
        problems[1]
    );
    dismantle(doc);
}

#[test]
fn deepest_parseable_document_passes_the_depth_check() {
    // serde_json refuses 128 levels, so 127 is the deepest text a client can send.
    let depth = 127;
    let text = format!(
        "{}{}",
        "{\"default\":".repeat(depth - 1) + "{",
        "}".repeat(depth)
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    valid(&doc);
    let too_deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert!(serde_json::from_str::<Value>(&too_deep).is_err());
}

#[test]
fn long_keys_over_many_values_are_refused_before_pointers_are_built() {
    // 1 MiB key above 80 values: 80 MiB of pointers if every value's pointer were built.
    let children: Map<String, Value> = (0..80)
        .map(|i| (format!("c{i}"), json!({"type": 5})))
        .collect();
    let mut properties = Map::new();
    properties.insert("k".repeat(1 << 20), json!({"properties": children}));
    let problems = check_document(&schema(json!({"properties": properties})));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("keys are too long"), "{}", problems[0]);
    assert!(
        problems[0].contains("(reached at #/properties/kkkk"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].len() < 700,
        "the pointer must be cut: {} bytes",
        problems[0].len()
    );
}

#[test]
fn huge_enum_is_accepted_quickly() {
    let items: Vec<Value> = (0..200_000).map(|i| json!(format!("v{i}"))).collect();
    let doc = schema(json!({"properties": {"code": {"type": "string", "enum": items}}}));
    let start = std::time::Instant::now();
    valid(&doc);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn huge_enum_with_a_problem_elsewhere_does_not_echo_the_enum() {
    let items: Vec<Value> = (0..100_000).map(|i| json!(i)).collect();
    let doc = schema(
        json!({"properties": {"code": {"enum": items, "type": "strin"}}, "required": [items.clone(), items]}),
    );
    let problems = check_document(&doc);
    assert!(!problems.is_empty());
    assert!(problems.iter().all(|p| p.len() < 600), "{problems:#?}");
}

#[test]
fn loops_that_never_descend_are_rejected_and_guarded_recursion_is_fine() {
    let pure = json!({"$ref": "#/definitions/a", "definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}});
    let problems = check_document(&pure);
    assert!(
        problems.iter().any(|p| p.contains("refers back to itself")),
        "{problems:?}"
    );
    let through_all_of = json!({"type": "object", "allOf": [{"$ref": "#"}]});
    let problems = check_document(&through_all_of);
    assert!(
        problems.iter().any(|p| p.contains("refers back to itself")),
        "{problems:?}"
    );
    let tree = json!({"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}});
    assert_eq!(check_document(&tree), Vec::<String>::new());
}
