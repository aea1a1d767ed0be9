// Tick store ingest: builds an arrow::Schema from a registry schema document's `arrow` block and
// reads a CSV of ticks with it through Arrow's own CSV reader.
//
// Usage: latency_tick_store_integration SCHEMA.json|- TICKS.csv
//   SCHEMA.json  a document as GET /schema/{id}/{version} returns it ("-" reads it from stdin)
//   TICKS.csv    a header row naming the schema's fields, then one tick per line
// Exit status: 0 parsed, 1 the CSV does not fit the schema, 2 usage or schema document errors.
//
// Built against the Arrow C++ library inside the pyarrow wheel: see examples/build_cpp.sh.

#include <arrow/api.h>
#include <arrow/csv/api.h>
#include <arrow/io/api.h>
#include <arrow/util/value_parsing.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using nlohmann::json;

// A problem with the schema document (exit 2) as opposed to one with the data (exit 1).
struct SchemaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
T Check(arrow::Result<T> result, const std::string& what) {
  if (!result.ok()) throw DataError(what + ": " + result.status().ToString());
  return std::move(result).ValueOrDie();
}

void Check(const arrow::Status& status, const std::string& what) {
  if (!status.ok()) throw DataError(what + ": " + status.ToString());
}

// Nesting bound, as in the registry's own Arrow parser (compat_rs/core/src/arrow/parse.rs).
constexpr int kMaxDepth = 64;

std::shared_ptr<arrow::DataType> ParseType(const json& type, const std::string& at, int depth);
std::shared_ptr<arrow::Field> ParseField(const json& field, const std::string& at, int depth);

std::string StringParam(const json& type, const char* key, const std::string& at) {
  auto it = type.find(key);
  if (it == type.end() || !it->is_string()) {
    throw SchemaError(at + ": needs a string '" + key + "'");
  }
  return it->get<std::string>();
}

arrow::TimeUnit::type Unit(const json& type, const std::string& at,
                           const std::set<std::string>& allowed) {
  const std::string unit = StringParam(type, "unit", at);
  if (allowed.count(unit) == 0) throw SchemaError(at + ": unit '" + unit + "' is not allowed");
  if (unit == "s") return arrow::TimeUnit::SECOND;
  if (unit == "ms") return arrow::TimeUnit::MILLI;
  if (unit == "us") return arrow::TimeUnit::MICRO;
  return arrow::TimeUnit::NANO;
}

std::shared_ptr<arrow::DataType> Decimal(const json& type, const std::string& name,
                                         const std::string& at) {
  const int max = name == "decimal128" ? 38 : 76;
  const json precision = type.value("precision", json());
  const json scale = type.value("scale", json(0));
  if (!precision.is_number_unsigned() || precision.get<int>() < 1 ||
      precision.get<int>() > max) {
    throw SchemaError(at + ": " + name + " precision must be an integer in 1.." +
                      std::to_string(max));
  }
  if (!scale.is_number_unsigned() || scale.get<int>() > precision.get<int>()) {
    throw SchemaError(at + ": " + name + " scale must be an integer in 0..precision");
  }
  const int p = precision.get<int>();
  const int s = scale.get<int>();
  if (name == "decimal256" || (name == "decimal" && p > 38)) return arrow::decimal256(p, s);
  return arrow::decimal128(p, s);
}

std::shared_ptr<arrow::DataType> Nested(const json& type, const std::string& name,
                                        const std::string& at, int depth) {
  if (name == "list" || name == "large_list") {
    std::shared_ptr<arrow::Field> item;
    if (type.contains("item")) {
      item = ParseField(type["item"], at + "/item", depth + 1);
    } else if (type.contains("value_type")) {
      item = arrow::field("item", ParseType(type["value_type"], at + "/value_type", depth + 1));
    } else {
      throw SchemaError(at + ": a list needs an 'item' field or a 'value_type'");
    }
    return name == "list" ? arrow::list(item) : arrow::large_list(item);
  }
  if (name == "struct") {
    if (!type.contains("fields") || !type["fields"].is_array()) {
      throw SchemaError(at + ": struct needs a 'fields' array");
    }
    arrow::FieldVector children;
    for (std::size_t i = 0; i < type["fields"].size(); ++i) {
      children.push_back(
          ParseField(type["fields"][i], at + "/fields/" + std::to_string(i), depth + 1));
    }
    return arrow::struct_(children);
  }
  // dictionary
  if (!type.contains("value_type")) throw SchemaError(at + ": dictionary needs a 'value_type'");
  auto value = ParseType(type["value_type"], at + "/value_type", depth + 1);
  auto index = type.contains("index_type")
                   ? ParseType(type["index_type"], at + "/index_type", depth + 1)
                   : arrow::int32();
  return Check(arrow::DictionaryType::Make(index, value, type.value("ordered", false)),
               at + ": invalid dictionary");
}

// One type object ({"name": ..., params...}) of the arrow block, in the registry's vocabulary.
std::shared_ptr<arrow::DataType> ParseType(const json& type, const std::string& at, int depth) {
  if (depth >= kMaxDepth) throw SchemaError(at + ": types nest too deeply");
  if (!type.is_object()) {
    throw SchemaError(at + ": a type must be an object such as {\"name\": \"int64\"}");
  }
  const std::string name = StringParam(type, "name", at);
  if (name == "null") return arrow::null();
  if (name == "bool") return arrow::boolean();
  if (name == "int8") return arrow::int8();
  if (name == "int16") return arrow::int16();
  if (name == "int32") return arrow::int32();
  if (name == "int64") return arrow::int64();
  if (name == "uint8") return arrow::uint8();
  if (name == "uint16") return arrow::uint16();
  if (name == "uint32") return arrow::uint32();
  if (name == "uint64") return arrow::uint64();
  if (name == "float16") return arrow::float16();
  if (name == "float32") return arrow::float32();
  if (name == "float64") return arrow::float64();
  if (name == "utf8") return arrow::utf8();
  if (name == "large_utf8") return arrow::large_utf8();
  if (name == "binary") return arrow::binary();
  if (name == "large_binary") return arrow::large_binary();
  if (name == "date32") return arrow::date32();
  if (name == "date64") return arrow::date64();
  if (name == "decimal" || name == "decimal128" || name == "decimal256") {
    return Decimal(type, name, at);
  }
  if (name == "timestamp") {
    const auto unit = Unit(type, at, {"s", "ms", "us", "ns"});
    const json tz = type.value("timezone", json());
    if (tz.is_null()) return arrow::timestamp(unit);
    if (!tz.is_string() || tz.get<std::string>().empty()) {
      throw SchemaError(at + ": timezone must be a non-empty string");
    }
    return arrow::timestamp(unit, tz.get<std::string>());
  }
  if (name == "time32") return arrow::time32(Unit(type, at, {"s", "ms"}));
  if (name == "time64") return arrow::time64(Unit(type, at, {"us", "ns"}));
  if (name == "duration") return arrow::duration(Unit(type, at, {"s", "ms", "us", "ns"}));
  if (name == "list" || name == "large_list" || name == "struct" || name == "dictionary") {
    return Nested(type, name, at, depth);
  }
  throw SchemaError(at + "/name: unknown Arrow type '" + name + "'");
}

std::shared_ptr<arrow::Field> ParseField(const json& field, const std::string& at, int depth) {
  if (!field.is_object()) throw SchemaError(at + ": a field must be an object");
  const std::string name = StringParam(field, "name", at);
  if (name.empty()) throw SchemaError(at + ": field name must not be empty");
  if (!field.contains("type")) throw SchemaError(at + ": field has no 'type'");
  const json nullable = field.value("nullable", json(true));
  if (!nullable.is_boolean()) throw SchemaError(at + ": 'nullable' must be true or false");
  return arrow::field(name, ParseType(field["type"], at + "/type", depth), nullable.get<bool>());
}

// DESIGN §3: without an `arrow` block clients derive the default mapping; this example derives
// the scalar part of it (the registry's full derivation is compat_rs/core/src/arrow/derive.rs).
arrow::FieldVector DeriveFields(const json& doc) {
  std::set<std::string> required;
  const json required_names = doc.value("required", json::array());
  for (const auto& name : required_names) required.insert(name.get<std::string>());
  const json properties = doc.value("properties", json::object());
  arrow::FieldVector fields;
  for (const auto& [name, prop] : properties.items()) {
    const std::string type = prop.value("type", "");
    const std::string format = prop.value("format", "");
    std::shared_ptr<arrow::DataType> mapped;
    if (type == "integer") mapped = arrow::int64();
    else if (type == "number") mapped = arrow::float64();
    else if (type == "boolean") mapped = arrow::boolean();
    else if (type == "string" && format == "date-time")
      mapped = arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    else if (type == "string" && format == "date") mapped = arrow::date32();
    else if (type == "string") mapped = arrow::utf8();
    else
      throw SchemaError("#/properties/" + name +
                        ": no 'arrow' block, and this example maps only scalar properties");
    fields.push_back(arrow::field(name, mapped, required.count(name) == 0));
  }
  return fields;
}

std::shared_ptr<arrow::Schema> SchemaOf(const json& doc) {
  if (!doc.is_object()) throw SchemaError("the schema document must be a JSON object");
  if (!doc.contains("arrow")) return arrow::schema(DeriveFields(doc));
  const json& block = doc["arrow"];
  if (!block.is_object() || !block.contains("fields") || !block["fields"].is_array()) {
    throw SchemaError("#/arrow: must be an object with a 'fields' array");
  }
  arrow::FieldVector fields;
  std::set<std::string> names;
  for (std::size_t i = 0; i < block["fields"].size(); ++i) {
    auto field = ParseField(block["fields"][i], "#/arrow/fields/" + std::to_string(i), 0);
    if (!names.insert(field->name()).second) {
      throw SchemaError("#/arrow/fields/" + std::to_string(i) + ": duplicate field name '" +
                        field->name() + "'");
    }
    fields.push_back(field);
  }
  return arrow::schema(fields);
}

json LoadDocument(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SchemaError("cannot open schema document '" + path + "'");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw SchemaError("schema document '" + path + "' is not valid JSON: " + e.what());
  }
}

// Reads `csv_path` with the schema's types; the result's columns follow the schema's order.
std::shared_ptr<arrow::Table> ReadTicks(const std::string& csv_path,
                                        const std::shared_ptr<arrow::Schema>& schema,
                                        bool closed) {
  auto convert = arrow::csv::ConvertOptions::Defaults();
  for (const auto& field : schema->fields()) {
    const auto id = field->type()->id();
    if (arrow::is_nested(id) || id == arrow::Type::DICTIONARY) {
      throw SchemaError("field '" + field->name() + "' has type " + field->type()->ToString() +
                        ", which a CSV column cannot hold");
    }
    convert.column_types[field->name()] = field->type();
  }
  // Empty cells are nulls in every column, strings included (the nullability check below
  // refuses them where the schema does).
  convert.strings_can_be_null = true;
  // ISO 8601 (`2024-01-02T14:30:00.000001`, with an offset for zoned timestamps) first, then the
  // space-separated form many exporters write.
  convert.timestamp_parsers = {arrow::TimestampParser::MakeISO8601(),
                               arrow::TimestampParser::MakeStrptime("%Y-%m-%d %H:%M:%S")};

  auto input = Check(arrow::io::ReadableFile::Open(csv_path), "cannot open CSV '" + csv_path + "'");
  auto reader = Check(arrow::csv::TableReader::Make(arrow::io::default_io_context(), input,
                                                    arrow::csv::ReadOptions::Defaults(),
                                                    arrow::csv::ParseOptions::Defaults(), convert),
                      "cannot read CSV '" + csv_path + "'");
  auto table = Check(reader->Read(), "CSV '" + csv_path + "' does not fit the schema");

  std::vector<int> order;
  for (const auto& field : schema->fields()) {
    const int index = table->schema()->GetFieldIndex(field->name());
    if (index < 0) throw DataError("CSV '" + csv_path + "' has no column '" + field->name() + "'");
    if (!field->nullable() && table->column(index)->null_count() > 0) {
      throw DataError("column '" + field->name() + "' is not nullable but has " +
                      std::to_string(table->column(index)->null_count()) + " empty cells");
    }
    order.push_back(index);
  }
  if (closed && table->num_columns() != schema->num_fields()) {
    for (const auto& name : table->schema()->field_names()) {
      if (schema->GetFieldIndex(name) < 0) {
        throw DataError("CSV column '" + name +
                        "' is not in the schema (additionalProperties is false)");
      }
    }
  }
  table = Check(table->SelectColumns(order), "selecting the schema's columns");
  // The CSV reader marks every column nullable; the declared fields (checked above) replace them.
  return arrow::Table::Make(schema, table->columns(), table->num_rows());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " SCHEMA.json|- TICKS.csv\n";
    return 2;
  }
  try {
    const json doc = LoadDocument(argv[1]);
    const auto schema = SchemaOf(doc);
    const bool closed = doc.value("additionalProperties", json(true)) == json(false);
    const auto table = ReadTicks(argv[2], schema, closed);
    Check(table->ValidateFull(), "validating the table");

    std::cout << "schema " << doc.value("id", std::string("?")) << "@"
              << doc.value("version", std::string("?")) << " (" << schema->num_fields()
              << " fields)\n"
              << schema->ToString() << "\n";
    for (int i = 0; i < table->num_columns(); ++i) {
      std::cout << "nulls " << schema->field(i)->name() << ": " << table->column(i)->null_count()
                << "\n";
    }
    std::cout << "rows: " << table->num_rows() << "\n";
    return 0;
  } catch (const SchemaError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const DataError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const json::exception& e) {
    // A parameter of the wrong JSON type (`"required": [1]`, ...) reached a typed accessor.
    std::cerr << "error: schema document: " << e.what() << "\n";
    return 2;
  }
}
