//! The change vocabulary: every kind of difference the engine reports, and its verdicts.

use std::fmt;

/// Compatibility policy of a schema id: how strictly object content models are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Every change that can reject a previously valid document is breaking.
    Strict,
    /// Readers ignore unknown properties: adding or removing optional properties and closing
    /// `additionalProperties` become compatible.
    Lenient,
}

impl Policy {
    /// Parses `STRICT` / `LENIENT` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "STRICT" => Some(Self::Strict),
            "LENIENT" => Some(Self::Lenient),
            _ => None,
        }
    }

    /// The canonical upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "STRICT",
            Self::Lenient => "LENIENT",
        }
    }
}

/// One kind of difference between two schema documents (`COMPAT_RULES.md` names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeType {
    IdChanged,
    DescriptionChanged,
    TitleChanged,
    DefaultChanged,
    SchemaAdded,
    SchemaRemoved,
    TypeExtended,
    TypeNarrowed,
    TypeChanged,
    MaxLengthAdded,
    MaxLengthRemoved,
    MaxLengthIncreased,
    MaxLengthDecreased,
    MinLengthAdded,
    MinLengthRemoved,
    MinLengthIncreased,
    MinLengthDecreased,
    PatternAdded,
    PatternRemoved,
    PatternChanged,
    MaximumAdded,
    MaximumRemoved,
    MaximumIncreased,
    MaximumDecreased,
    MinimumAdded,
    MinimumRemoved,
    MinimumIncreased,
    MinimumDecreased,
    ExclusiveMaximumAdded,
    ExclusiveMaximumRemoved,
    ExclusiveMaximumIncreased,
    ExclusiveMaximumDecreased,
    ExclusiveMinimumAdded,
    ExclusiveMinimumRemoved,
    ExclusiveMinimumIncreased,
    ExclusiveMinimumDecreased,
    MultipleOfAdded,
    MultipleOfRemoved,
    MultipleOfExpanded,
    MultipleOfReduced,
    MultipleOfChanged,
    RequiredAttributeAdded,
    RequiredAttributeWithDefaultAdded,
    RequiredAttributeRemoved,
    MaxPropertiesAdded,
    MaxPropertiesRemoved,
    MaxPropertiesIncreased,
    MaxPropertiesDecreased,
    MinPropertiesAdded,
    MinPropertiesRemoved,
    MinPropertiesIncreased,
    MinPropertiesDecreased,
    AdditionalPropertiesAdded,
    AdditionalPropertiesRemoved,
    AdditionalPropertiesExtended,
    AdditionalPropertiesNarrowed,
    DependencyArrayAdded,
    DependencyArrayRemoved,
    DependencyArrayExtended,
    DependencyArrayNarrowed,
    DependencyArrayChanged,
    DependencySchemaAdded,
    DependencySchemaRemoved,
    RequiredPropertyAddedToOpenContentModel,
    RequiredPropertyWithDefaultAddedToOpenContentModel,
    OptionalPropertyAddedToOpenContentModel,
    PropertyWithEmptySchemaAddedToOpenContentModel,
    RequiredPropertyAddedToUnopenContentModel,
    RequiredPropertyWithDefaultAddedToUnopenContentModel,
    OptionalPropertyAddedToUnopenContentModel,
    PropertyRemovedFromOpenContentModel,
    PropertyWithFalseRemovedFromClosedContentModel,
    PropertyRemovedFromClosedContentModel,
    PropertyRemovedIsCoveredByPartiallyOpenContentModel,
    PropertyRemovedNotCoveredByPartiallyOpenContentModel,
    PropertyAddedIsCoveredByPartiallyOpenContentModel,
    PropertyAddedNotCoveredByPartiallyOpenContentModel,
    ReservedPropertyRemoved,
    ReservedPropertyConflictsWithProperty,
    UnevaluatedPropertiesAdded,
    UnevaluatedPropertiesRemoved,
    UnevaluatedPropertiesExtended,
    UnevaluatedPropertiesNarrowed,
    MaxItemsAdded,
    MaxItemsRemoved,
    MaxItemsIncreased,
    MaxItemsDecreased,
    MinItemsAdded,
    MinItemsRemoved,
    MinItemsIncreased,
    MinItemsDecreased,
    MaxContainsAdded,
    MaxContainsRemoved,
    MaxContainsIncreased,
    MaxContainsDecreased,
    MinContainsAdded,
    MinContainsRemoved,
    MinContainsIncreased,
    MinContainsDecreased,
    UniqueItemsAdded,
    UniqueItemsRemoved,
    AdditionalItemsAdded,
    AdditionalItemsRemoved,
    AdditionalItemsExtended,
    AdditionalItemsNarrowed,
    UnevaluatedItemsAdded,
    UnevaluatedItemsRemoved,
    UnevaluatedItemsExtended,
    UnevaluatedItemsNarrowed,
    ItemAddedToOpenContentModel,
    ItemWithEmptySchemaAddedToOpenContentModel,
    ItemAddedToClosedContentModel,
    ItemRemovedFromOpenContentModel,
    ItemWithFalseRemovedFromClosedContentModel,
    ItemRemovedFromClosedContentModel,
    ItemRemovedIsCoveredByPartiallyOpenContentModel,
    ItemRemovedNotCoveredByPartiallyOpenContentModel,
    ItemAddedIsCoveredByPartiallyOpenContentModel,
    ItemAddedNotCoveredByPartiallyOpenContentModel,
    EnumArrayExtended,
    EnumArrayNarrowed,
    EnumArrayChanged,
    CombinedTypeExtended,
    CombinedTypeChanged,
    ProductTypeExtended,
    ProductTypeNarrowed,
    SumTypeExtended,
    SumTypeNarrowed,
    CombinedTypeSubschemasChanged,
    NotTypeExtended,
    NotTypeNarrowed,
    UnmodeledKeywordChanged,
    ArrowFieldAddedNullable,
    ArrowFieldAddedNonNullable,
    ArrowFieldRemoved,
    ArrowFieldRenamed,
    ArrowTypeWidened,
    ArrowTypeNarrowed,
    ArrowTypeChanged,
    ArrowNullableToNonNullable,
    ArrowNonNullableToNullable,
    ArrowFieldReordered,
    ArrowMetadataChanged,
}

impl ChangeType {
    /// Every change type, JSON Schema ones first, then Arrow ones.
    pub const ALL: &'static [ChangeType] = &[
        Self::IdChanged,
        Self::DescriptionChanged,
        Self::TitleChanged,
        Self::DefaultChanged,
        Self::SchemaAdded,
        Self::SchemaRemoved,
        Self::TypeExtended,
        Self::TypeNarrowed,
        Self::TypeChanged,
        Self::MaxLengthAdded,
        Self::MaxLengthRemoved,
        Self::MaxLengthIncreased,
        Self::MaxLengthDecreased,
        Self::MinLengthAdded,
        Self::MinLengthRemoved,
        Self::MinLengthIncreased,
        Self::MinLengthDecreased,
        Self::PatternAdded,
        Self::PatternRemoved,
        Self::PatternChanged,
        Self::MaximumAdded,
        Self::MaximumRemoved,
        Self::MaximumIncreased,
        Self::MaximumDecreased,
        Self::MinimumAdded,
        Self::MinimumRemoved,
        Self::MinimumIncreased,
        Self::MinimumDecreased,
        Self::ExclusiveMaximumAdded,
        Self::ExclusiveMaximumRemoved,
        Self::ExclusiveMaximumIncreased,
        Self::ExclusiveMaximumDecreased,
        Self::ExclusiveMinimumAdded,
        Self::ExclusiveMinimumRemoved,
        Self::ExclusiveMinimumIncreased,
        Self::ExclusiveMinimumDecreased,
        Self::MultipleOfAdded,
        Self::MultipleOfRemoved,
        Self::MultipleOfExpanded,
        Self::MultipleOfReduced,
        Self::MultipleOfChanged,
        Self::RequiredAttributeAdded,
        Self::RequiredAttributeWithDefaultAdded,
        Self::RequiredAttributeRemoved,
        Self::MaxPropertiesAdded,
        Self::MaxPropertiesRemoved,
        Self::MaxPropertiesIncreased,
        Self::MaxPropertiesDecreased,
        Self::MinPropertiesAdded,
        Self::MinPropertiesRemoved,
        Self::MinPropertiesIncreased,
        Self::MinPropertiesDecreased,
        Self::AdditionalPropertiesAdded,
        Self::AdditionalPropertiesRemoved,
        Self::AdditionalPropertiesExtended,
        Self::AdditionalPropertiesNarrowed,
        Self::DependencyArrayAdded,
        Self::DependencyArrayRemoved,
        Self::DependencyArrayExtended,
        Self::DependencyArrayNarrowed,
        Self::DependencyArrayChanged,
        Self::DependencySchemaAdded,
        Self::DependencySchemaRemoved,
        Self::RequiredPropertyAddedToOpenContentModel,
        Self::RequiredPropertyWithDefaultAddedToOpenContentModel,
        Self::OptionalPropertyAddedToOpenContentModel,
        Self::PropertyWithEmptySchemaAddedToOpenContentModel,
        Self::RequiredPropertyAddedToUnopenContentModel,
        Self::RequiredPropertyWithDefaultAddedToUnopenContentModel,
        Self::OptionalPropertyAddedToUnopenContentModel,
        Self::PropertyRemovedFromOpenContentModel,
        Self::PropertyWithFalseRemovedFromClosedContentModel,
        Self::PropertyRemovedFromClosedContentModel,
        Self::PropertyRemovedIsCoveredByPartiallyOpenContentModel,
        Self::PropertyRemovedNotCoveredByPartiallyOpenContentModel,
        Self::PropertyAddedIsCoveredByPartiallyOpenContentModel,
        Self::PropertyAddedNotCoveredByPartiallyOpenContentModel,
        Self::ReservedPropertyRemoved,
        Self::ReservedPropertyConflictsWithProperty,
        Self::UnevaluatedPropertiesAdded,
        Self::UnevaluatedPropertiesRemoved,
        Self::UnevaluatedPropertiesExtended,
        Self::UnevaluatedPropertiesNarrowed,
        Self::MaxItemsAdded,
        Self::MaxItemsRemoved,
        Self::MaxItemsIncreased,
        Self::MaxItemsDecreased,
        Self::MinItemsAdded,
        Self::MinItemsRemoved,
        Self::MinItemsIncreased,
        Self::MinItemsDecreased,
        Self::MaxContainsAdded,
        Self::MaxContainsRemoved,
        Self::MaxContainsIncreased,
        Self::MaxContainsDecreased,
        Self::MinContainsAdded,
        Self::MinContainsRemoved,
        Self::MinContainsIncreased,
        Self::MinContainsDecreased,
        Self::UniqueItemsAdded,
        Self::UniqueItemsRemoved,
        Self::AdditionalItemsAdded,
        Self::AdditionalItemsRemoved,
        Self::AdditionalItemsExtended,
        Self::AdditionalItemsNarrowed,
        Self::UnevaluatedItemsAdded,
        Self::UnevaluatedItemsRemoved,
        Self::UnevaluatedItemsExtended,
        Self::UnevaluatedItemsNarrowed,
        Self::ItemAddedToOpenContentModel,
        Self::ItemWithEmptySchemaAddedToOpenContentModel,
        Self::ItemAddedToClosedContentModel,
        Self::ItemRemovedFromOpenContentModel,
        Self::ItemWithFalseRemovedFromClosedContentModel,
        Self::ItemRemovedFromClosedContentModel,
        Self::ItemRemovedIsCoveredByPartiallyOpenContentModel,
        Self::ItemRemovedNotCoveredByPartiallyOpenContentModel,
        Self::ItemAddedIsCoveredByPartiallyOpenContentModel,
        Self::ItemAddedNotCoveredByPartiallyOpenContentModel,
        Self::EnumArrayExtended,
        Self::EnumArrayNarrowed,
        Self::EnumArrayChanged,
        Self::CombinedTypeExtended,
        Self::CombinedTypeChanged,
        Self::ProductTypeExtended,
        Self::ProductTypeNarrowed,
        Self::SumTypeExtended,
        Self::SumTypeNarrowed,
        Self::CombinedTypeSubschemasChanged,
        Self::NotTypeExtended,
        Self::NotTypeNarrowed,
        Self::UnmodeledKeywordChanged,
        Self::ArrowFieldAddedNullable,
        Self::ArrowFieldAddedNonNullable,
        Self::ArrowFieldRemoved,
        Self::ArrowFieldRenamed,
        Self::ArrowTypeWidened,
        Self::ArrowTypeNarrowed,
        Self::ArrowTypeChanged,
        Self::ArrowNullableToNonNullable,
        Self::ArrowNonNullableToNullable,
        Self::ArrowFieldReordered,
        Self::ArrowMetadataChanged,
    ];

    /// The upper-snake-case name used on the wire.
    #[allow(clippy::too_many_lines)] // one arm per change type
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdChanged => "ID_CHANGED",
            Self::DescriptionChanged => "DESCRIPTION_CHANGED",
            Self::TitleChanged => "TITLE_CHANGED",
            Self::DefaultChanged => "DEFAULT_CHANGED",
            Self::SchemaAdded => "SCHEMA_ADDED",
            Self::SchemaRemoved => "SCHEMA_REMOVED",
            Self::TypeExtended => "TYPE_EXTENDED",
            Self::TypeNarrowed => "TYPE_NARROWED",
            Self::TypeChanged => "TYPE_CHANGED",
            Self::MaxLengthAdded => "MAX_LENGTH_ADDED",
            Self::MaxLengthRemoved => "MAX_LENGTH_REMOVED",
            Self::MaxLengthIncreased => "MAX_LENGTH_INCREASED",
            Self::MaxLengthDecreased => "MAX_LENGTH_DECREASED",
            Self::MinLengthAdded => "MIN_LENGTH_ADDED",
            Self::MinLengthRemoved => "MIN_LENGTH_REMOVED",
            Self::MinLengthIncreased => "MIN_LENGTH_INCREASED",
            Self::MinLengthDecreased => "MIN_LENGTH_DECREASED",
            Self::PatternAdded => "PATTERN_ADDED",
            Self::PatternRemoved => "PATTERN_REMOVED",
            Self::PatternChanged => "PATTERN_CHANGED",
            Self::MaximumAdded => "MAXIMUM_ADDED",
            Self::MaximumRemoved => "MAXIMUM_REMOVED",
            Self::MaximumIncreased => "MAXIMUM_INCREASED",
            Self::MaximumDecreased => "MAXIMUM_DECREASED",
            Self::MinimumAdded => "MINIMUM_ADDED",
            Self::MinimumRemoved => "MINIMUM_REMOVED",
            Self::MinimumIncreased => "MINIMUM_INCREASED",
            Self::MinimumDecreased => "MINIMUM_DECREASED",
            Self::ExclusiveMaximumAdded => "EXCLUSIVE_MAXIMUM_ADDED",
            Self::ExclusiveMaximumRemoved => "EXCLUSIVE_MAXIMUM_REMOVED",
            Self::ExclusiveMaximumIncreased => "EXCLUSIVE_MAXIMUM_INCREASED",
            Self::ExclusiveMaximumDecreased => "EXCLUSIVE_MAXIMUM_DECREASED",
            Self::ExclusiveMinimumAdded => "EXCLUSIVE_MINIMUM_ADDED",
            Self::ExclusiveMinimumRemoved => "EXCLUSIVE_MINIMUM_REMOVED",
            Self::ExclusiveMinimumIncreased => "EXCLUSIVE_MINIMUM_INCREASED",
            Self::ExclusiveMinimumDecreased => "EXCLUSIVE_MINIMUM_DECREASED",
            Self::MultipleOfAdded => "MULTIPLE_OF_ADDED",
            Self::MultipleOfRemoved => "MULTIPLE_OF_REMOVED",
            Self::MultipleOfExpanded => "MULTIPLE_OF_EXPANDED",
            Self::MultipleOfReduced => "MULTIPLE_OF_REDUCED",
            Self::MultipleOfChanged => "MULTIPLE_OF_CHANGED",
            Self::RequiredAttributeAdded => "REQUIRED_ATTRIBUTE_ADDED",
            Self::RequiredAttributeWithDefaultAdded => "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
            Self::RequiredAttributeRemoved => "REQUIRED_ATTRIBUTE_REMOVED",
            Self::MaxPropertiesAdded => "MAX_PROPERTIES_ADDED",
            Self::MaxPropertiesRemoved => "MAX_PROPERTIES_REMOVED",
            Self::MaxPropertiesIncreased => "MAX_PROPERTIES_INCREASED",
            Self::MaxPropertiesDecreased => "MAX_PROPERTIES_DECREASED",
            Self::MinPropertiesAdded => "MIN_PROPERTIES_ADDED",
            Self::MinPropertiesRemoved => "MIN_PROPERTIES_REMOVED",
            Self::MinPropertiesIncreased => "MIN_PROPERTIES_INCREASED",
            Self::MinPropertiesDecreased => "MIN_PROPERTIES_DECREASED",
            Self::AdditionalPropertiesAdded => "ADDITIONAL_PROPERTIES_ADDED",
            Self::AdditionalPropertiesRemoved => "ADDITIONAL_PROPERTIES_REMOVED",
            Self::AdditionalPropertiesExtended => "ADDITIONAL_PROPERTIES_EXTENDED",
            Self::AdditionalPropertiesNarrowed => "ADDITIONAL_PROPERTIES_NARROWED",
            Self::DependencyArrayAdded => "DEPENDENCY_ARRAY_ADDED",
            Self::DependencyArrayRemoved => "DEPENDENCY_ARRAY_REMOVED",
            Self::DependencyArrayExtended => "DEPENDENCY_ARRAY_EXTENDED",
            Self::DependencyArrayNarrowed => "DEPENDENCY_ARRAY_NARROWED",
            Self::DependencyArrayChanged => "DEPENDENCY_ARRAY_CHANGED",
            Self::DependencySchemaAdded => "DEPENDENCY_SCHEMA_ADDED",
            Self::DependencySchemaRemoved => "DEPENDENCY_SCHEMA_REMOVED",
            Self::RequiredPropertyAddedToOpenContentModel => {
                "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
            }
            Self::RequiredPropertyWithDefaultAddedToOpenContentModel => {
                "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
            }
            Self::OptionalPropertyAddedToOpenContentModel => {
                "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
            }
            Self::PropertyWithEmptySchemaAddedToOpenContentModel => {
                "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
            }
            Self::RequiredPropertyAddedToUnopenContentModel => {
                "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
            }
            Self::RequiredPropertyWithDefaultAddedToUnopenContentModel => {
                "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
            }
            Self::OptionalPropertyAddedToUnopenContentModel => {
                "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
            }
            Self::PropertyRemovedFromOpenContentModel => "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
            Self::PropertyWithFalseRemovedFromClosedContentModel => {
                "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
            }
            Self::PropertyRemovedFromClosedContentModel => {
                "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
            }
            Self::PropertyRemovedIsCoveredByPartiallyOpenContentModel => {
                "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::PropertyRemovedNotCoveredByPartiallyOpenContentModel => {
                "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::PropertyAddedIsCoveredByPartiallyOpenContentModel => {
                "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::PropertyAddedNotCoveredByPartiallyOpenContentModel => {
                "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::ReservedPropertyRemoved => "RESERVED_PROPERTY_REMOVED",
            Self::ReservedPropertyConflictsWithProperty => {
                "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY"
            }
            Self::UnevaluatedPropertiesAdded => "UNEVALUATED_PROPERTIES_ADDED",
            Self::UnevaluatedPropertiesRemoved => "UNEVALUATED_PROPERTIES_REMOVED",
            Self::UnevaluatedPropertiesExtended => "UNEVALUATED_PROPERTIES_EXTENDED",
            Self::UnevaluatedPropertiesNarrowed => "UNEVALUATED_PROPERTIES_NARROWED",
            Self::MaxItemsAdded => "MAX_ITEMS_ADDED",
            Self::MaxItemsRemoved => "MAX_ITEMS_REMOVED",
            Self::MaxItemsIncreased => "MAX_ITEMS_INCREASED",
            Self::MaxItemsDecreased => "MAX_ITEMS_DECREASED",
            Self::MinItemsAdded => "MIN_ITEMS_ADDED",
            Self::MinItemsRemoved => "MIN_ITEMS_REMOVED",
            Self::MinItemsIncreased => "MIN_ITEMS_INCREASED",
            Self::MinItemsDecreased => "MIN_ITEMS_DECREASED",
            Self::MaxContainsAdded => "MAX_CONTAINS_ADDED",
            Self::MaxContainsRemoved => "MAX_CONTAINS_REMOVED",
            Self::MaxContainsIncreased => "MAX_CONTAINS_INCREASED",
            Self::MaxContainsDecreased => "MAX_CONTAINS_DECREASED",
            Self::MinContainsAdded => "MIN_CONTAINS_ADDED",
            Self::MinContainsRemoved => "MIN_CONTAINS_REMOVED",
            Self::MinContainsIncreased => "MIN_CONTAINS_INCREASED",
            Self::MinContainsDecreased => "MIN_CONTAINS_DECREASED",
            Self::UniqueItemsAdded => "UNIQUE_ITEMS_ADDED",
            Self::UniqueItemsRemoved => "UNIQUE_ITEMS_REMOVED",
            Self::AdditionalItemsAdded => "ADDITIONAL_ITEMS_ADDED",
            Self::AdditionalItemsRemoved => "ADDITIONAL_ITEMS_REMOVED",
            Self::AdditionalItemsExtended => "ADDITIONAL_ITEMS_EXTENDED",
            Self::AdditionalItemsNarrowed => "ADDITIONAL_ITEMS_NARROWED",
            Self::UnevaluatedItemsAdded => "UNEVALUATED_ITEMS_ADDED",
            Self::UnevaluatedItemsRemoved => "UNEVALUATED_ITEMS_REMOVED",
            Self::UnevaluatedItemsExtended => "UNEVALUATED_ITEMS_EXTENDED",
            Self::UnevaluatedItemsNarrowed => "UNEVALUATED_ITEMS_NARROWED",
            Self::ItemAddedToOpenContentModel => "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
            Self::ItemWithEmptySchemaAddedToOpenContentModel => {
                "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
            }
            Self::ItemAddedToClosedContentModel => "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
            Self::ItemRemovedFromOpenContentModel => "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
            Self::ItemWithFalseRemovedFromClosedContentModel => {
                "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
            }
            Self::ItemRemovedFromClosedContentModel => "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
            Self::ItemRemovedIsCoveredByPartiallyOpenContentModel => {
                "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::ItemRemovedNotCoveredByPartiallyOpenContentModel => {
                "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::ItemAddedIsCoveredByPartiallyOpenContentModel => {
                "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::ItemAddedNotCoveredByPartiallyOpenContentModel => {
                "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
            Self::EnumArrayExtended => "ENUM_ARRAY_EXTENDED",
            Self::EnumArrayNarrowed => "ENUM_ARRAY_NARROWED",
            Self::EnumArrayChanged => "ENUM_ARRAY_CHANGED",
            Self::CombinedTypeExtended => "COMBINED_TYPE_EXTENDED",
            Self::CombinedTypeChanged => "COMBINED_TYPE_CHANGED",
            Self::ProductTypeExtended => "PRODUCT_TYPE_EXTENDED",
            Self::ProductTypeNarrowed => "PRODUCT_TYPE_NARROWED",
            Self::SumTypeExtended => "SUM_TYPE_EXTENDED",
            Self::SumTypeNarrowed => "SUM_TYPE_NARROWED",
            Self::CombinedTypeSubschemasChanged => "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            Self::NotTypeExtended => "NOT_TYPE_EXTENDED",
            Self::NotTypeNarrowed => "NOT_TYPE_NARROWED",
            Self::UnmodeledKeywordChanged => "UNMODELED_KEYWORD_CHANGED",
            Self::ArrowFieldAddedNullable => "ARROW_FIELD_ADDED_NULLABLE",
            Self::ArrowFieldAddedNonNullable => "ARROW_FIELD_ADDED_NON_NULLABLE",
            Self::ArrowFieldRemoved => "ARROW_FIELD_REMOVED",
            Self::ArrowFieldRenamed => "ARROW_FIELD_RENAMED",
            Self::ArrowTypeWidened => "ARROW_TYPE_WIDENED",
            Self::ArrowTypeNarrowed => "ARROW_TYPE_NARROWED",
            Self::ArrowTypeChanged => "ARROW_TYPE_CHANGED",
            Self::ArrowNullableToNonNullable => "ARROW_NULLABLE_TO_NON_NULLABLE",
            Self::ArrowNonNullableToNullable => "ARROW_NON_NULLABLE_TO_NULLABLE",
            Self::ArrowFieldReordered => "ARROW_FIELD_REORDERED",
            Self::ArrowMetadataChanged => "ARROW_METADATA_CHANGED",
        }
    }

    /// Looks a change type up by its wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    /// Whether this change breaks BACKWARD compatibility under `policy`.
    pub fn is_breaking(self, policy: Policy) -> bool {
        match policy {
            Policy::Strict => self.breaks_strict(),
            Policy::Lenient => self.breaks_lenient(),
        }
    }

    fn breaks_strict(self) -> bool {
        matches!(
            self,
            Self::SchemaAdded
                | Self::TypeNarrowed
                | Self::TypeChanged
                | Self::MaxLengthAdded
                | Self::MaxLengthDecreased
                | Self::MinLengthAdded
                | Self::MinLengthIncreased
                | Self::PatternAdded
                | Self::PatternChanged
                | Self::MaximumAdded
                | Self::MaximumDecreased
                | Self::MinimumAdded
                | Self::MinimumIncreased
                | Self::ExclusiveMaximumAdded
                | Self::ExclusiveMaximumDecreased
                | Self::ExclusiveMinimumAdded
                | Self::ExclusiveMinimumIncreased
                | Self::MultipleOfAdded
                | Self::MultipleOfExpanded
                | Self::MultipleOfChanged
                | Self::RequiredAttributeAdded
                | Self::MaxPropertiesAdded
                | Self::MaxPropertiesDecreased
                | Self::MinPropertiesAdded
                | Self::MinPropertiesIncreased
                | Self::AdditionalPropertiesRemoved
                | Self::AdditionalPropertiesNarrowed
                | Self::DependencyArrayAdded
                | Self::DependencyArrayExtended
                | Self::DependencyArrayChanged
                | Self::DependencySchemaAdded
                | Self::RequiredPropertyAddedToOpenContentModel
                | Self::RequiredPropertyWithDefaultAddedToOpenContentModel
                | Self::OptionalPropertyAddedToOpenContentModel
                | Self::RequiredPropertyAddedToUnopenContentModel
                | Self::PropertyRemovedFromClosedContentModel
                | Self::PropertyRemovedNotCoveredByPartiallyOpenContentModel
                | Self::PropertyAddedNotCoveredByPartiallyOpenContentModel
                | Self::ReservedPropertyRemoved
                | Self::ReservedPropertyConflictsWithProperty
                | Self::UnevaluatedPropertiesRemoved
                | Self::UnevaluatedPropertiesNarrowed
                | Self::MaxItemsAdded
                | Self::MaxItemsDecreased
                | Self::MinItemsAdded
                | Self::MinItemsIncreased
                | Self::MaxContainsAdded
                | Self::MaxContainsDecreased
                | Self::MinContainsAdded
                | Self::MinContainsIncreased
                | Self::UniqueItemsAdded
                | Self::AdditionalItemsRemoved
                | Self::AdditionalItemsNarrowed
                | Self::UnevaluatedItemsRemoved
                | Self::UnevaluatedItemsNarrowed
                | Self::ItemAddedToOpenContentModel
                | Self::ItemRemovedFromClosedContentModel
                | Self::ItemRemovedNotCoveredByPartiallyOpenContentModel
                | Self::ItemAddedNotCoveredByPartiallyOpenContentModel
                | Self::EnumArrayNarrowed
                | Self::EnumArrayChanged
                | Self::CombinedTypeChanged
                | Self::ProductTypeExtended
                | Self::SumTypeNarrowed
                | Self::CombinedTypeSubschemasChanged
                | Self::NotTypeExtended
                | Self::UnmodeledKeywordChanged
                | Self::ArrowFieldAddedNonNullable
                | Self::ArrowFieldRemoved
                | Self::ArrowFieldRenamed
                | Self::ArrowTypeNarrowed
                | Self::ArrowTypeChanged
                | Self::ArrowNullableToNonNullable
        )
    }

    /// LENIENT reads objects as "readers ignore unknown properties" (and Arrow readers
    /// ignore dropped columns): only these content-model changes stop breaking.
    fn breaks_lenient(self) -> bool {
        self.breaks_strict()
            && !matches!(
                self,
                Self::AdditionalPropertiesRemoved
                    | Self::AdditionalPropertiesNarrowed
                    | Self::RequiredPropertyWithDefaultAddedToOpenContentModel
                    | Self::OptionalPropertyAddedToOpenContentModel
                    | Self::PropertyRemovedFromClosedContentModel
                    | Self::PropertyRemovedNotCoveredByPartiallyOpenContentModel
                    | Self::PropertyAddedNotCoveredByPartiallyOpenContentModel
                    | Self::UnevaluatedPropertiesRemoved
                    | Self::UnevaluatedPropertiesNarrowed
                    | Self::ArrowFieldRemoved
            )
    }

    /// Annotation-only changes never need more than a PATCH bump.
    pub fn is_annotation(self) -> bool {
        matches!(
            self,
            Self::IdChanged
                | Self::DescriptionChanged
                | Self::TitleChanged
                | Self::DefaultChanged
                | Self::ArrowMetadataChanged
        )
    }
}

impl fmt::Display for ChangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reported difference: what changed, where (a JSON pointer such as `#/properties/price`),
/// whether it breaks under the requested mode and policy, and a sentence for humans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeType,
    pub path: String,
    pub breaking: bool,
    pub message: String,
}

/// A difference found diffing one direction (old → new), before a verdict is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: ChangeType,
    pub path: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ChangeType::ALL {
            assert_eq!(ChangeType::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(ChangeType::ALL.len(), 143);
    }

    #[test]
    fn lenient_relaxes_only_content_model_changes() {
        assert!(ChangeType::OptionalPropertyAddedToOpenContentModel.is_breaking(Policy::Strict));
        assert!(!ChangeType::OptionalPropertyAddedToOpenContentModel.is_breaking(Policy::Lenient));
        assert!(ChangeType::ArrowFieldRemoved.is_breaking(Policy::Strict));
        assert!(!ChangeType::ArrowFieldRemoved.is_breaking(Policy::Lenient));
        assert!(ChangeType::TypeChanged.is_breaking(Policy::Lenient));
        for kind in ChangeType::ALL {
            if kind.is_breaking(Policy::Lenient) {
                assert!(
                    kind.is_breaking(Policy::Strict),
                    "{kind} breaks only when lenient"
                );
            }
        }
    }
}
