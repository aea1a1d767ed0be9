//! The Arrow field-list rules of `COMPAT_RULES.md`, one test per rule, through the public API.

use compat_core::arrow::{check_block, diff_documents, effective_block};
use compat_core::change::{ChangeType, Difference};
use compat_core::DiffError;
use serde_json::{json, Value};

use ChangeType::{
    ArrowFieldAddedNonNullable as AddedNonNullable, ArrowFieldAddedNullable as AddedNullable,
    ArrowFieldRemoved as Removed, ArrowFieldRenamed as Renamed, ArrowFieldReordered as Reordered,
    ArrowMetadataChanged as MetadataChanged, ArrowNonNullableToNullable as ToNullable,
    ArrowNullableToNonNullable as ToNonNullable, ArrowTypeChanged as Changed,
    ArrowTypeNarrowed as Narrowed, ArrowTypeWidened as Widened,
};

/// A document whose Arrow block holds `fields` (no `properties`: the diff does not need them).
fn block(fields: Value) -> Value {
    let mut doc = json!({"arrow": {}});
    doc["arrow"]["fields"] = fields;
    doc
}

/// A field object `{"name": name, "type": ty}`.
fn field(name: &str, ty: Value) -> Value {
    let mut out = json!({"name": name});
    out["type"] = ty;
    out
}

fn diff(old: &Value, new: &Value) -> Vec<Difference> {
    diff_documents(old, new).expect("both documents are valid")
}

fn kinds(found: &[Difference]) -> Vec<ChangeType> {
    found.iter().map(|d| d.kind).collect()
}

/// The change kinds of one field `v` moving from type `from` to type `to`.
fn moved(from: Value, to: Value) -> Vec<ChangeType> {
    let old = block(Value::Array(vec![field("v", from)]));
    let new = block(Value::Array(vec![field("v", to)]));
    kinds(&diff(&old, &new))
}

fn named(name: &str) -> Value {
    json!({"name": name})
}

/// Asserts every `(from, to)` pair widens and its reverse narrows.
fn assert_promotions(pairs: &[(Value, Value)]) {
    for (from, to) in pairs {
        assert_eq!(moved(from.clone(), to.clone()), [Widened], "{from} → {to}");
        assert_eq!(moved(to.clone(), from.clone()), [Narrowed], "{to} → {from}");
    }
}

fn pairs(names: &[(&str, &str)]) -> Vec<(Value, Value)> {
    names.iter().map(|(a, b)| (named(a), named(b))).collect()
}

#[test]
fn signed_integers_widen_transitively() {
    assert_promotions(&pairs(&[
        ("int8", "int16"),
        ("int16", "int32"),
        ("int32", "int64"),
        ("int8", "int32"),
        ("int8", "int64"),
        ("int16", "int64"),
    ]));
}

#[test]
fn unsigned_integers_widen_transitively() {
    assert_promotions(&pairs(&[
        ("uint8", "uint16"),
        ("uint16", "uint32"),
        ("uint32", "uint64"),
        ("uint8", "uint64"),
    ]));
}

#[test]
fn unsigned_widens_to_signed_of_twice_the_width() {
    assert_promotions(&pairs(&[
        ("uint8", "int16"),
        ("uint16", "int32"),
        ("uint32", "int64"),
        ("uint8", "int64"),
    ]));
    assert_eq!(moved(named("uint32"), named("int32")), [Changed]);
    assert_eq!(moved(named("uint64"), named("int64")), [Changed]);
    assert_eq!(moved(named("int8"), named("uint16")), [Changed]);
}

#[test]
fn small_integers_and_float16_widen_to_float32() {
    assert_promotions(&pairs(&[
        ("int8", "float32"),
        ("int16", "float32"),
        ("uint8", "float32"),
        ("uint16", "float32"),
        ("float16", "float32"),
    ]));
    assert_eq!(moved(named("int32"), named("float32")), [Changed]);
}

#[test]
fn integers_up_to_32_bits_and_floats_widen_to_float64() {
    assert_promotions(&pairs(&[
        ("int8", "float64"),
        ("int16", "float64"),
        ("int32", "float64"),
        ("uint8", "float64"),
        ("uint16", "float64"),
        ("uint32", "float64"),
        ("float16", "float64"),
        ("float32", "float64"),
    ]));
    // Above 2^53 a float64 rounds: not in the table.
    assert_eq!(moved(named("int64"), named("float64")), [Changed]);
    assert_eq!(moved(named("uint64"), named("float64")), [Changed]);
}

#[test]
fn large_string_and_binary_widen() {
    assert_promotions(&pairs(&[
        ("utf8", "large_utf8"),
        ("binary", "large_binary"),
    ]));
    assert_eq!(moved(named("utf8"), named("binary")), [Changed]);
    assert_eq!(moved(named("utf8"), named("large_binary")), [Changed]);
}

#[test]
fn utf8_and_dictionary_of_utf8_widen_both_ways() {
    let dict = json!({"name": "dictionary", "value_type": {"name": "utf8"}});
    assert_eq!(moved(named("utf8"), dict.clone()), [Widened]);
    assert_eq!(moved(dict.clone(), named("utf8")), [Widened]);
    assert_eq!(
        moved(dict.clone(), named("large_utf8")),
        [Widened],
        "through utf8 → large_utf8"
    );
    let small = json!({"name": "dictionary", "value_type": {"name": "utf8"}, "index_type": {"name": "int8"}});
    assert_eq!(
        moved(small.clone(), dict.clone()),
        [Widened],
        "index int8 → int32"
    );
    assert_eq!(
        moved(dict, small),
        [Narrowed],
        "a narrower index may not hold the old codes"
    );
    let binary_dict = json!({"name": "dictionary", "value_type": {"name": "binary"}});
    assert_eq!(moved(named("utf8"), binary_dict), [Changed]);
}

#[test]
fn decimal_precision_up_with_equal_scale_widens() {
    let dec = |name: &str, precision: u32, scale: u32| json!({"name": name, "precision": precision, "scale": scale});
    assert_promotions(&[
        (dec("decimal128", 10, 2), dec("decimal128", 18, 2)),
        (dec("decimal", 10, 2), dec("decimal", 50, 2)),
        (dec("decimal128", 20, 4), dec("decimal256", 20, 4)),
    ]);
    assert_eq!(
        moved(dec("decimal128", 10, 2), dec("decimal128", 12, 3)),
        [Changed]
    );
    assert_eq!(
        moved(dec("decimal128", 10, 2), dec("decimal128", 10, 2)),
        []
    );
    assert_eq!(
        moved(dec("decimal", 10, 2), dec("decimal128", 10, 2)),
        [],
        "decimal ≤ 38 digits is decimal128"
    );
    assert_eq!(
        moved(dec("decimal256", 10, 2), dec("decimal128", 20, 2)),
        [Changed],
        "width down, precision up"
    );
}

#[test]
fn date32_widens_to_date64() {
    assert_promotions(&pairs(&[("date32", "date64")]));
    let ts = json!({"name": "timestamp", "unit": "ms"});
    assert_eq!(moved(named("date64"), ts), [Changed]);
}

#[test]
fn timestamp_unit_finer_with_same_zone_widens() {
    let ts = |unit: &str| json!({"name": "timestamp", "unit": unit});
    let utc = |unit: &str| json!({"name": "timestamp", "unit": unit, "timezone": "UTC"});
    assert_promotions(&[
        (ts("s"), ts("ms")),
        (ts("ms"), ts("us")),
        (ts("us"), ts("ns")),
        (ts("s"), ts("ns")),
        (utc("s"), utc("us")),
    ]);
}

#[test]
fn time_zone_changes_are_type_changes() {
    let tz = |unit: &str, zone: Value| json!({"name": "timestamp", "unit": unit, "timezone": zone});
    assert_eq!(
        moved(tz("us", json!("UTC")), tz("us", json!("America/New_York"))),
        [Changed]
    );
    assert_eq!(
        moved(tz("us", Value::Null), tz("us", json!("UTC"))),
        [Changed]
    );
    assert_eq!(
        moved(tz("us", json!("UTC")), tz("us", Value::Null)),
        [Changed]
    );
    assert_eq!(
        moved(tz("ms", json!("UTC")), tz("ns", json!("Europe/London"))),
        [Changed],
        "finer, other zone"
    );
    let found = diff(
        &block(json!([{"name": "ts", "type": tz("us", json!("UTC"))}])),
        &block(json!([{"name": "ts", "type": tz("us", json!("Asia/Tokyo"))}])),
    );
    assert_eq!(
        found[0].message,
        "Field 'ts' type changed from timestamp(us, UTC) to timestamp(us, Asia/Tokyo)"
    );
}

#[test]
fn unrelated_types_change() {
    assert_eq!(moved(named("int64"), named("utf8")), [Changed]);
    assert_eq!(moved(named("bool"), named("int8")), [Changed]);
    let time = |name: &str, unit: &str| json!({"name": name, "unit": unit});
    assert_eq!(
        moved(time("time32", "s"), time("time32", "ms")),
        [Changed],
        "time units are not in the table"
    );
    assert_eq!(
        moved(time("duration", "ms"), time("duration", "ns")),
        [Changed]
    );
    assert_eq!(moved(named("null"), named("int8")), [Changed]);
}

#[test]
fn widening_message_names_field_and_types() {
    let old = block(json!([{"name": "size", "type": {"name": "int32"}}]));
    let new = block(json!([{"name": "size", "type": {"name": "int64"}}]));
    let found = diff(&old, &new);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "#/arrow/fields/0");
    assert_eq!(found[0].message, "Field 'size' widened from int32 to int64");
    let back = diff(&new, &old);
    assert_eq!(back[0].message, "Field 'size' narrowed from int64 to int32");
}

fn three(middle: Value) -> Value {
    let ts = field("ts", json!({"name": "int64"}));
    block(Value::Array(vec![
        ts,
        middle,
        field("size", json!({"name": "int32"})),
    ]))
}

#[test]
fn same_type_same_position_is_a_rename() {
    let old = three(json!({"name": "price", "type": {"name": "float64"}}));
    let new = three(json!({"name": "last_price", "type": {"name": "float64"}}));
    let found = diff(&old, &new);
    assert_eq!(kinds(&found), [Renamed]);
    assert_eq!(found[0].message, "Field 'price' renamed to 'last_price'");
    assert_eq!(found[0].path, "#/arrow/fields/1");
}

#[test]
fn rename_needs_same_type_nullability_and_position() {
    let old = three(json!({"name": "price", "type": {"name": "float64"}}));
    let other_type = three(json!({"name": "last_price", "type": {"name": "float32"}}));
    assert_eq!(kinds(&diff(&old, &other_type)), [AddedNullable, Removed]);
    let non_null =
        three(json!({"name": "last_price", "type": {"name": "float64"}, "nullable": false}));
    assert_eq!(kinds(&diff(&old, &non_null)), [AddedNonNullable, Removed]);
    let moved_away = block(json!([
        {"name": "ts", "type": {"name": "int64"}},
        {"name": "size", "type": {"name": "int32"}},
        {"name": "last_price", "type": {"name": "float64"}},
    ]));
    let found = diff(&old, &moved_away);
    assert_eq!(kinds(&found), [AddedNullable, Removed]);
    assert_eq!(
        found[0].path, "#/arrow/fields/2",
        "added: index in the new document"
    );
    assert_eq!(
        found[1].path, "#/arrow/fields/1",
        "removed: index in the old document"
    );
    assert_eq!(found[1].message, "Field 'price' removed");
}

#[test]
fn added_fields_by_nullability() {
    let old = block(json!([{"name": "a", "type": {"name": "int64"}}]));
    let new = block(json!([
        {"name": "a", "type": {"name": "int64"}},
        {"name": "b", "type": {"name": "int32"}},
        {"name": "c", "type": {"name": "utf8"}, "nullable": true},
        {"name": "d", "type": {"name": "bool"}, "nullable": false},
    ]));
    let found = diff(&old, &new);
    assert_eq!(
        kinds(&found),
        [AddedNullable, AddedNullable, AddedNonNullable]
    );
    assert_eq!(found[0].message, "Field 'b' added as nullable int32");
    assert_eq!(found[2].path, "#/arrow/fields/3");
    assert_eq!(found[2].message, "Field 'd' added as non-nullable bool");
}

#[test]
fn removed_field_points_into_old_document() {
    let old = three(json!({"name": "price", "type": {"name": "float64"}}));
    let new = block(
        json!([{"name": "ts", "type": {"name": "int64"}}, {"name": "size", "type": {"name": "int32"}}]),
    );
    let found = diff(&old, &new);
    assert_eq!(kinds(&found), [Removed]);
    assert_eq!(found[0].path, "#/arrow/fields/1");
}

#[test]
fn reorder_is_reported_once() {
    let f = |name: &str| json!({"name": name, "type": {"name": "int64"}});
    let old = block(json!([f("a"), f("b"), f("c"), f("d")]));
    let new = block(json!([f("d"), f("c"), f("b"), f("a")]));
    let found = diff(&old, &new);
    assert_eq!(kinds(&found), [Reordered]);
    assert_eq!(found[0].path, "#/arrow/fields");
    assert_eq!(
        found[0].message,
        "Fields reordered: 'b' now comes before 'a'"
    );
    // Adding or removing fields keeps the relative order of the others.
    let grown = block(json!([f("z"), f("a"), f("b"), f("d")]));
    assert_eq!(kinds(&diff(&old, &grown)), [AddedNullable, Removed]);
}

#[test]
fn nullability_changes_both_ways() {
    let nullable = block(json!([{"name": "a", "type": {"name": "int64"}}]));
    let required = block(json!([{"name": "a", "type": {"name": "int64"}, "nullable": false}]));
    let tightened = diff(&nullable, &required);
    assert_eq!(kinds(&tightened), [ToNonNullable]);
    assert_eq!(
        tightened[0].message,
        "Field 'a' changed from nullable to non-nullable"
    );
    assert_eq!(kinds(&diff(&required, &nullable)), [ToNullable]);
    let explicit = block(json!([{"name": "a", "type": {"name": "int64"}, "nullable": true}]));
    assert_eq!(
        kinds(&diff(&nullable, &explicit)),
        [],
        "nullable defaults to true"
    );
}

#[test]
fn metadata_changes_are_reported() {
    let with =
        |meta: Value| block(json!([{"name": "a", "type": {"name": "int64"}, "metadata": meta}]));
    let found = diff(&with(json!({"unit": "USD"})), &with(json!({"unit": "EUR"})));
    assert_eq!(kinds(&found), [MetadataChanged]);
    assert_eq!(found[0].message, "Field 'a' metadata changed");
    let bare = block(json!([{"name": "a", "type": {"name": "int64"}}]));
    assert_eq!(
        kinds(&diff(&bare, &with(json!({})))),
        [],
        "absent and empty metadata are equal"
    );
    let schema_meta = json!({"arrow": {"fields": [{"name": "a", "type": {"name": "int64"}}], "metadata": {"k": "v"}}});
    let found = diff(&bare, &schema_meta);
    assert_eq!(kinds(&found), [MetadataChanged]);
    assert_eq!(found[0].path, "#/arrow/metadata");
}

fn quote(bid: &str, extra: Option<Value>) -> Value {
    let mut children = vec![
        json!({"name": "bid", "type": {"name": bid}}),
        json!({"name": "ask", "type": {"name": "float64"}}),
    ];
    children.extend(extra);
    block(json!([
        {"name": "ts", "type": {"name": "int64"}},
        {"name": "quote", "type": {"name": "struct", "fields": children}},
    ]))
}

#[test]
fn struct_children_are_diffed_with_nested_paths() {
    let found = diff(&quote("float32", None), &quote("float64", None));
    assert_eq!(kinds(&found), [Widened]);
    assert_eq!(found[0].path, "#/arrow/fields/1/type/fields/0");
    assert_eq!(
        found[0].message,
        "Field 'quote.bid' widened from float32 to float64"
    );
    let venue = json!({"name": "venue", "type": {"name": "utf8"}, "nullable": false});
    let found = diff(&quote("float64", None), &quote("float64", Some(venue)));
    assert_eq!(kinds(&found), [AddedNonNullable]);
    assert_eq!(found[0].path, "#/arrow/fields/1/type/fields/2");
    let found = diff(
        &quote(
            "float64",
            Some(json!({"name": "x", "type": {"name": "utf8"}})),
        ),
        &quote("float64", None),
    );
    assert_eq!(kinds(&found), [Removed]);
    assert_eq!(found[0].message, "Field 'quote.x' removed");
}

#[test]
fn struct_children_renames_and_reorders() {
    let s = |a: &str, b: &str| {
        block(json!([{"name": "q", "type": {"name": "struct", "fields": [
            {"name": a, "type": {"name": "int64"}}, {"name": b, "type": {"name": "utf8"}}]}}]))
    };
    let found = diff(&s("bid", "venue"), &s("best_bid", "venue"));
    assert_eq!(kinds(&found), [Renamed]);
    assert_eq!(found[0].message, "Field 'q.bid' renamed to 'q.best_bid'");
    let swapped = block(json!([{"name": "q", "type": {"name": "struct", "fields": [
        {"name": "venue", "type": {"name": "utf8"}}, {"name": "bid", "type": {"name": "int64"}}]}}]));
    let found = diff(&s("bid", "venue"), &swapped);
    assert_eq!(kinds(&found), [Reordered]);
    assert_eq!(found[0].path, "#/arrow/fields/0/type/fields");
}

#[test]
fn list_items_are_diffed_with_nested_paths() {
    let list = |name: &str, item: &str, nullable: bool| {
        block(
            json!([{"name": "tags", "type": {"name": name, "item": {"name": "item", "type": {"name": item}, "nullable": nullable}}}]),
        )
    };
    let found = diff(&list("list", "int32", true), &list("list", "int64", true));
    assert_eq!(kinds(&found), [Widened]);
    assert_eq!(found[0].path, "#/arrow/fields/0/type/item");
    assert_eq!(
        found[0].message,
        "Field 'tags.item' widened from int32 to int64"
    );
    let found = diff(
        &list("list", "int32", true),
        &list("large_list", "int32", true),
    );
    assert_eq!(kinds(&found), [Widened]);
    assert_eq!(
        found[0].message,
        "Field 'tags' widened from list<int32> to large_list<int32>"
    );
    assert_eq!(
        kinds(&diff(
            &list("large_list", "int64", true),
            &list("list", "int32", true)
        )),
        [Narrowed, Narrowed]
    );
    assert_eq!(
        kinds(&diff(
            &list("list", "int32", true),
            &list("list", "int32", false)
        )),
        [ToNonNullable]
    );
    let shorthand =
        block(json!([{"name": "tags", "type": {"name": "list", "value_type": {"name": "int32"}}}]));
    assert_eq!(
        kinds(&diff(&list("list", "int32", true), &shorthand)),
        [],
        "value_type is a nullable item"
    );
    let wider =
        block(json!([{"name": "tags", "type": {"name": "list", "value_type": {"name": "int64"}}}]));
    assert_eq!(
        diff(&shorthand, &wider)[0].path,
        "#/arrow/fields/0/type/value_type"
    );
    let structure = block(json!([{"name": "tags", "type": {"name": "struct", "fields": []}}]));
    assert_eq!(kinds(&diff(&shorthand, &structure)), [Changed]);
}

#[test]
fn lists_of_structs_recurse() {
    let legs = |qty: &str| {
        block(
            json!([{"name": "legs", "type": {"name": "list", "item": {"name": "item", "type": {"name": "struct", "fields": [
            {"name": "qty", "type": {"name": qty}}]}}}}]),
        )
    };
    let found = diff(&legs("int16"), &legs("int32"));
    assert_eq!(kinds(&found), [Widened]);
    assert_eq!(found[0].path, "#/arrow/fields/0/type/item/type/fields/0");
    assert_eq!(
        found[0].message,
        "Field 'legs.item.qty' widened from int16 to int32"
    );
}

fn props(properties: Value, required: Value) -> Value {
    let mut doc = json!({"type": "object"});
    doc["properties"] = properties;
    doc["required"] = required;
    doc
}

#[test]
fn derived_mapping_follows_design() {
    let doc = json!({
        "type": "object",
        "properties": {
            "i": {"type": "integer"}, "n": {"type": "number"}, "s": {"type": "string"},
            "ts": {"type": "string", "format": "date-time"}, "d": {"type": "string", "format": "date"},
            "b": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
            "q": {"type": "object", "properties": {"bid": {"type": "number"}}, "required": ["bid"]},
            "maybe": {"type": ["integer", "null"]}, "any": {}, "mixed": {"type": ["integer", "string"]},
            "ref": {"$ref": "#/definitions/px"}, "opt": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
            "free": {"type": "object"}
        },
        "required": ["i", "n", "s", "ts", "d", "b", "tags", "q", "maybe", "any", "mixed", "ref", "opt", "free"],
        "definitions": {"px": {"type": "number"}}
    });
    let block = effective_block(&doc).unwrap();
    let field = |name: &str| {
        block["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    let ty = |name: &str| field(name)["type"].clone();
    assert_eq!(ty("i"), json!({"name": "int64"}));
    assert_eq!(ty("n"), json!({"name": "float64"}));
    assert_eq!(ty("s"), json!({"name": "utf8"}));
    assert_eq!(
        ty("ts"),
        json!({"name": "timestamp", "unit": "us", "timezone": "UTC"})
    );
    assert_eq!(ty("d"), json!({"name": "date32"}));
    assert_eq!(ty("b"), json!({"name": "bool"}));
    assert_eq!(
        ty("tags"),
        json!({"name": "list", "item": {"name": "item", "type": {"name": "utf8"}, "nullable": false}})
    );
    assert_eq!(
        ty("q")["fields"][0],
        json!({"name": "bid", "type": {"name": "float64"}, "nullable": false})
    );
    assert_eq!(ty("ref"), json!({"name": "float64"}));
    for unmappable in ["any", "mixed", "free"] {
        assert_eq!(
            ty(unmappable),
            json!({"name": "utf8"}),
            "{unmappable} keeps its JSON text"
        );
    }
    assert_eq!(field("i")["nullable"], false, "required and not null");
    assert_eq!(field("maybe")["nullable"], true, "[x, null] is nullable");
    assert_eq!(ty("maybe"), json!({"name": "int64"}));
    assert_eq!(field("opt")["nullable"], true);
    let optional = props(json!({"x": {"type": "integer"}}), json!([]));
    assert_eq!(
        effective_block(&optional).unwrap()["fields"][0]["nullable"],
        true,
        "not required"
    );
    let mut with_block = doc.clone();
    with_block["arrow"] = block;
    assert_eq!(
        check_block(&with_block),
        Vec::<String>::new(),
        "the derived mapping passes the check"
    );
}

#[test]
fn derived_mapping_survives_recursive_refs() {
    let doc = json!({
        "type": "object",
        "properties": {"root": {"$ref": "#/definitions/node"}, "loop": {"$ref": "#/definitions/a"}},
        "definitions": {
            "node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/definitions/node"}}}},
            "a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}
        }
    });
    let block = effective_block(&doc).unwrap();
    let root = &block["fields"][1];
    assert_eq!(root["name"], "root");
    assert_eq!(
        root["type"]["fields"][0]["type"]["item"]["type"],
        json!({"name": "utf8"}),
        "the cycle is JSON text"
    );
    assert_eq!(block["fields"][0]["type"], json!({"name": "utf8"}));
    assert!(diff_documents(&doc, &doc).unwrap().is_empty());
}

#[test]
fn derived_documents_are_compared_by_name() {
    let old = props(
        json!({"price": {"type": "number"}, "size": {"type": "integer"}}),
        json!(["price", "size"]),
    );
    let renamed = props(
        json!({"last_price": {"type": "number"}, "size": {"type": "integer"}}),
        json!(["last_price", "size"]),
    );
    let found = diff(&old, &renamed);
    assert_eq!(
        kinds(&found),
        [AddedNonNullable, Removed],
        "no positions, so no rename"
    );
    assert_eq!(found[0].path, "#/properties/last_price");
    assert_eq!(found[1].path, "#/properties/price");
    let grown = props(
        json!({"price": {"type": "number"}, "size": {"type": "integer"}, "venue": {"type": "string"}}),
        json!(["price", "size"]),
    );
    let found = diff(&old, &grown);
    assert_eq!(kinds(&found), [AddedNullable]);
    assert_eq!(found[0].message, "Field 'venue' added as nullable utf8");
}

#[test]
fn explicit_and_derived_documents_compare() {
    let derived = props(json!({"size": {"type": "integer"}}), json!(["size"]));
    let mut explicit = derived.clone();
    explicit["arrow"] = json!({"fields": [{"name": "size", "type": {"name": "int32"}}]});
    let found = diff(&derived, &explicit);
    assert_eq!(kinds(&found), [Narrowed, ToNullable]);
    assert_eq!(found[0].path, "#/arrow/fields/0");
    assert_eq!(diff(&explicit, &derived)[0].path, "#/properties/size");
}

fn error_of(doc: &Value) -> String {
    let ok = block(json!([{"name": "a", "type": {"name": "int64"}}]));
    let Err(DiffError::InvalidSchema(forward)) = diff_documents(doc, &ok) else {
        panic!("{doc} must be rejected");
    };
    let Err(DiffError::InvalidSchema(backward)) = diff_documents(&ok, doc) else {
        panic!("{doc} must be rejected on either side");
    };
    assert_eq!(forward, backward);
    assert!(forward.starts_with("arrow: "), "{forward}");
    assert!(
        !check_block(doc).is_empty(),
        "check_block agrees that {doc} is malformed"
    );
    forward
}

#[test]
fn malformed_blocks_are_errors() {
    assert_eq!(
        error_of(&json!({"arrow": {"fields": {}}})),
        "arrow: #/arrow/fields: must be an array of fields"
    );
    assert_eq!(
        error_of(&json!({"arrow": []})),
        "arrow: #/arrow: must be an object with a 'fields' array"
    );
    assert_eq!(
        error_of(&json!({"arrow": null})),
        "arrow: #/arrow: must be an object with a 'fields' array"
    );
    assert_eq!(
        error_of(&json!({"arrow": {}})),
        "arrow: #/arrow: missing the 'fields' array"
    );
    assert_eq!(
        error_of(&block(json!([{"name": "a"}]))),
        "arrow: #/arrow/fields/0: field has no 'type'"
    );
    assert_eq!(
        error_of(&block(json!([{"name": "a", "type": {"name": "string"}}]))),
        "arrow: #/arrow/fields/0/type/name: unknown Arrow type 'string' (did you mean 'utf8'?)"
    );
    assert_eq!(
        error_of(&block(json!([{"type": {"name": "utf8"}}]))),
        "arrow: #/arrow/fields/0: field has no 'name'"
    );
    assert_eq!(
        error_of(&block(json!([{"name": "", "type": {"name": "utf8"}}]))),
        "arrow: #/arrow/fields/0: field name must not be empty"
    );
    assert_eq!(
        error_of(&block(
            json!([{"name": "a", "type": {"name": "utf8"}}, {"name": "a", "type": {"name": "utf8"}}])
        )),
        "arrow: #/arrow/fields/1: duplicate field name 'a' (also at index 0)"
    );
    assert_eq!(
        error_of(&block(
            json!([{"name": "a", "type": {"name": "utf8"}, "nullable": "yes"}])
        )),
        "arrow: #/arrow/fields/0: 'nullable' must be true or false"
    );
    assert_eq!(
        error_of(&block(
            json!([{"name": "a", "type": {"name": "timestamp", "unit": "h"}}])
        )),
        "arrow: #/arrow/fields/0/type: unit 'h' is not one of s, ms, us, ns"
    );
    assert_eq!(
        error_of(&block(json!([{"name": "a", "type": {"name": "timestamp", "unit": "us", "tz": "UTC"}}]))),
        "arrow: #/arrow/fields/0/type: unknown parameter 'tz' for timestamp (allowed: unit, timezone)"
    );
}

#[test]
fn malformed_parameters_are_errors() {
    let bad = |ty: Value| error_of(&block(json!([{"name": "a", "type": ty}])));
    assert!(bad(json!({"name": "time32", "unit": "us"})).contains("unit 'us' is not one of s, ms"));
    assert!(bad(json!({"name": "time64", "unit": "s"})).contains("not one of us, ns"));
    assert!(bad(json!({"name": "duration"})).contains("needs a string 'unit'"));
    assert!(bad(json!({"name": "decimal128", "precision": 39}))
        .contains("precision must be an integer in 1..=38"));
    assert!(bad(json!({"name": "decimal", "precision": 0})).contains("1..=76"));
    assert!(bad(json!({"name": "decimal256", "precision": 77})).contains("1..=76"));
    assert!(bad(json!({"name": "decimal", "precision": 5, "scale": 6}))
        .contains("scale must be an integer in 0..=5"));
    assert!(bad(json!({"name": "decimal", "precision": 5, "scale": -1})).contains("scale"));
    assert!(bad(json!({"name": "decimal"})).contains("needs a 'precision'"));
    assert!(bad(json!({"name": "dictionary"})).contains("needs a 'value_type'"));
    let float_index = json!({"name": "dictionary", "value_type": {"name": "utf8"}, "index_type": {"name": "float32"}});
    assert!(bad(float_index).contains("index must be an integer type"));
    assert!(bad(json!({"name": "list"})).contains("needs an 'item' field or a 'value_type'"));
    let both = json!({"name": "list", "item": {"name": "item", "type": {"name": "utf8"}}, "value_type": {"name": "utf8"}});
    assert!(bad(both).contains("not both"));
    assert!(bad(json!({"name": "struct"})).contains("struct needs a 'fields' array"));
    let nested = json!({"name": "struct", "fields": [{"name": "x", "type": {"name": "int128"}}]});
    assert_eq!(
        bad(nested),
        "arrow: #/arrow/fields/0/type/fields/0/type/name: unknown Arrow type 'int128'"
    );
    assert!(bad(json!("int64")).contains("a type must be an object"));
    assert!(bad(json!({"name": "timestamp", "unit": "us", "timezone": 0})).contains("timezone"));
}

#[test]
fn many_problems_are_summarised_and_capped() {
    let fields: Vec<Value> = (0..10_000)
        .map(|i| json!({"name": format!("f{i}"), "type": {"name": "nope"}}))
        .collect();
    let doc = block(Value::Array(fields));
    let message = error_of(&doc);
    assert!(message.ends_with("(and 9999 more problems)"), "{message}");
    let problems = check_block(&doc);
    assert_eq!(problems.len(), 101);
    assert_eq!(problems[100], "… and 9900 more problems");
}

#[test]
fn deep_nesting_is_rejected_without_overflow() {
    let mut ty = json!({"name": "int64"});
    for _ in 0..100 {
        ty = json!({"name": "list", "value_type": ty});
    }
    let message = error_of(&block(json!([{"name": "deep", "type": ty}])));
    assert!(
        message.contains("types nest deeper than 64 levels"),
        "{message}"
    );
}

#[test]
fn ten_thousand_fields_diff_quickly() {
    let fields = |ty: &str| -> Value {
        Value::Array(
            (0..10_000)
                .map(|i| json!({"name": format!("f{i}"), "type": {"name": ty}}))
                .collect(),
        )
    };
    let started = std::time::Instant::now();
    let found = diff(&block(fields("int32")), &block(fields("int64")));
    assert_eq!(found.len(), 10_000);
    assert!(found.iter().all(|d| d.kind == Widened));
    let mut reversed = fields("int32");
    reversed.as_array_mut().unwrap().reverse();
    assert_eq!(
        kinds(&diff(&block(fields("int32")), &block(reversed))),
        [Reordered]
    );
    let renamed = Value::Array(
        (0..10_000)
            .map(|i| json!({"name": format!("g{i}"), "type": {"name": "int32"}}))
            .collect(),
    );
    assert_eq!(diff(&block(fields("int32")), &block(renamed)).len(), 10_000);
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn very_long_names_work() {
    let long = "x".repeat(1_000_000);
    let old = block(json!([{"name": long, "type": {"name": "int32"}}]));
    let new = block(json!([{"name": long, "type": {"name": "int64"}}]));
    assert_eq!(kinds(&diff(&old, &new)), [Widened]);
    let renamed = block(json!([{"name": format!("{long}y"), "type": {"name": "int32"}}]));
    assert_eq!(kinds(&diff(&old, &renamed)), [Renamed]);
    let doc = json!({"properties": {long.clone(): {"type": "integer"}}, "arrow": {"fields": [{"name": long, "type": {"name": "int32"}}]}});
    assert!(check_block(&doc).is_empty());
}

#[test]
fn garbage_never_panics() {
    let garbage = [
        json!(null),
        json!(true),
        json!(1),
        json!(-1.5),
        json!("x"),
        json!([]),
        json!({}),
        json!([null]),
        json!({"name": null}),
        json!({"name": 5, "type": 5}),
        json!([{"name": "a", "type": []}]),
        json!({"fields": [{"name": "a", "type": {"name": "list", "item": 3}}]}),
        json!({"fields": [{"name": "a", "type": {"name": "dictionary", "value_type": {"name": "list", "value_type": {"name": "utf8"}}}}]}),
        json!({"fields": [{"name": "a", "type": {"name": "decimal", "precision": 1e300}}]}),
        json!({"fields": [{"name": "a", "type": {"name": "int8"}, "metadata": {"k": 1}}]}),
        json!({"fields": [], "extra": 1}),
    ];
    for value in &garbage {
        for doc in [
            json!({"arrow": value}),
            json!({"properties": value}),
            json!({"properties": {"p": value}, "required": value}),
            value.clone(),
        ] {
            let _ = diff_documents(&doc, &doc);
            let _ = check_block(&doc);
            let _ = effective_block(&doc);
        }
    }
}

#[test]
fn check_accepts_a_consistent_block() {
    let doc = json!({
        "properties": {
            "ts": {"type": "string", "format": "date-time"}, "d": {"type": "string", "format": "date"},
            "px": {"type": "number"}, "qty": {"type": "integer"}, "sym": {"type": "string"},
            "ok": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
            "q": {"type": "object", "properties": {"bid": {"type": "number"}}, "required": ["bid"]},
            "maybe": {"type": ["integer", "null"]}
        },
        "required": ["ts", "px", "qty", "sym"],
        "arrow": {"fields": [
            {"name": "ts", "type": {"name": "timestamp", "unit": "ns", "timezone": "UTC"}, "nullable": false},
            {"name": "d", "type": {"name": "date64"}},
            {"name": "px", "type": {"name": "decimal128", "precision": 18, "scale": 6}, "nullable": false},
            {"name": "qty", "type": {"name": "uint32"}, "nullable": false},
            {"name": "sym", "type": {"name": "dictionary", "value_type": {"name": "utf8"}, "index_type": {"name": "int16"}}},
            {"name": "ok", "type": {"name": "bool"}},
            {"name": "tags", "type": {"name": "large_list", "value_type": {"name": "large_utf8"}}},
            {"name": "q", "type": {"name": "struct", "fields": [{"name": "bid", "type": {"name": "float32"}, "nullable": false}]}},
            {"name": "maybe", "type": {"name": "int8"}}
        ]}
    });
    assert_eq!(check_block(&doc), Vec::<String>::new());
    assert!(
        check_block(&json!({"properties": {"a": {"type": "integer"}}})).is_empty(),
        "no block, nothing to check"
    );
}

#[test]
fn check_reports_names_missing_on_either_side() {
    let doc = json!({
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "arrow": {"fields": [{"name": "a", "type": {"name": "int64"}}, {"name": "c", "type": {"name": "int64"}}]}
    });
    assert_eq!(
        check_block(&doc),
        [
            "#/properties/b: property 'b' has no Arrow field",
            "#/arrow/fields/1: Arrow field 'c' has no matching property",
        ]
    );
}

#[test]
fn check_reports_unmapped_types() {
    let one = |schema: Value, ty: Value| {
        check_block(
            &json!({"properties": {"a": schema}, "arrow": {"fields": [{"name": "a", "type": ty}]}}),
        )
    };
    assert_eq!(
        one(json!({"type": "integer"}), json!({"name": "float64"})),
        ["#/arrow/fields/0: field 'a' has type float64, which does not map JSON integer (expected int* or uint*)"]
    );
    assert_eq!(
        one(json!({"type": "string"}), json!({"name": "int64"})).len(),
        1
    );
    assert_eq!(
        one(
            json!({"type": "string", "format": "date-time"}),
            json!({"name": "utf8"})
        )
        .len(),
        1
    );
    assert_eq!(
        one(
            json!({"type": "string", "format": "date"}),
            json!({"name": "timestamp", "unit": "s"})
        )
        .len(),
        1
    );
    assert_eq!(
        one(json!({"type": "boolean"}), json!({"name": "int8"})).len(),
        1
    );
    assert_eq!(
        one(json!({"type": "array"}), json!({"name": "utf8"})).len(),
        1
    );
    assert_eq!(
        one(
            json!({"type": "object", "properties": {}}),
            json!({"name": "utf8"})
        )
        .len(),
        1
    );
    assert_eq!(
        one(json!({"type": "number"}), json!({"name": "int64"})),
        Vec::<String>::new()
    );
    assert_eq!(
        one(
            json!({"type": ["string", "null"]}),
            json!({"name": "large_utf8"})
        ),
        Vec::<String>::new()
    );
    let items = json!({"type": "array", "items": {"type": "integer"}});
    assert_eq!(
        one(items, json!({"name": "list", "value_type": {"name": "utf8"}})),
        ["#/arrow/fields/0/type/value_type: field 'a.item' has type utf8, which does not map JSON integer (expected int* or uint*)"]
    );
    let nested = json!({"type": "object", "properties": {"b": {"type": "integer"}}});
    let problems = one(
        nested,
        json!({"name": "struct", "fields": [{"name": "c", "type": {"name": "int64"}}]}),
    );
    assert_eq!(
        problems,
        [
            "#/properties/a/properties/b: property 'a.b' has no Arrow field",
            "#/arrow/fields/0/type/fields/0: Arrow field 'a.c' has no matching property",
        ]
    );
}

#[test]
fn check_rejects_non_nullable_fields_for_optional_properties() {
    let doc = |schema: Value, required: Value| {
        json!({"properties": {"a": schema}, "required": required,
               "arrow": {"fields": [{"name": "a", "type": {"name": "int64"}, "nullable": false}]}})
    };
    assert_eq!(
        check_block(&doc(json!({"type": "integer"}), json!([]))),
        ["#/arrow/fields/0: field 'a' is non-nullable but its property is not required"]
    );
    assert_eq!(
        check_block(&doc(json!({"type": ["integer", "null"]}), json!(["a"]))),
        ["#/arrow/fields/0: field 'a' is non-nullable but its property admits null"]
    );
    assert!(check_block(&doc(json!({"type": "integer"}), json!(["a"]))).is_empty());
}

fn reference(version: &str) -> Value {
    let path = format!(
        "{}/../../schemas/ticks_v1/{version}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn reference_evolution_of_ticks_v1() {
    let [v100, v110, v120, v200] = ["1.0.0", "1.1.0", "1.2.0", "2.0.0"].map(reference);
    for (doc, version) in [
        (&v100, "1.0.0"),
        (&v110, "1.1.0"),
        (&v120, "1.2.0"),
        (&v200, "2.0.0"),
    ] {
        assert_eq!(doc["version"], version);
        assert_eq!(check_block(doc), Vec::<String>::new(), "{version}");
    }
    let added = diff(&v100, &v110);
    assert_eq!(kinds(&added), [AddedNullable]);
    assert_eq!(added[0].path, "#/arrow/fields/5");
    let renamed = diff(&v110, &v200);
    assert_eq!(kinds(&renamed), [Renamed]);
    assert_eq!(renamed[0].message, "Field 'price' renamed to 'last_price'");
    let widened = diff(&v110, &v120);
    assert_eq!(kinds(&widened), [Widened]);
    assert_eq!(
        widened[0].message,
        "Field 'size' widened from int32 to int64"
    );
    // FORWARD is the same diff with the arguments swapped.
    assert_eq!(kinds(&diff(&v120, &v110)), [Narrowed]);
    assert_eq!(kinds(&diff(&v110, &v100)), [Removed]);
}
