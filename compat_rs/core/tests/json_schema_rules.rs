//! One test per JSON Schema keyword family, plus modes, bumps and hostile input.

use compat_core::{diff_bytes, diff_documents, Bump, DiffError, Mode, Policy};
use serde_json::{json, Value};

fn changes(old: &Value, new: &Value) -> Vec<String> {
    let report = diff_documents(old, new, Mode::Backward, Policy::Strict).expect("diff");
    let mut out: Vec<String> = report
        .changes
        .iter()
        .map(|c| format!("{} {}", c.kind, c.path))
        .collect();
    out.sort();
    out
}

fn compatible(old: &Value, new: &Value, policy: Policy) -> bool {
    diff_documents(old, new, Mode::Backward, policy)
        .expect("diff")
        .compatible
}

#[test]
fn strings_bounds_and_patterns() {
    let old = json!({"type": "string", "minLength": 2, "maxLength": 10});
    assert_eq!(
        changes(
            &old,
            &json!({"type": "string", "minLength": 3, "maxLength": 12})
        ),
        [
            "MAX_LENGTH_INCREASED #/maxLength",
            "MIN_LENGTH_INCREASED #/minLength"
        ]
    );
    assert!(!compatible(
        &old,
        &json!({"type": "string", "minLength": 3, "maxLength": 10}),
        Policy::Strict
    ));
    assert!(compatible(&old, &json!({"type": "string"}), Policy::Strict));
    assert_eq!(
        changes(
            &json!({"type": "string"}),
            &json!({"type": "string", "pattern": "^a"})
        ),
        ["PATTERN_ADDED #/pattern"]
    );
    // minLength 0 constrains nothing, so adding it is no change at all.
    assert!(changes(
        &json!({"type": "string"}),
        &json!({"type": "string", "minLength": 0})
    )
    .is_empty());
}

#[test]
fn numbers_bounds_integer_and_multiple_of() {
    let num = |extra: Value| {
        let mut base = json!({"type": "number"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    };
    assert_eq!(
        changes(
            &num(json!({"exclusiveMinimum": 0})),
            &num(json!({"exclusiveMinimum": 1}))
        ),
        ["EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum"]
    );
    assert_eq!(
        changes(&num(json!({})), &num(json!({"exclusiveMaximum": 5}))),
        ["EXCLUSIVE_MAXIMUM_ADDED #/exclusiveMaximum"]
    );
    assert_eq!(
        changes(
            &num(json!({"multipleOf": 2})),
            &num(json!({"multipleOf": 6}))
        ),
        ["MULTIPLE_OF_EXPANDED #/multipleOf"]
    );
    assert_eq!(
        changes(
            &num(json!({"multipleOf": 0.5})),
            &num(json!({"multipleOf": 0.25}))
        ),
        ["MULTIPLE_OF_REDUCED #/multipleOf"]
    );
    assert_eq!(
        changes(&json!({"type": "integer"}), &json!({"type": "number"})),
        ["TYPE_EXTENDED #/"]
    );
    assert_eq!(
        changes(&json!({"type": "number"}), &json!({"type": "integer"})),
        ["TYPE_NARROWED #/"]
    );
    assert_eq!(
        changes(&json!({"type": "number"}), &json!({"type": "string"})),
        ["TYPE_CHANGED #/"]
    );
}

#[test]
fn enums_and_consts() {
    let e = |v: Value| json!({"enum": v});
    assert_eq!(
        changes(&e(json!(["B", "S"])), &e(json!(["B", "S", "X"]))),
        ["ENUM_ARRAY_EXTENDED #/enum"]
    );
    assert_eq!(
        changes(&e(json!(["B", "S"])), &e(json!(["B"]))),
        ["ENUM_ARRAY_NARROWED #/enum"]
    );
    assert_eq!(
        changes(&e(json!(["B", "S"])), &e(json!(["B", "X"]))),
        ["ENUM_ARRAY_CHANGED #/enum"]
    );
    // 1 and 1.0 are the same JSON Schema value.
    assert!(changes(&e(json!([1, 2])), &e(json!([1.0, 2]))).is_empty());
    assert_eq!(
        changes(&json!({"const": "B"}), &e(json!(["B", "S"]))),
        ["ENUM_ARRAY_EXTENDED #/enum"]
    );
    assert_eq!(
        changes(&e(json!(["B", "S"])), &json!({"const": "B"})),
        ["ENUM_ARRAY_NARROWED #/enum"]
    );
    assert_eq!(
        changes(&json!({"const": 1}), &json!({"const": 2})),
        ["ENUM_ARRAY_CHANGED #/const"]
    );
}

#[test]
fn object_content_models_under_both_policies() {
    let open = json!({"properties": {"a": {"type": "string"}}});
    let closed = json!({"properties": {"a": {"type": "string"}}, "additionalProperties": false});
    let with_b = |base: &Value| {
        let mut doc = base.clone();
        doc["properties"]["b"] = json!({"type": "integer"});
        doc
    };
    assert_eq!(
        changes(&open, &with_b(&open)),
        ["OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/b"]
    );
    assert!(!compatible(&open, &with_b(&open), Policy::Strict));
    assert!(compatible(&open, &with_b(&open), Policy::Lenient));
    assert_eq!(
        changes(&closed, &with_b(&closed)),
        ["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/b"]
    );
    assert_eq!(
        changes(&with_b(&closed), &closed),
        ["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/b"]
    );
    assert!(compatible(&with_b(&closed), &closed, Policy::Lenient));
    assert_eq!(
        changes(&open, &closed),
        ["ADDITIONAL_PROPERTIES_REMOVED #/additionalProperties"]
    );
}

#[test]
fn required_properties_and_defaults() {
    let base = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer", "default": 0}}});
    let mut req_a = base.clone();
    req_a["required"] = json!(["a"]);
    let mut req_b = base.clone();
    req_b["required"] = json!(["b"]);
    assert_eq!(
        changes(&base, &req_a),
        ["REQUIRED_ATTRIBUTE_ADDED #/required/a"]
    );
    assert_eq!(
        changes(&base, &req_b),
        ["REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED #/required/b"]
    );
    assert!(compatible(&base, &req_b, Policy::Strict));
    // Requiring a name no schema declares still rejects documents without it.
    let mut req_x = base.clone();
    req_x["required"] = json!(["x"]);
    assert_eq!(
        changes(&base, &req_x),
        ["REQUIRED_ATTRIBUTE_ADDED #/required/x"]
    );
}

#[test]
fn pattern_properties_constrain_matching_keys() {
    let old = json!({"type": "object"});
    let new = json!({"type": "object", "patternProperties": {"^x_": {"type": "number"}}});
    assert!(
        !compatible(&old, &new, Policy::Strict),
        "{:?}",
        changes(&old, &new)
    );
    let closed = json!({"type": "object", "additionalProperties": false});
    let widened = json!({"type": "object", "additionalProperties": false, "patternProperties": {"^x_": {"type": "number"}}});
    assert!(compatible(&closed, &widened, Policy::Strict));
    assert!(!compatible(&widened, &closed, Policy::Strict));
}

#[test]
fn dependencies_arrays_and_schemas() {
    let dep = |v: Value| json!({"dependencies": v});
    assert_eq!(
        changes(&dep(json!({"a": ["b"]})), &dep(json!({"a": ["b", "c"]}))),
        ["DEPENDENCY_ARRAY_EXTENDED #/dependencies/a"]
    );
    assert_eq!(
        changes(&dep(json!({"a": ["b", "c"]})), &dep(json!({"a": ["b"]}))),
        ["DEPENDENCY_ARRAY_NARROWED #/dependencies/a"]
    );
    assert_eq!(
        changes(&dep(json!({"a": ["b"]})), &dep(json!({"a": ["c"]}))),
        ["DEPENDENCY_ARRAY_CHANGED #/dependencies/a"]
    );
    assert_eq!(
        changes(&dep(json!({})), &dep(json!({"a": {"required": ["b"]}}))),
        ["DEPENDENCY_SCHEMA_ADDED #/dependencies/a"]
    );
}

#[test]
fn arrays_items_tuples_and_counts() {
    let arr = |v: Value| {
        let mut base = json!({"type": "array"});
        base.as_object_mut()
            .unwrap()
            .extend(v.as_object().unwrap().clone());
        base
    };
    assert_eq!(
        changes(&arr(json!({})), &arr(json!({"uniqueItems": true}))),
        ["UNIQUE_ITEMS_ADDED #/uniqueItems"]
    );
    assert_eq!(
        changes(&arr(json!({"maxItems": 3})), &arr(json!({"maxItems": 5}))),
        ["MAX_ITEMS_INCREASED #/maxItems"]
    );
    assert_eq!(
        changes(
            &arr(json!({"items": {"type": "integer"}})),
            &arr(json!({"items": {"type": "number"}}))
        ),
        ["TYPE_EXTENDED #/items"]
    );
    // A single `items` schema constrained every position: a tuple that keeps it is covered.
    let tuple = arr(json!({"items": [{"type": "integer"}]}));
    let report = changes(&arr(json!({"items": {"type": "integer"}})), &tuple);
    assert!(
        report.contains(
            &"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/0".to_owned()
        ),
        "{report:?}"
    );
    assert_eq!(
        changes(
            &arr(json!({"items": [{}], "additionalItems": false})),
            &arr(json!({"items": [{}, false], "additionalItems": false}))
        ),
        ["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1"]
    );
}

#[test]
fn combinators_match_branches_in_any_order() {
    let any = |v: Value| json!({"anyOf": v});
    assert!(changes(
        &any(json!([{"type": "string"}, {"type": "null"}])),
        &any(json!([{"type": "null"}, {"type": "string"}]))
    )
    .is_empty());
    assert_eq!(
        changes(
            &any(json!([{"type": "string"}, {"type": "null"}])),
            &any(json!([{"type": "string"}]))
        ),
        ["SUM_TYPE_NARROWED #/"]
    );
    assert_eq!(
        changes(
            &json!({"type": "string"}),
            &json!({"type": ["string", "null"]})
        ),
        ["SUM_TYPE_EXTENDED #/"]
    );
    assert_eq!(
        changes(
            &json!({"allOf": [{"type": "string"}]}),
            &json!({"allOf": [{"type": "string"}, {"maxLength": 3}]})
        ),
        ["PRODUCT_TYPE_EXTENDED #/"]
    );
}

#[test]
fn one_of_with_overlapping_branches_breaks() {
    // 1 matches both branches, so oneOf rejects it although the old schema accepted it.
    let old = json!({"type": "integer"});
    let new = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
    assert!(
        !compatible(&old, &new, Policy::Strict),
        "{:?}",
        changes(&old, &new)
    );
    let disjoint = json!({"oneOf": [{"type": "integer"}, {"type": "string"}]});
    assert!(compatible(&old, &disjoint, Policy::Strict));
    // An existing overlap is not a change.
    assert!(changes(&new, &new).is_empty());
}

#[test]
fn not_is_compared_the_other_way_round() {
    assert_eq!(
        changes(
            &json!({"not": {"type": "number"}}),
            &json!({"not": {"type": "integer"}})
        ),
        ["NOT_TYPE_NARROWED #/not"]
    );
    assert_eq!(
        changes(
            &json!({"not": {"type": "integer"}}),
            &json!({"not": {"type": "number"}})
        ),
        ["NOT_TYPE_EXTENDED #/not"]
    );
}

#[test]
fn local_refs_resolve_and_recursive_schemas_finish() {
    let tree = |leaf: &str| {
        json!({"$ref": "#/definitions/node", "definitions": {"node": {"type": "object", "properties": {
            "value": {"type": leaf}, "children": {"type": "array", "items": {"$ref": "#/definitions/node"}}}}}})
    };
    assert!(changes(&tree("integer"), &tree("integer")).is_empty());
    assert_eq!(
        changes(&tree("integer"), &tree("number")),
        ["TYPE_EXTENDED #/properties/value"]
    );
    assert_eq!(
        changes(
            &json!({"$ref": "#/$defs/a", "$defs": {"a": {"type": "string"}}}),
            &json!({"type": "string"})
        ),
        Vec::<String>::new()
    );
}

#[test]
fn unmodeled_keywords_fail_closed() {
    let old = json!({"type": "string", "format": "date-time"});
    assert_eq!(
        changes(&old, &json!({"type": "string", "format": "date"})),
        ["UNMODELED_KEYWORD_CHANGED #/format"]
    );
    assert!(!compatible(
        &old,
        &json!({"type": "string"}),
        Policy::Lenient
    ));
    let cond = json!({"if": {"required": ["a"]}, "then": {"required": ["b"]}});
    assert!(!compatible(
        &json!({}),
        &json!({"type": "object"})
            .as_object()
            .map(|_| cond.clone())
            .unwrap(),
        Policy::Strict
    ));
}

#[test]
fn modes_swap_or_combine_directions() {
    let old = json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false});
    let new = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "additionalProperties": false});
    let verdict = |mode| {
        diff_documents(&old, &new, mode, Policy::Strict)
            .unwrap()
            .compatible
    };
    assert!(verdict(Mode::Backward));
    assert!(!verdict(Mode::Forward));
    assert!(!verdict(Mode::Full));
    let none = diff_documents(&old, &new, Mode::None, Policy::Strict).unwrap();
    assert!(none.compatible && !none.changes.is_empty());
    assert_eq!(Mode::parse("full_transitive"), Some(Mode::Full));
}

#[test]
fn bumps_follow_semver_rules() {
    let doc = json!({"id": "x", "version": "1.0.0", "type": "string", "title": "A"});
    let bump = |new: Value| {
        diff_documents(&doc, &new, Mode::Backward, Policy::Strict)
            .unwrap()
            .required_bump
    };
    assert_eq!(
        bump(json!({"id": "x", "version": "1.0.1", "type": "string", "title": "A"})),
        Bump::None
    );
    assert_eq!(
        bump(json!({"id": "x", "version": "1.0.1", "type": "string", "title": "B"})),
        Bump::Patch
    );
    assert_eq!(
        bump(json!({"id": "x", "version": "1.1.0", "type": ["string", "null"], "title": "A"})),
        Bump::Minor
    );
    assert_eq!(
        bump(json!({"id": "x", "version": "2.0.0", "type": "number", "title": "A"})),
        Bump::Major
    );
    // Reordered branches: different content, no reported change → PATCH.
    let a = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
    let b = json!({"anyOf": [{"type": "null"}, {"type": "string"}]});
    assert_eq!(
        diff_documents(&a, &b, Mode::Backward, Policy::Strict)
            .unwrap()
            .required_bump,
        Bump::Patch
    );
}

#[test]
fn hostile_input_errors_instead_of_hanging_or_crashing() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    match diff_bytes(deep.as_bytes(), b"{}", Mode::Backward, Policy::Strict) {
        Err(DiffError::InvalidJson(msg)) => assert!(msg.contains("line 1"), "{msg}"),
        other => panic!("expected InvalidJson, got {other:?}"),
    }
    match diff_bytes(b"{\"type\": ", b"{}", Mode::Backward, Policy::Strict) {
        Err(DiffError::InvalidJson(msg)) => assert!(msg.contains("column"), "{msg}"),
        other => panic!("expected InvalidJson, got {other:?}"),
    }
    // A long $ref chain parses without recursion and the walk stops at its depth limit.
    let mut defs = serde_json::Map::new();
    for i in 0..5_000 {
        defs.insert(format!("d{i}"), json!({"type": "object", "properties": {"x": {"$ref": format!("#/definitions/d{}", i + 1)}}}));
    }
    defs.insert("d5000".into(), json!({"type": "string"}));
    let chain = json!({"$ref": "#/definitions/d0", "definitions": defs});
    let mut other = chain.clone();
    other["definitions"]["d5000"] = json!({"type": "number"});
    assert!(matches!(
        diff_documents(&chain, &other, Mode::Backward, Policy::Strict),
        Err(DiffError::TooDeep(_))
    ));
    // Many mutually recursive definitions: shared pairs are compared once, so this finishes.
    let mesh = |leaf: &str| {
        let mut defs = serde_json::Map::new();
        for i in 0..40 {
            let next = |k: usize| json!({"$ref": format!("#/definitions/m{}", (i + k) % 40)});
            defs.insert(
                format!("m{i}"),
                json!({"properties": {"a": next(1), "b": next(2), "leaf": {"type": leaf}}}),
            );
        }
        json!({"$ref": "#/definitions/m0", "definitions": defs})
    };
    let same = diff_documents(
        &mesh("integer"),
        &mesh("integer"),
        Mode::Backward,
        Policy::Strict,
    )
    .unwrap();
    assert!(same.compatible && same.changes.is_empty());
    // A change under all of them is reachable through exponentially many paths.
    assert!(matches!(
        diff_documents(
            &mesh("integer"),
            &mesh("number"),
            Mode::Backward,
            Policy::Strict
        ),
        Err(DiffError::BudgetExceeded(_))
    ));
    assert!(matches!(
        diff_documents(
            &json!({"$ref": "#/nope"}),
            &json!({}),
            Mode::Backward,
            Policy::Strict
        ),
        Err(DiffError::InvalidSchema(_))
    ));
    assert!(matches!(
        diff_documents(
            &json!({"$ref": "http://x/y.json"}),
            &json!({}),
            Mode::Backward,
            Policy::Strict
        ),
        Err(DiffError::InvalidSchema(_))
    ));
    assert!(matches!(
        diff_documents(
            &json!({"$ref": "#"}),
            &json!({}),
            Mode::Backward,
            Policy::Strict
        ),
        Err(DiffError::InvalidSchema(_))
    ));
}
